package dev.fusion.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.providers.internal.Json;

import java.util.Iterator;
import java.util.Map;

/**
 * Normalizes an Anthropic Messages {@code usage} object (Anthropic API reference, Usage; prompt
 * caching guide):
 * <ul>
 *   <li>input = {@code input_tokens} (already the uncached part);</li>
 *   <li>cache read = {@code cache_read_input_tokens};</li>
 *   <li>cache write = {@code cache_creation_input_tokens} (or the sum of {@code cache_creation.*}
 *       when only the split is sent), of which {@code cache_creation.ephemeral_1h_input_tokens} is
 *       the 1-hour part;</li>
 *   <li>output = {@code output_tokens} − thinking, reasoning = thinking, where thinking is
 *       {@code output_tokens_details.thinking_tokens} when reported. The public API documents no
 *       such split today: thinking is billed inside {@code output_tokens} at the output rate, so
 *       without the field everything is output, which prices correctly.</li>
 * </ul>
 * Stateless.
 */
public final class AnthropicUsage {

    private AnthropicUsage() {
    }


    /**
     * Whether the answer reported usage at all. Absent or null: no (the call's tokens are
     * <em>unknown</em>, not zero).
     *
     * @throws dev.fusion.providers.internal.MalformedFieldException when it is present but not an object
     */
    public static boolean isReported(JsonNode usage) {
        return Json.usagePresent(usage);
    }

    /**
     * The usage, or {@link Usage#ZERO} as a placeholder when absent (see {@link #isReported}).
     *
     * @throws dev.fusion.providers.internal.MalformedFieldException for an invalid count or a usage
     *         that is not an object
     */
    public static Usage of(JsonNode u) {
        if (!isReported(u)) {
            return Usage.ZERO;
        }
        long input = Json.count(u, "input_tokens");
        long read = Json.count(u, "cache_read_input_tokens");
        JsonNode split = u.get("cache_creation");
        long write1h = Json.count(split, "ephemeral_1h_input_tokens");
        long write;
        if (Json.hasNumber(u, "cache_creation_input_tokens")) {
            write = Json.count(u, "cache_creation_input_tokens");
        } else {
            write = Json.count(split, "ephemeral_5m_input_tokens") + write1h;
        }
        write1h = Math.min(write1h, write);
        long out = Json.count(u, "output_tokens");
        long thinking = Math.min(Json.count(u.get("output_tokens_details"), "thinking_tokens"), out);
        return new Usage(input, read, write, write1h, out - thinking, thinking);
    }

    /**
     * Merges a later usage report into an earlier one: fields present in {@code later} win. Used for
     * streams, where {@code message_delta} usage is cumulative and may repeat or omit input fields.
     */
    static ObjectNode merge(ObjectNode into, JsonNode later) {
        if (!Json.usagePresent(later)) {
            return into;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = later.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNull()) {
                into.set(e.getKey(), e.getValue());
            }
        }
        return into;
    }
}
