package dev.fusion.cost;

/**
 * Tokens of one call, normalized into disjoint buckets so every provider is priced by one rule
 * (see docs/cost-model.md). No bucket contains another: the prompt is
 * {@code input + cacheRead + cacheWrite}, the completion is {@code output + reasoning}.
 * Immutable.
 *
 * @param input        uncached input tokens
 * @param cacheRead    input tokens read from the provider's prompt cache
 * @param cacheWrite   input tokens written to the prompt cache (all write durations)
 * @param cacheWrite1h the part of {@code cacheWrite} written with a 1-hour lifetime (Anthropic), billed at its own rate
 * @param output       visible output tokens
 * @param reasoning    reasoning/thinking tokens
 */
public record Usage(long input, long cacheRead, long cacheWrite, long cacheWrite1h, long output, long reasoning) {

    /** No tokens. */
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0);

    public Usage {
        if (input < 0 || cacheRead < 0 || cacheWrite < 0 || cacheWrite1h < 0 || output < 0 || reasoning < 0) {
            throw new IllegalArgumentException("token counts cannot be negative: input=" + input + " cacheRead="
                    + cacheRead + " cacheWrite=" + cacheWrite + " cacheWrite1h=" + cacheWrite1h + " output="
                    + output + " reasoning=" + reasoning);
        }
        if (cacheWrite1h > cacheWrite) {
            throw new IllegalArgumentException("cacheWrite1h (" + cacheWrite1h + ") is part of cacheWrite ("
                    + cacheWrite + ") and cannot exceed it");
        }
    }

    /** Uncached input and visible output only. */
    public static Usage of(long input, long output) {
        return new Usage(input, 0, 0, 0, output, 0);
    }

    /** All prompt tokens: {@code input + cacheRead + cacheWrite}. Long-context tiers compare against this. */
    public long promptTokens() {
        return input + cacheRead + cacheWrite;
    }

    /** All generated tokens: {@code output + reasoning}. */
    public long completionTokens() {
        return output + reasoning;
    }

    public long totalTokens() {
        return promptTokens() + completionTokens();
    }

    /** Bucket-wise sum. */
    public Usage plus(Usage other) {
        return new Usage(input + other.input, cacheRead + other.cacheRead, cacheWrite + other.cacheWrite,
                cacheWrite1h + other.cacheWrite1h, output + other.output, reasoning + other.reasoning);
    }
}
