package dev.fusion.providers.internal;

import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared HTTP client: one {@link OkHttpClient} (one connection pool, one dispatcher) for every
 * model of every provider.
 *
 * <h2>Thread policy and bounds</h2>
 * Calls are asynchronous ({@code Call.enqueue}); OkHttp runs each in-flight call, and each open
 * stream for its whole life, on one dispatcher thread that blocks on the socket.
 * <ul>
 *   <li><b>Java 21+</b>: the first {@value #HYBRID_PLATFORM_DEFAULT} concurrent calls run on platform
 *       threads, every call beyond them on a virtual thread of its own ({@link HybridExecutor}; the
 *       virtual-thread executor is found reflectively since we compile for 17). A blocking socket
 *       read costs about half the CPU on a platform thread, and virtual threads keep thousands of
 *       calls in flight cheap: platform threads stay bounded whatever the load. The system property
 *       {@code fusion.http.platformThreads} sets that bound ({@code 0}: virtual threads only).
 *       {@code maxRequests} and {@code maxRequestsPerHost} are {@value #VIRTUAL_MAX}: in practice
 *       unbounded.</li>
 *   <li><b>Java 17</b>: {@code maxRequests = maxRequestsPerHost = }{@value #PLATFORM_MAX} calls run at
 *       once, on a platform-thread pool (idle threads die after 60 s) that can briefly hold a few
 *       more threads while finishing calls hand over to queued ones (hard cap {@value #POOL_MAX}).
 *       Calls beyond {@value #PLATFORM_MAX} wait in OkHttp's dispatcher queue (they are not
 *       rejected) and count against Fusion's timeouts while they wait.</li>
 * </ul>
 * OkHttp's default of 5 requests per host would serialize a panel of 8 OpenRouter members; both
 * policies let a whole panel on one host run at once.
 *
 * <p>Timeouts: connect 15 s; write, read and call timeouts are off because Fusion owns the timeout
 * of every call (a slow non-streaming answer can legitimately take minutes, and a cancelled Fusion
 * call cancels the OkHttp call, which closes its socket and ends a stalled write or read). OkHttp's
 * per-I/O timeouts would also cost CPU on every call: Okio's watchdog thread is woken whenever a
 * timed read or write becomes its earliest deadline, which in a steady flow of calls is nearly every
 * read and write (measured at 1.5 context switches per call; fusion-benchmarks/RESULTS.md).
 *
 * <p>Stale connections: a request that fails on a pooled keep-alive connection the server has
 * closed, before any response byte, is sent again at once on a new connection, and that is not an
 * attempt ({@link StaleConnectionRetry}); every other failure is left to Fusion's retry layer.
 *
 * <p>Security: redirects are never followed (a 3xx answer fails the call; a key must never travel
 * to another origin), and every response body is read under the {@link BodyLimit} its request
 * carries ({@link LimitInterceptor}).
 *
 * <p>Thread-safe; the client is created lazily once.
 */
public final class HttpClients {

    static final int VIRTUAL_MAX = 10_000;
    /** Platform threads for calls on Java 21+ before virtual threads take over. */
    static final int HYBRID_PLATFORM_DEFAULT = 64;
    static final int PLATFORM_MAX = 512;
    /** Hard cap of the Java 17 pool: running calls plus threads handing over to the next queued call. */
    static final int POOL_MAX = 2 * PLATFORM_MAX;

    private static final Logger log = LoggerFactory.getLogger(HttpClients.class);
    /** The one body-limit interceptor (stateless), so {@link #guard} can recognize a guarded client. */
    private static final LimitInterceptor LIMITS = new LimitInterceptor();

    /** {@code Executors.newVirtualThreadPerTaskExecutor()} on Java 21+, else null. */
    private static final MethodHandle NEW_VIRTUAL_EXECUTOR = findVirtualExecutorFactory();

    private static final class Holder {
        static final OkHttpClient SHARED = create();
    }

    private HttpClients() {
    }

    /** The process-wide shared client. */
    public static OkHttpClient shared() {
        return Holder.SHARED;
    }

    /** A new client with Fusion's dispatcher and timeouts (prefer {@link #shared()}). */
    public static OkHttpClient create() {
        ExecutorService virtual = virtualThreadExecutor();
        if (virtual == null) {
            return createPlatform();
        }
        int platformThreads = Math.max(0, Integer.getInteger("fusion.http.platformThreads", HYBRID_PLATFORM_DEFAULT));
        ExecutorService executor = platformThreads == 0 ? virtual : new HybridExecutor(
                new ThreadPoolExecutor(0, platformThreads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), daemonThreads()),
                platformThreads, virtual);
        Dispatcher dispatcher = new Dispatcher(executor);
        dispatcher.setMaxRequests(VIRTUAL_MAX);
        dispatcher.setMaxRequestsPerHost(VIRTUAL_MAX);
        log.debug("HTTP dispatcher: {} platform threads, then virtual threads; maxRequests={}", platformThreads, VIRTUAL_MAX);
        return client(dispatcher);
    }

    /** The Java 17-20 client: platform threads (package-private so it can be tested on any JDK). */
    static OkHttpClient createPlatform() {
        // The dispatcher runs at most PLATFORM_MAX calls. A call that ends hands the next queued call
        // to the pool *before* its own thread is back in the pool, so with PLATFORM_MAX calls running
        // the pool briefly needs one thread per finishing call on top of them. A pool capped at
        // PLATFORM_MAX rejects that hand-over: OkHttp fails the queued call ("executor rejected") and
        // recurses through the queue (StackOverflowError). Hence the pool's hard cap of twice the
        // running-call cap; in practice it stays a few threads above PLATFORM_MAX.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, POOL_MAX, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), daemonThreads());
        Dispatcher dispatcher = new Dispatcher(pool);
        dispatcher.setMaxRequests(PLATFORM_MAX);
        dispatcher.setMaxRequestsPerHost(PLATFORM_MAX);
        log.debug("HTTP dispatcher: platform threads, maxRequests={}", PLATFORM_MAX);
        return client(dispatcher);
    }

    private static OkHttpClient client(Dispatcher dispatcher) {
        ConnectionPool pool = new ConnectionPool(64, 5, TimeUnit.MINUTES);
        StaleConnectionRetry stale = new StaleConnectionRetry(pool);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(pool)
                .connectTimeout(Duration.ofSeconds(15))
                .writeTimeout(Duration.ZERO)
                .readTimeout(Duration.ZERO)
                .callTimeout(Duration.ZERO)
                // Fusion is the only retry layer: OkHttp's own would also replay HTTP 408 answers and
                // failures on new connections. The one case it exists for, a request that failed on a
                // pooled connection the server had closed, is replayed by StaleConnectionRetry.
                .retryOnConnectionFailure(false)
                // A redirect is a failed call, never followed: OkHttp strips only Authorization on a
                // cross-origin redirect, so x-api-key / x-goog-api-key would reach the other origin.
                .followRedirects(false)
                .followSslRedirects(false)
                .addInterceptor(LIMITS)
                .addInterceptor(stale.application())
                .addNetworkInterceptor(stale.network())
                .build();
    }

    /**
     * The client as every provider call must use it: {@code client} itself when it already refuses
     * redirects, bounds bodies and replays requests that failed on a stale pooled connection (the
     * shared client does), else a client sharing its dispatcher, connection pool and settings with
     * redirects off, the body limits and the {@link StaleConnectionRetry} for its pool installed.
     */
    public static OkHttpClient guard(OkHttpClient client) {
        ConnectionPool pool = client.connectionPool();
        boolean replays = client.interceptors().stream().anyMatch(i -> StaleConnectionRetry.replaysFor(i, pool) == Boolean.TRUE);
        boolean observes = client.networkInterceptors().stream().anyMatch(i -> StaleConnectionRetry.observesFor(i, pool) == Boolean.TRUE);
        if (!client.followRedirects() && !client.followSslRedirects() && client.interceptors().contains(LIMITS)
                && replays && observes) {
            return client;
        }
        OkHttpClient.Builder b = client.newBuilder().followRedirects(false).followSslRedirects(false);
        if (!client.interceptors().contains(LIMITS)) {
            b.addInterceptor(LIMITS);
        }
        if (!replays || !observes) {
            // A client derived from another (newBuilder) with its own pool carries the other pool's
            // pair: replace it, so a replay empties the pool the call really uses.
            b.interceptors().removeIf(i -> StaleConnectionRetry.replaysFor(i, pool) != null);
            b.networkInterceptors().removeIf(i -> StaleConnectionRetry.observesFor(i, pool) != null);
            StaleConnectionRetry stale = new StaleConnectionRetry(pool);
            b.addInterceptor(stale.application()).addNetworkInterceptor(stale.network());
        }
        return b.build();
    }

    /** Whether the shared dispatcher runs calls beyond its platform threads on virtual threads (Java 21+). */
    public static boolean usesVirtualThreads() {
        return NEW_VIRTUAL_EXECUTOR != null;
    }

    private static MethodHandle findVirtualExecutorFactory() {
        try {
            return MethodHandles.publicLookup().findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17-20
        }
    }

    private static ExecutorService virtualThreadExecutor() {
        if (NEW_VIRTUAL_EXECUTOR == null) {
            return null;
        }
        try {
            return (ExecutorService) NEW_VIRTUAL_EXECUTOR.invoke();
        } catch (Throwable t) {
            log.debug("virtual threads unavailable ({}); using platform threads", t.toString());
            return null;
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "fusion-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
