package dev.fusion.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import dev.fusion.providers.internal.Json;

/**
 * Normalizes Gemini's {@code usageMetadata} (Gemini API reference, GenerateContentResponse.UsageMetadata):
 * <ul>
 *   <li>input = {@code promptTokenCount} − {@code cachedContentTokenCount} (the prompt count includes
 *       the cached part) + {@code toolUsePromptTokenCount} (tool-use prompts are billed as input);</li>
 *   <li>cache read = {@code cachedContentTokenCount};</li>
 *   <li>output = {@code candidatesTokenCount} (it excludes thoughts);</li>
 *   <li>reasoning = {@code thoughtsTokenCount}.</li>
 * </ul>
 * Gemini reports no cache writes in usage (explicit caches are billed as storage). Stateless.
 */
public final class GeminiUsage {

    private GeminiUsage() {
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
     * @throws dev.fusion.providers.internal.MalformedFieldException for an invalid count or a
     *         {@code usageMetadata} that is not an object
     */
    public static Usage of(JsonNode m) {
        if (!isReported(m)) {
            return Usage.ZERO;
        }
        long prompt = Json.count(m, "promptTokenCount");
        long cached = Math.min(Json.count(m, "cachedContentTokenCount"), prompt);
        long toolUse = Json.count(m, "toolUsePromptTokenCount");
        return new Usage(prompt - cached + toolUse, cached, 0, 0, Json.count(m, "candidatesTokenCount"),
                Json.count(m, "thoughtsTokenCount"));
    }
}
