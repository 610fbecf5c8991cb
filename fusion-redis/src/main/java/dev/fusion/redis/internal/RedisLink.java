package dev.fusion.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Redis connection (commands run in the order they are sent), connected lazily and again after a
 * failed connect; Lettuce reconnects a dropped connection by itself. Commands are rejected at once
 * while disconnected and time out after {@code timeout}, so an unreachable store fails fast.
 * Results arrive on Lettuce's I/O thread: callers only update their state there (short monitors, no
 * blocking) and hand what an ask does next to other workers. Thread-safe.
 */
public final class RedisLink implements AutoCloseable {

    private final RedisClient client;
    private final ClientResources resources;
    private final RedisURI uri;
    private final Object lock = new Object();
    private volatile CompletableFuture<StatefulRedisConnection<String, String>> connection;
    private volatile boolean closed;
    /** Round trips sent (benchmarks). */
    private final AtomicLong roundTrips = new AtomicLong();
    /** Round trips sent per script (benchmarks), by {@link Script#ordinal()}. */
    private final java.util.concurrent.atomic.AtomicLongArray byScript =
            new java.util.concurrent.atomic.AtomicLongArray(Script.values().length);

    public RedisLink(String url, Duration timeout) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(timeout);
        Duration retry = timeout.dividedBy(4).compareTo(Duration.ofMillis(20)) < 0 ? Duration.ofMillis(20) : timeout.dividedBy(4);
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.constant(retry)).build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // At most once: a command whose reply was lost is not sent again (the scripts' versions make
                // a repeat harmless anyway, but the caller already treated it as failed).
                .replayFilter(cmd -> true)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
    }

    /** Runs {@code script} (EVALSHA, then EVAL when the server does not have it). */
    public Mono<List<Object>> eval(Script script, String[] keys, String... args) {
        return connection().flatMap(c -> {
            roundTrips.incrementAndGet();
            byScript.incrementAndGet(script.ordinal());
            Mono<List<Object>> sha = Mono.fromCompletionStage(c.async().<List<Object>>evalsha(script.sha(),
                    ScriptOutputType.MULTI, keys, args));
            return sha.onErrorResume(RedisNoScriptException.class, e -> {
                roundTrips.incrementAndGet();
                return Mono.fromCompletionStage(c.async().<List<Object>>eval(script.body(), ScriptOutputType.MULTI, keys, args));
            });
        });
    }

    /** Starts connecting now (without waiting), so the first ask does not pay for the handshake. */
    public void warmUp() {
        connection().subscribe(c -> { }, e -> { });
    }

    /**
     * Whether the connection is established and open right now (a volatile read, no I/O): a store that
     * stopped or dropped the connection reads false at once, so a grant from capacity this instance already
     * holds in Redis is only made while the store is reachable.
     */
    public boolean isOpen() {
        CompletableFuture<StatefulRedisConnection<String, String>> f = connection;
        if (closed || f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return false;
        }
        return f.getNow(null).isOpen();
    }

    public long roundTrips() {
        return roundTrips.get();
    }

    /** Script calls sent so far of {@code script} (EVAL fallbacks not counted; benchmarks). */
    public long roundTrips(Script script) {
        return byScript.get(script.ordinal());
    }

    private Mono<StatefulRedisConnection<String, String>> connection() {
        CompletableFuture<StatefulRedisConnection<String, String>> f;
        synchronized (lock) {
            if (closed) {
                return Mono.error(new IllegalStateException("the shared state was closed"));
            }
            if (connection == null || (connection.isDone() && connection.isCompletedExceptionally())) {
                connection = client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
            }
            f = connection;
        }
        return Mono.fromFuture(f, true);
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        // Shutting the client down closes its connection.
        client.shutdownAsync(0, 2, java.util.concurrent.TimeUnit.SECONDS)
                .whenComplete((v, e) -> resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS));
    }
}
