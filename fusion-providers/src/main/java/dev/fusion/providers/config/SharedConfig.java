package dev.fusion.providers.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedState;
import dev.fusion.shared.SharedStateFactory;
import dev.fusion.shared.SharedStateOptions;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * The config file's {@code shared:} map, where the spend cap and provider limits are shared with other
 * instances: {@code shared: {redis: "redis://127.0.0.1:6379/0", namespace: "team-a", onUnavailable: refuse,
 * leaseMs: 30000}}. The implementation is found by {@link SharedStateFactory} (fusion-redis for
 * {@code redis:}), so this module does not depend on it. Stateless; thread-safe.
 */
public final class SharedConfig {

    /** Keys of the {@code shared:} map. */
    public static final List<String> KEYS = List.of("redis", "namespace", "onUnavailable", "leaseMs");

    private SharedConfig() {
    }

    /**
     * Parses and validates {@code shared:}; null when absent.
     *
     * @throws InvalidConfigurationException naming the key, what is wrong and how to fix it
     */
    public static SharedStateOptions parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw bad("shared", "must be a mapping like {redis: \"redis://127.0.0.1:6379/0\", namespace: team-a}");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw bad("shared." + k, "is not a known key; use one of " + KEYS);
            }
        }
        JsonNode r = node.get("redis");
        if (r == null || !r.isTextual() || r.asText().isBlank()) {
            throw bad("shared.redis", "is required: the Redis URL, e.g. redis://127.0.0.1:6379/0");
        }
        String url = r.asText().trim();
        if (url.length() > 2048 || !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
            throw bad("shared.redis", "must be a redis:// or rediss:// URL of at most 2048 characters");
        }
        String ns = text(node, "namespace");
        OnUnavailable on = null;
        String o = text(node, "onUnavailable");
        if (o != null) {
            try {
                on = OnUnavailable.parse(o);
            } catch (IllegalArgumentException e) {
                throw bad("shared.onUnavailable", "must be refuse or local, was '" + o + "'");
            }
        }
        Duration lease = null;
        JsonNode l = node.get("leaseMs");
        if (l != null && !l.isNull()) {
            if (!l.canConvertToLong() || !l.isIntegralNumber()) {
                throw bad("shared.leaseMs", "must be a whole number of milliseconds (100..3600000)");
            }
            if (l.asLong() < 100 || l.asLong() > 3_600_000) {
                throw bad("shared.leaseMs", "must be between 100 and 3600000 milliseconds, was " + l.asLong());
            }
            lease = Duration.ofMillis(l.asLong());
        }
        try {
            return new SharedStateOptions(url, ns, on, lease);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            // Name the key the user set (the options' messages start with the field's name).
            for (String k : KEYS) {
                if (m != null && m.startsWith(k + " ")) {
                    throw bad("shared." + k, m.substring(k.length() + 1));
                }
            }
            throw new InvalidConfigurationException("config key 'shared' " + m);
        }
    }

    /**
     * Opens the store for {@code options}; it is closed (publishing this instance's spend) when the JVM exits.
     *
     * @throws InvalidConfigurationException when no implementation is on the class path
     */
    public static SharedState open(SharedStateOptions options) {
        SharedState state = SharedStateFactory.load(options);
        Runtime.getRuntime().addShutdownHook(new Thread(state::close, "fusion-shared-state-close"));
        return state;
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw bad("shared." + key, "must be a string");
        }
        return v.asText();
    }

    private static InvalidConfigurationException bad(String key, String what) {
        return ConfigKeyException.bad(key, what);
    }
}
