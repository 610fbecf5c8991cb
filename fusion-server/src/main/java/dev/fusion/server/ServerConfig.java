package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.micrometer.FusionMetrics;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.server.internal.Json;
import dev.fusion.shared.SharedStateFactory;
import dev.fusion.shared.SharedStateOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A {@code fusion serve} configuration file (YAML or JSON): a Fusion config (its keys serve as the model
 * {@code fusion/default}), plus an optional {@code server:} section and optional named fusions:
 *
 * <pre>{@code
 * panel: [openrouter:deepseek/deepseek-v4-pro, openrouter:moonshotai/kimi-k2.6]
 * judge: openrouter:anthropic/claude-opus-4.8
 * fusions:                       # more models: fusion/budget, ... (each a whole Fusion config)
 *   budget: {panel: [deepseek:deepseek-v4-flash, zhipu:glm-5.2], judge: deepseek:deepseek-v4-flash}
 * server:
 *   host: 0.0.0.0                # anything but loopback needs keys
 *   port: 8080
 *   maxBodyBytes: 4194304
 *   maxConcurrentAsks: 256
 *   drainTimeoutMs: 30000
 *   keys:
 *     - name: web
 *       sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8   # or keyEnv: WEB_KEY
 *       models: [fusion/default]
 *       dailyUsd: 5
 *       monthlyUsd: 50
 *       rpm: 60
 *       tpm: 200000
 * }</pre>
 * A key given by {@code keyEnv} is read from that environment variable, hashed at once and not kept. With
 * {@code shared:} (e.g. Redis) in the default fusion's config, every key's budgets are shared by all instances
 * (namespace {@code <namespace>.key.<name>}). Immutable.
 */
public final class ServerConfig {

    /** The largest config file read. */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private static final List<String> SERVER_KEYS = List.of("host", "port", "maxBodyBytes", "maxHeaderBytes",
            "maxConcurrentAsks", "drainTimeoutMs", "keys");
    private static final List<String> KEY_KEYS = List.of("name", "sha256", "keyEnv", "models", "dailyUsd", "monthlyUsd", "rpm", "tpm");

    private final Map<String, FusionConfig> fusions;
    private final String host;
    private final Integer port;
    private final ServerLimits limits;
    private final List<GatewayKey> keys;
    private final SharedStateOptions shared;

