package dev.fusion.providers.internal;

import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * Sends a request again, at once and on a new connection, when it failed on a <em>reused</em>
 * (pooled keep-alive) connection before any response header arrived: the server closed that
 * connection while it sat idle in the pool (llama.cpp's {@code llama-server} does after a streamed
 * answer; any server or proxy may after its idle timeout), and the request never reached it. Such a
 * failure is not an attempt: Fusion's retry layer (the only one; OkHttp's
 * {@code retryOnConnectionFailure} stays off, since it would also retry HTTP 408 answers and
 * failures on new connections) never sees it, and the call's attempt count is unchanged.
 *
 * <p>Exactly this case and no other is replayed:
 * <ul>
 *   <li>the connection had carried an earlier exchange (a connection this client just opened is
 *       never replayed: its failure is the call's, and Fusion counts and retries it as usual);</li>
 *   <li>no response header was received (a failure after the headers is the body's, seen by the
 *       caller);</li>
 *   <li>the call is not cancelled and the failure is not a timeout ({@link InterruptedIOException}).</li>
 * </ul>
 * Before the replay, the pool's idle connections are closed ({@link ConnectionPool#evictAll()}:
 * connections in use are untouched): they were left by the same kind of exchange as the dead one and
 * are likely as dead, so the replay opens a new connection instead of taking the next dead one.
 * A replay that itself fails on a reused connection (one returned to the pool by another call in the
 * meantime) is replayed again, at most {@value #MAX_REPLAYS} times in all; any other failure is
 * returned to the caller unchanged. Request bodies are replayable ({@link JsonBody}).
 *
 * <p>Two interceptors share the work: {@link #application()} (added with {@code addInterceptor})
 * replays, {@link #network()} (added with {@code addNetworkInterceptor}, where the connection is
 * known) records, in a holder tagged on the request, whether the connection was reused and whether
 * the headers arrived. Thread-safe.
 */
public final class StaleConnectionRetry {

    private static final Logger log = LoggerFactory.getLogger(StaleConnectionRetry.class);

    /** The most replays of one call (each after a failure on a reused connection). */
    static final int MAX_REPLAYS = 3;

    private final ConnectionPool pool;
    /**
     * Connections that have carried at least one exchange: a connection found here is reused. Weak
     * keys (identity: connections do not override equals), so a closed connection is forgotten.
     */
    private final Map<Connection, Boolean> used = Collections.synchronizedMap(new WeakHashMap<>());
    private final Interceptor application = new Replay();
    private final Interceptor network = new Observe();

    /** @param pool the pool of the client these interceptors are installed in */
    public StaleConnectionRetry(ConnectionPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The replaying interceptor: install with {@code OkHttpClient.Builder.addInterceptor}. */
    public Interceptor application() {
        return application;
    }

    /** The observing interceptor: install with {@code OkHttpClient.Builder.addNetworkInterceptor}. */
    public Interceptor network() {
        return network;
    }

    /** The pool whose idle connections a replay closes. */
    public ConnectionPool pool() {
        return pool;
    }

    /**
     * Whether {@code interceptor} is the replaying interceptor of a {@code StaleConnectionRetry}
     * for {@code pool} (true), of one for another pool (false), or of none (null).
     */
    static Boolean replaysFor(Interceptor interceptor, ConnectionPool pool) {
        return interceptor instanceof Replay r ? r.owner().pool == pool : null;
    }

    /** Whether {@code interceptor} is the observing interceptor of a {@code StaleConnectionRetry} for {@code pool}. */
    static Boolean observesFor(Interceptor interceptor, ConnectionPool pool) {
        return interceptor instanceof Observe o ? o.owner().pool == pool : null;
    }

    private final class Replay implements Interceptor {
        StaleConnectionRetry owner() {
            return StaleConnectionRetry.this;
        }

        @Override
        public Response intercept(Chain chain) throws IOException {
            return replayStale(chain);
        }
    }

    private final class Observe implements Interceptor {
        StaleConnectionRetry owner() {
            return StaleConnectionRetry.this;
        }

        @Override
        public Response intercept(Chain chain) throws IOException {
            return observe(chain);
        }
    }

    /**
     * The exchange being sent by this thread: the network interceptor runs on the thread of the
     * application interceptor's {@code proceed} (OkHttp's chain is synchronous), so the holder is handed
     * over here instead of in a tag, which would copy the request (URL, headers, tags) on every call.
     */
    private static final ThreadLocal<Exchange> CURRENT = new ThreadLocal<>();

    /** What the network interceptor saw of one exchange. Written and read on the call's thread. */
    private static final class Exchange {
        boolean reused;
        boolean headersReceived;
        boolean reachedNetwork;
    }

    private Response replayStale(Interceptor.Chain chain) throws IOException {
        Request request = chain.request();
        for (int replays = 0; ; replays++) {
            Exchange exchange = new Exchange();
            Exchange outer = CURRENT.get(); // a call made from inside another call's chain (not done by Fusion)
            CURRENT.set(exchange);
            try {
                return chain.proceed(request);
            } catch (IOException e) {
                if (replays >= MAX_REPLAYS || !isStale(chain, exchange, e)) {
                    throw e;
                }
                log.debug("the pooled connection to {} was closed by the server before it answered ({}); "
                        + "sending again on a new connection", Failures.printable(request.url()), e.toString());
                pool.evictAll();
            } finally {
                if (outer == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(outer);
                }
            }
        }
    }

    private static boolean isStale(Interceptor.Chain chain, Exchange exchange, IOException e) {
        return exchange.reachedNetwork && exchange.reused && !exchange.headersReceived
                && !chain.call().isCanceled() && !(e instanceof InterruptedIOException)
                && !(e instanceof ResponseTooLargeException);
    }

    private Response observe(Interceptor.Chain chain) throws IOException {
        Exchange exchange = CURRENT.get();
        Connection connection = chain.connection();
        if (exchange != null && connection != null) {
            exchange.reachedNetwork = true;
            exchange.reused = used.put(connection, Boolean.TRUE) != null;
        } else if (connection != null) {
            used.put(connection, Boolean.TRUE);
        }
        Response response = chain.proceed(chain.request());
        if (exchange != null) {
            exchange.headersReceived = true;
        }
        return response;
    }
}
