package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;

/**
 * JSON helpers of the providers module over its one wire mapper ({@link ObjectMappers#WIRE}). Floats are read as {@link BigDecimal} so that a
 * provider-reported cost ({@code usage.cost}) is never rounded through {@code double}. A document
 * followed by anything but whitespace is malformed ({@code FAIL_ON_TRAILING_TOKENS}); one document
 * holds at most a million tokens (bounding the tree a body can build); parse errors never quote the
 * source. Token counts are validated ({@link #count}), never clamped.
 * Thread-safe (Jackson mappers are, once configured).
 */
public final class Json {

    /** The largest token count believed: 2^53 (beyond it a count is corrupt, and sums could overflow). */
    public static final long MAX_COUNT = 1L << 53;
    /** The most JSON tokens one document may hold: bounds the tree a body of a few MiB can build. */
    static final long MAX_TOKENS = ObjectMappers.MAX_TOKENS;
    /** The largest provider-reported cost believed (USD); beyond it the figure is ignored. */
    private static final BigDecimal MAX_COST = new BigDecimal("1e9");

    /** The module's one wire mapper ({@link ObjectMappers#WIRE}). */
    public static final ObjectMapper MAPPER = ObjectMappers.WIRE;

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * The token count at {@code field}: 0 when the parent or the field is absent or null (providers
     * legitimately omit zero counts and detail objects).
     *
     * @throws MalformedFieldException when the parent is not an object, or the count is not a whole
     *                                 number from 0 to 2^53 (negative, fractional, a string, NaN, huge)
     */
    public static long count(JsonNode parent, String field) {
        if (parent == null || parent.isNull() || parent.isMissingNode()) {
            return 0;
        }
        if (!parent.isObject()) {
            throw new MalformedFieldException("usage holds " + kind(parent) + " where an object with " + field
                    + " belongs");
        }
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        String bad = null;
        long n = 0;
        if (!v.isNumber()) {
            bad = kind(v);
        } else if (v.isFloatingPointNumber() && (v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            bad = "not a finite number";
        } else {
            BigDecimal d = v.decimalValue();
            if (d.signum() < 0) {
                bad = "negative (" + abbreviate(d) + ")";
            } else if (d.stripTrailingZeros().scale() > 0) {
                bad = "not a whole number (" + abbreviate(d) + ")";
            } else if (d.compareTo(BigDecimal.valueOf(MAX_COUNT)) > 0) {
                bad = "beyond 2^53 (" + abbreviate(d) + ")";
            } else {
                n = d.longValueExact();
            }
        }
        if (bad != null) {
            throw new MalformedFieldException("token count " + field + " is " + bad
                    + "; token counts are whole numbers from 0 to 2^53");
        }
        return n;
    }

    private static String kind(JsonNode v) {
        return v.isTextual() ? "a string" : v.isBoolean() ? "a boolean" : v.isArray() ? "an array"
                : v.isObject() ? "an object" : v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String abbreviate(BigDecimal d) {
        String s = d.toString();
        return s.length() <= 40 ? s : s.substring(0, 37) + "…";
    }

    /**
     * Whether a usage node is present: false when absent or null.
     *
     * @throws MalformedFieldException when it is present but not an object
     */
    public static boolean usagePresent(JsonNode usage) {
        if (usage == null || usage.isNull() || usage.isMissingNode()) {
            return false;
        }
        if (!usage.isObject()) {
            throw new MalformedFieldException("usage is " + kind(usage) + ", not an object");
        }
        return true;
    }

    /** Whether the node has a non-null field (a count or a detail object). */
    public static boolean hasNumber(JsonNode parent, String field) {
        return parent != null && parent.isObject() && parent.has(field) && !parent.get(field).isNull();
    }

    /**
     * A provider-reported cost at {@code field}: an exact decimal (number or numeric string), or null
     * when absent, not a number, not finite (NaN, Infinity) or absurd (beyond $1e9 in magnitude).
     * A negative figure is returned as sent: what to do with it is the ledger's decision.
     */
    public static BigDecimal cost(JsonNode parent, String field) {
        if (parent == null || !parent.isObject()) {
            return null;
        }
        JsonNode v = parent.get(field);
        if (v != null && (v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            return null;
        }
        BigDecimal d;
        try {
            d = decimal(parent, field);
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
        return d == null || d.abs().compareTo(MAX_COST) > 0 ? null : d;
    }

    /**
     * Whether a cost was sent at {@code field} but {@link #cost} ignores it (not finite, not a number,
     * beyond $1e9): the ledger flags such a call instead of dropping the figure silently.
     */
    public static boolean costIgnored(JsonNode parent, String field) {
        if (parent == null || !parent.isObject()) {
            return false;
        }
        JsonNode v = parent.get(field);
        return v != null && !v.isNull() && !v.isMissingNode() && cost(parent, field) == null;
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
