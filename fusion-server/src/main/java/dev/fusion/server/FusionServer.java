package dev.fusion.server;

import dev.fusion.Fusion;
import dev.fusion.server.internal.Gateway;
import dev.fusion.server.internal.KeyRing;
import dev.fusion.shared.SharedState;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Configured fusions behind OpenAI- and Anthropic-compatible HTTP endpoints: {@code POST /v1/chat/completions},
 * {@code POST /v1/messages}, {@code POST /v1/responses}, {@code GET /v1/models}, {@code GET /health} and
 * {@code GET /metrics} (Prometheus). Each fusion is a model named {@code fusion/<name>}. Clients authenticate
 * with gateway keys ({@link GatewayKey}), never with the providers' keys, which stay in this process.
 *
 * <pre>{@code
 * FusionServer server = FusionServer.builder()
 *         .fusion("default", fusion)
 *         .port(8080)
 *         .start();
 * // ... server.close() drains: no new asks, asks in flight finish or are cancelled at the drain deadline
 * }</pre>
 *
 * <p>Binding to an address other than loopback without any gateway key is refused: an open gateway spends
 * the provider keys' money for anyone who finds it. Thread-safe; {@link #close()} is idempotent.
 */
public final class FusionServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.fusion.server");

    private final DisposableServer server;
    private final Gateway gateway;
    private final ServerLimits limits;
    private final List<SharedState> states;
    private final String host;
    private volatile boolean closed;

    private FusionServer(DisposableServer server, Gateway gateway, ServerLimits limits, List<SharedState> states, String host) {
        this.server = server;
        this.gateway = gateway;
        this.limits = limits;
        this.states = states;
        this.host = host;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return server.port();
    }

    /** {@code http://host:port}, the base URL clients use with {@code /v1} appended. */
    public String baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port();
    }

    /** The model names served: {@code fusion/default}, {@code fusion/<name>}, ... */
    public List<String> models() {
        return gateway.models();
    }

    /** Asks being answered now. */
    public int inFlight() {
        return gateway.inFlight();
    }

    /** Drains with the configured deadline ({@link ServerLimits#drainTimeout()}), then stops. */
    @Override
    public void close() {
        shutdown(limits.drainTimeout());
    }

    /**
     * Stops accepting asks (new ones get 503), waits up to {@code drainTimeout} for the asks in flight,
     * cancels those still running (their panel and judge calls are cancelled), then closes the port.
     */
    public synchronized void shutdown(Duration drainTimeout) {
        if (closed) {
            return;
        }
        closed = true;
        int waiting = gateway.inFlight();
        try {
            gateway.drain().block(drainTimeout);
        } catch (IllegalStateException timedOut) {
            LOG.warn("fusion serve: {} asks still running at the drain deadline ({} ms); cancelling them",
                    gateway.inFlight(), drainTimeout.toMillis());
        }
        gateway.cancelInFlight();
        server.disposeNow(Duration.ofSeconds(5));
        for (SharedState s : states) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // best effort on the way out
            }
        }
        if (waiting > 0) {
            LOG.info("fusion serve: stopped ({} asks were in flight at shutdown)", waiting);
        }
    }

    /** Builds a {@link FusionServer}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Fusion> fusions = new LinkedHashMap<>();
        private final List<GatewayKey> keys = new ArrayList<>();
        private String host = "127.0.0.1";
        private int port = 8080;
        private ServerLimits limits = ServerLimits.DEFAULTS;
        private PrometheusMeterRegistry registry;
        private Function<GatewayKey, SharedState> keyState;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Serves {@code fusion} as the model {@code fusion/<name>} ({@code default} is the one most clients name). */
        public Builder fusion(String name, Fusion fusion) {
            Objects.requireNonNull(fusion, "fusion");
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("a fusion name is 1-64 letters, digits, '.', '_' or '-', was '" + name + "'");
            }
            fusions.put("fusion/" + name, fusion);
            return this;
        }

        /** The address to listen on; default 127.0.0.1. Anything but loopback needs at least one key. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; 0 picks a free one. Default 8080. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Adds a client key. With keys, every ask needs one. */
        public Builder key(GatewayKey key) {
            keys.add(Objects.requireNonNull(key, "key"));
            return this;
        }

        public Builder keys(List<GatewayKey> keys) {
            keys.forEach(this::key);
            return this;
        }

        public Builder limits(ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * The registry {@code GET /metrics} scrapes. Give the same registry to each fusion's
         * {@code FusionMetrics} listener to see the GenAI meters there. Default: a new one (server meters only).
         */
        public Builder meterRegistry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Where each key's budgets live: one {@link SharedState} per key (so keys never share a spend account);
         * with a shared store, every gateway instance sees each key's spending. Default: in this process.
         * The server closes the states on shutdown.
         */
        public Builder keyState(Function<GatewayKey, SharedState> stateForKey) {
            this.keyState = Objects.requireNonNull(stateForKey, "stateForKey");
            return this;
        }

        /** The clock of the budget and rate windows (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Binds the port and starts serving.
         *
         * @throws IllegalStateException when no fusion is configured, or when the host is not loopback and no key is
         */
        public FusionServer start() {
            if (fusions.isEmpty()) {
                throw new IllegalStateException("no fusion to serve: add one with fusion(\"default\", fusion)");
            }
            if (keys.isEmpty() && !isLoopback(host)) {
                throw new IllegalStateException("refusing to listen on " + host + " without gateway keys: anyone who"
                        + " reaches it could spend the provider keys' money. Configure server.keys, or listen on 127.0.0.1");
            }
            List<SharedState> states = new ArrayList<>();
            Function<GatewayKey, SharedState> stateFor = keyState == null ? k -> SharedState.local() : keyState;
            KeyRing ring = new KeyRing(keys, k -> {
                SharedState s = stateFor.apply(k);
                states.add(s);
                return s;
            }, clock);
            PrometheusMeterRegistry reg = registry == null ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : registry;
            Gateway gateway = new Gateway(fusions, ring, limits, reg, clock);
            DisposableServer server = HttpServer.create()
                    .host(host)
                    .port(port)
                    .httpRequestDecoder(spec -> spec.maxHeaderSize(limits.maxHeaderBytes()).maxInitialLineLength(8192))
                    .handle(gateway::handle)
                    .bindNow(Duration.ofSeconds(10));
            return new FusionServer(server, gateway, limits, states, host);
        }

        static boolean isLoopback(String host) {
            if (host.equals("localhost")) {
                return true;
            }
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
    }
}
