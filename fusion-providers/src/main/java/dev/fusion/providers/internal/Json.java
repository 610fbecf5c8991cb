package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;

/**
 * The one JSON mapper of the providers module. Floats are read as {@link BigDecimal} so that a
 * provider-reported cost ({@code usage.cost}) is never rounded through {@code double}.
 * Thread-safe (Jackson mappers are, once configured).
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A non-negative token count at {@code field}, or 0 when absent, null or not a number. */
    public static long count(JsonNode parent, String field) {
        if (parent == null) {
            return 0;
        }
        JsonNode v = parent.get(field);
        if (v == null || !v.isNumber()) {
            return 0;
        }
        long n = v.asLong();
        return Math.max(0, n);
    }

    /** Whether the node has a numeric field. */
    public static boolean hasNumber(JsonNode parent, String field) {
        return parent != null && parent.has(field) && parent.get(field).isNumber();
    }

    /** Text at {@code field}, or null when absent/null. Numbers are rendered as text. */
    public static String text(JsonNode parent, String field) {
        if (parent == null) {
            return null;
        }
        JsonNode v = parent.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        return v.asText();
    }

    /** An exact decimal at {@code field} (number or numeric string), or null. */
    public static BigDecimal decimal(JsonNode parent, String field) {
        if (parent == null) {
            return null;
        }
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual()) {
            try {
                return new BigDecimal(v.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
