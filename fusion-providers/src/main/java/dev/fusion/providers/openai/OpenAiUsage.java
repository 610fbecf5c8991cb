package dev.fusion.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import dev.fusion.providers.internal.Json;

import java.math.BigDecimal;

/**
 * Normalizes an OpenAI-compatible {@code usage} object into Fusion's disjoint buckets.
 *
 * <ul>
 *   <li>cache read = {@code prompt_tokens_details.cached_tokens}, or DeepSeek's
 *       {@code prompt_cache_hit_tokens}; when both are present they report the same hits and are
 *       counted once (the larger is taken);</li>
 *   <li>cache write = {@code prompt_tokens_details.cache_write_tokens} (OpenRouter, newer OpenAI);</li>
 *   <li>input = {@code prompt_tokens} − cache read − cache write (both are subsets of the prompt);</li>
 *   <li>reasoning = {@code completion_tokens_details.reasoning_tokens};</li>
 *   <li>output = {@code completion_tokens} − reasoning (reasoning is a subset of the completion).</li>
 * </ul>
 * Sources: OpenAI API reference (CompletionUsage), DeepSeek context caching guide, OpenRouter usage
 * accounting. Stateless.
 */
public final class OpenAiUsage {

    private OpenAiUsage() {
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
     * The usage, or {@link Usage#ZERO} as a placeholder when the node is absent or null (see
     * {@link #isReported}: such usage is unknown, not zero).
     *
     * @throws dev.fusion.providers.internal.MalformedFieldException for a count that is negative,
     *         fractional, a string or beyond 2^53, or a usage that is not an object
     */
    public static Usage of(JsonNode usage) {
        if (!isReported(usage)) {
            return Usage.ZERO;
        }
        long prompt = Json.count(usage, "prompt_tokens");
        JsonNode promptDetails = usage.get("prompt_tokens_details");
        long cached = Json.count(promptDetails, "cached_tokens");
        long deepseekHit = Json.count(usage, "prompt_cache_hit_tokens");
        long cacheRead = Math.max(cached, deepseekHit);
        long cacheWrite = Json.count(promptDetails, "cache_write_tokens");
        if (cacheRead + cacheWrite > prompt) {
            // Defensive: a provider reporting details larger than the total; trust the details.
            prompt = cacheRead + cacheWrite;
        }
        long completion = Json.count(usage, "completion_tokens");
        long reasoning = Math.min(Json.count(usage.get("completion_tokens_details"), "reasoning_tokens"), completion);
        return new Usage(prompt - cacheRead - cacheWrite, cacheRead, cacheWrite, 0, completion - reasoning, reasoning);
    }

    /**
     * OpenRouter's charged amount {@code usage.cost} (USD), exactly as sent (a negative figure
     * included: the ledger decides), or null when absent, not a number or not finite.
     */
    public static BigDecimal reportedCost(JsonNode usage) {
        return Json.cost(usage, "cost");
    }

    /**
     * The response for an answer whose usage was reported: the usage, the reported cost, and whether a
     * cost figure was sent but ignored ({@link ModelResponse#reportedCostIgnored}).
     */
    public static ModelResponse response(String text, JsonNode usage, String finishReason, String model) {
        return new ModelResponse(text, of(usage), reportedCost(usage), finishReason, model, true,
                Json.costIgnored(usage, "cost"));
    }
}
