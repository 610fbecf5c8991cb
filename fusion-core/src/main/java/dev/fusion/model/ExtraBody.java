package dev.fusion.model;

import dev.fusion.InvalidConfigurationException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extra request-body fields passed through to a provider as they are (e.g. OpenRouter's
 * {@code provider} routing preferences, {@code top_k}). Values must be JSON: null, a String,
 * Number or Boolean, a List of values or a Map with String keys. A field that collides with one
 * Fusion sets is rejected by the wire mapper with an {@link InvalidConfigurationException} naming it.
 * Stateless and thread-safe.
 */
public final class ExtraBody {

    /** The deepest nesting accepted. */
    public static final int MAX_DEPTH = 32;
    /** The most entries (all levels) accepted. */
    public static final int MAX_ENTRIES = 1024;

    private ExtraBody() {
    }

    /**
     * A deeply immutable copy of {@code fields} (null: empty), keeping the key order.
     *
     * @throws InvalidConfigurationException for a blank key, a value that is not JSON, or a map too deep or large
     */
    public static Map<String, Object> copyOf(Map<String, ?> fields) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        int[] count = {0};
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) copy(fields, "", 0, count);
        return copy;
    }

    private static Object copy(Object v, String path, int depth, int[] count) {
        if (depth > MAX_DEPTH) {
            throw new InvalidConfigurationException("extra body field '" + path + "' nests deeper than " + MAX_DEPTH);
        }
        if (++count[0] > MAX_ENTRIES) {
            throw new InvalidConfigurationException("the extra body has more than " + MAX_ENTRIES + " entries");
        }
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Number) {
            return v;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k) || k.isBlank()) {
                    throw new InvalidConfigurationException("extra body field '" + path + "' has a key that is not a"
                            + " non-blank string: " + e.getKey());
                }
                String p = path.isEmpty() ? k : path + "." + k;
                out.put(k, copy(e.getValue(), p, depth + 1, count));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) {
                out.add(copy(l.get(i), path + "[" + i + "]", depth + 1, count));
            }
            return Collections.unmodifiableList(out);
        }
        throw new InvalidConfigurationException("extra body field '" + path + "' is a " + v.getClass().getSimpleName()
                + "; values must be JSON (string, number, boolean, null, list or map)");
    }
}