    private ServerConfig(Map<String, FusionConfig> fusions, String host, Integer port, ServerLimits limits,
                         List<GatewayKey> keys, SharedStateOptions shared) {
        this.fusions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fusions));
        this.host = host;
        this.port = port;
        this.limits = limits;
        this.keys = List.copyOf(keys);
        this.shared = shared;
    }

    /**
     * Reads a file.
     *
     * @throws InvalidConfigurationException naming the file and the key for any problem
     */
    public static ServerConfig load(Path file, Map<String, String> env) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new InvalidConfigurationException("config file " + file + " does not exist or is not a file");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new InvalidConfigurationException("config file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            return parse(Files.readString(file), env, !file.toString().endsWith(".json"));
        } catch (IOException e) {
            throw new InvalidConfigurationException("config file " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** Parses YAML (or JSON, which is YAML too). */
    public static ServerConfig parse(String text, Map<String, String> env) {
        return parse(text, env, true);
    }

    private static ServerConfig parse(String text, Map<String, String> env, boolean yaml) {
        if (text.length() > MAX_FILE_BYTES) {
            throw new InvalidConfigurationException("the config is larger than " + MAX_FILE_BYTES + " bytes");
        }
        JsonNode root;
        try {
            ObjectMapper m = yaml && !text.stripLeading().startsWith("{") ? new ObjectMapper(new YAMLFactory()) : Json.MAPPER;
            root = m.readTree(text);
        } catch (IOException e) {
            throw new InvalidConfigurationException("the config is not valid YAML/JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidConfigurationException("the config must be a mapping (panel:, judge:, server:, ...)");
        }
        ObjectNode top = ((ObjectNode) root).deepCopy();
        JsonNode server = top.remove("server");
        JsonNode named = top.remove("fusions");
        Map<String, FusionConfig> fusions = new LinkedHashMap<>();
        SharedStateOptions shared = null;
        if (!top.isEmpty()) {
            FusionConfig def = fusion(top, "");
            fusions.put("default", def);
            shared = def.shared();
        }
        if (named != null && !named.isNull()) {
            if (!named.isObject()) {
                throw new InvalidConfigurationException("fusions: must be a mapping of name to a Fusion config");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = named.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().matches("[A-Za-z0-9._-]{1,64}")) {
                    throw new InvalidConfigurationException("fusions." + e.getKey() + ": a name is 1-64 letters, digits, '.', '_' or '-'");
                }
                if (fusions.containsKey(e.getKey())) {
                    throw new InvalidConfigurationException("fusions." + e.getKey() + ": defined twice (the top-level"
                            + " panel/judge is fusion/default)");
                }
                if (!e.getValue().isObject()) {
                    throw new InvalidConfigurationException("fusions." + e.getKey() + ": must be a Fusion config (panel:, judge:, ...)");
                }
                fusions.put(e.getKey(), fusion((ObjectNode) e.getValue(), "fusions." + e.getKey() + "."));
            }
        }
        String host = null;
        Integer port = null;
        ServerLimits limits = ServerLimits.DEFAULTS;
        List<GatewayKey> keys = new ArrayList<>();
        if (server != null && !server.isNull()) {
            if (!server.isObject()) {
                throw new InvalidConfigurationException("server: must be a mapping (host, port, keys, ...)");
            }
            unknown(server, SERVER_KEYS, "server.");
            host = server.hasNonNull("host") ? server.get("host").asText() : null;
            port = server.hasNonNull("port") ? integer(server, "port", "server.") : null;
            int body = server.hasNonNull("maxBodyBytes") ? integer(server, "maxBodyBytes", "server.") : limits.maxBodyBytes();
            int header = server.hasNonNull("maxHeaderBytes") ? integer(server, "maxHeaderBytes", "server.") : limits.maxHeaderBytes();
            int asks = server.hasNonNull("maxConcurrentAsks") ? integer(server, "maxConcurrentAsks", "server.") : limits.maxConcurrentAsks();
            Duration drain = server.hasNonNull("drainTimeoutMs") ? Duration.ofMillis(integer(server, "drainTimeoutMs", "server."))
                    : limits.drainTimeout();
            try {
                limits = new ServerLimits(body, header, asks, drain);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("server: " + e.getMessage());
            }
            JsonNode ks = server.get("keys");
            if (ks != null && !ks.isNull()) {
                if (!ks.isArray()) {
                    throw new InvalidConfigurationException("server.keys: must be a list of {name, sha256 | keyEnv, ...}");
                }
                for (JsonNode k : ks) {
                    keys.add(key(k, env));
                }
            }
        }
        return new ServerConfig(fusions, host, port, limits, keys, shared);
    }

    private static FusionConfig fusion(ObjectNode spec, String prefix) {
        try {
            return FusionConfig.parse(Json.write(spec), FusionConfig.Format.JSON);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(prefix.isEmpty() ? e.getMessage() : prefix + " " + e.getMessage());
        }
    }

    private static GatewayKey key(JsonNode k, Map<String, String> env) {
        if (!k.isObject()) {
            throw new InvalidConfigurationException("server.keys: each key is a mapping {name, sha256 | keyEnv, ...}");
        }
        String name = k.path("name").asText("");
        String at = "server.keys." + (name.isEmpty() ? "?" : name) + ".";
        unknown(k, KEY_KEYS, at);
        String hash;
        if (k.hasNonNull("sha256") == k.hasNonNull("keyEnv")) {
            throw new InvalidConfigurationException(at + "sha256 / keyEnv: give exactly one (the SHA-256 hex of the key,"
                    + " or the environment variable holding the key)");
        }
        if (k.hasNonNull("keyEnv")) {
            String var = k.get("keyEnv").asText();
            String v = env.get(var);
            if (v == null || v.isBlank()) {
                throw new InvalidConfigurationException(at + "keyEnv: the environment variable " + var + " is not set");
            }
            hash = GatewayKey.hash(v.strip());
        } else {
            hash = k.get("sha256").asText();
        }
        Set<String> models = new LinkedHashSet<>();
        for (JsonNode m : k.path("models")) {
            models.add(m.asText().startsWith("fusion/") ? m.asText() : "fusion/" + m.asText());
        }
        try {
            return new GatewayKey(name, hash, models, usd(k, "dailyUsd", at), usd(k, "monthlyUsd", at),
                    k.hasNonNull("rpm") ? integer(k, "rpm", at) : 0, k.hasNonNull("tpm") ? integer(k, "tpm", at) : 0);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(at + " " + e.getMessage());
        }
    }

    private static BigDecimal usd(JsonNode k, String field, String at) {
        if (!k.hasNonNull(field)) {
            return null;
        }
        try {
            return new BigDecimal(k.get(field).asText());
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(at + field + ": must be a USD amount like 5 or 0.50");
        }
    }

    private static int integer(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (!v.canConvertToInt() || !(v.isIntegralNumber() || v.asText().matches("\\d+"))) {
            throw new InvalidConfigurationException(at + field + ": must be a whole number, was " + v);
        }
        return v.isIntegralNumber() ? v.asInt() : Integer.parseInt(v.asText());
    }

    private static void unknown(JsonNode n, List<String> known, String at) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new InvalidConfigurationException(at + f + ": unknown key; valid keys are " + known);
            }
        }
    }

    /** The fusions by name ({@code default} first when the top level has one); empty for a file with only {@code server:}. */
    public Map<String, FusionConfig> fusions() {
        return fusions;
    }

    /** {@code server.host}, or null. */
    public String host() {
        return host;
    }

    /** {@code server.port}, or null. */
    public Integer port() {
        return port;
    }

    public ServerLimits limits() {
        return limits;
    }

    public List<GatewayKey> keys() {
        return keys;
    }

    /** The default fusion's {@code shared:} store, which also holds the keys' budgets; null when none. */
    public SharedStateOptions shared() {
        return shared;
    }

    /**
     * A server builder with this file's fusions (each with a {@link FusionMetrics} on {@code registry}), keys,
     * limits, host and port (when set) and the keys' budgets in the shared store (when configured).
     *
     * @param customize applied to every fusion's builder before it is built (e.g. more listeners)
     */
    public FusionServer.Builder toServerBuilder(Providers providers, PrometheusMeterRegistry registry,
                                                Consumer<Fusion.Builder> customize) {
        return toServerBuilder(providers, dev.fusion.providers.BundledPrices.load(), registry, customize);
    }

    /**
     * As {@link #toServerBuilder(Providers, PrometheusMeterRegistry, Consumer)}, each fusion priced by
     * {@code prices} under its own file's prices (e.g. the bundled book with the sandbox's fictional prices added).
     */
    public FusionServer.Builder toServerBuilder(Providers providers, dev.fusion.cost.PriceBook prices,
                                                PrometheusMeterRegistry registry, Consumer<Fusion.Builder> customize) {
        FusionServer.Builder b = serverOnly(registry);
        if (fusions.isEmpty()) {
            throw new InvalidConfigurationException("the config has no fusion: add panel: and judge: (fusion/default)"
                    + " or a fusions: mapping");
        }
        FusionMetrics metrics = new FusionMetrics(registry);
        for (Map.Entry<String, FusionConfig> e : fusions.entrySet()) {
            Fusion.Builder fb = e.getValue().spec().toFusionBuilder(providers, prices).listener(metrics);
            customize.accept(fb);
            b.fusion(e.getKey(), fb.build());
        }
        return b;
    }

    /** A server builder with this file's keys, limits, host and port but no fusion (add them yourself). */
    public FusionServer.Builder serverOnly(PrometheusMeterRegistry registry) {
        FusionServer.Builder b = FusionServer.builder().meterRegistry(registry).limits(limits).keys(keys);
        if (host != null) {
            b.host(host);
        }
        if (port != null) {
            b.port(port);
        }
        if (shared != null) {
            b.keyState(k -> SharedStateFactory.load(new SharedStateOptions(shared.url(),
                    clipNamespace(shared.namespace() + ".key." + k.name()), shared.onUnavailable(), shared.lease())));
        }
        return b;
    }

    private static String clipNamespace(String ns) {
        return ns.length() <= 64 ? ns : ns.substring(0, 64);
    }

    /** Never shows key hashes in full. */
    @Override
    public String toString() {
        return "ServerConfig[fusions=" + fusions.keySet() + ", host=" + host + ", port=" + port + ", keys="
                + keys.stream().map(GatewayKey::name).toList() + ", limits=" + limits + "]";
    }

}
