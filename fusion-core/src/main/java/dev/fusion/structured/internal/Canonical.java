package dev.fusion.structured.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The vote's notion of "the same value": a canonical key per value. Strings: Unicode NFC, lower case
 * (root locale), whitespace runs collapsed to one space, trimmed. Numbers: numerically ({@code 1 == 1.0
 * == 1e0}). Booleans and null: exactly. Objects: key order ignored. Arrays whose elements are all scalars:
 * as multisets (order ignored, duplicates counted); other arrays: in order. Absent is its own key.
 * Stateless, thread-safe.
 */
public final class Canonical {

    /** The key of an absent value. */
    public static final String ABSENT = "\u0000absent";

    private static final Pattern SPACES = Pattern.compile("\\s+");

    private Canonical() {
    }

    /** The canonical key of a value; {@code null} or a missing node is {@link #ABSENT}. */
    public static String key(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return ABSENT;
        }
        StringBuilder sb = new StringBuilder();
        append(sb, n);
        return sb.toString();
    }

    /** A string as the vote compares it. */
    public static String normalize(String s) {
        String nfc = Normalizer.normalize(s, Normalizer.Form.NFC);
        return SPACES.matcher(nfc.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
    }

    /** Whether every element of an array is a scalar (so it is compared as a multiset). */
    public static boolean scalarArray(JsonNode array) {
        for (JsonNode e : array) {
            if (e.isContainerNode()) {
                return false;
            }
        }
        return true;
    }

    private static void append(StringBuilder sb, JsonNode n) {
        switch (n.getNodeType()) {
            case NULL -> sb.append("null");
            case BOOLEAN -> sb.append(n.booleanValue());
            case NUMBER -> sb.append('n').append(number(n));
            case STRING -> sb.append(TextNode.valueOf(normalize(n.textValue())));
            case OBJECT -> {
                Map<String, JsonNode> sorted = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    sorted.put(e.getKey(), e.getValue());
                }
                sb.append('{');
                for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                    sb.append(TextNode.valueOf(e.getKey())).append(':');
                    append(sb, e.getValue());
                    sb.append(',');
                }
                sb.append('}');
            }
            case ARRAY -> {
                List<String> parts = new ArrayList<>(n.size());
                for (JsonNode e : n) {
                    parts.add(key(e));
                }
                if (scalarArray(n)) {
                    parts.sort(null);
                    sb.append("multiset");
                }
                sb.append('[');
                for (String p : parts) {
                    sb.append(p).append(',');
                }
                sb.append(']');
            }
            default -> sb.append('?').append(n);
        }
    }

    private static String number(JsonNode n) {
        BigDecimal d = n.isBigDecimal() || n.isFloatingPointNumber() || n.isBigInteger()
                ? n.decimalValue() : BigDecimal.valueOf(n.longValue());
        if (n.isDouble() || n.isFloat()) {
            double v = n.doubleValue();
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return Double.toString(v);
            }
            d = new BigDecimal(Double.toString(v));
        }
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
    }
}
