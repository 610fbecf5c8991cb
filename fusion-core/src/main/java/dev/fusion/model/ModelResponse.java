package dev.fusion.model;

import dev.fusion.cost.Usage;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A model's complete answer. Immutable.
 *
 * @param text             the visible answer text (never null; providers must fail rather than return an empty answer)
 * @param usage            tokens by disjoint bucket, normalized by the provider adapter
 * @param reportedCostUsd  the cost the provider itself reported (OpenRouter {@code usage.cost}), or null
 * @param finishReason     the provider's stop/finish reason as sent, or null
 * @param responseModel    the model id the provider says answered (may differ from the requested one), or null
 * @param usageReported    whether the provider reported usage at all; false means the tokens are
 *                         <em>unknown</em> (not zero): {@code usage} is then {@link Usage#ZERO} as a
 *                         placeholder and the call's cost must be treated as incomplete, never as $0
 * @param reportedCostIgnored whether the provider sent a cost figure that could not be believed (not
 *                         finite, not a number, beyond $1e9): {@code reportedCostUsd} is then null, and
 *                         the call is flagged {@link dev.fusion.CostFlag#REPORTED_COST_IGNORED} instead of
 *                         the figure being dropped silently
 */
public record ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd,
                            String finishReason, String responseModel, boolean usageReported,
                            boolean reportedCostIgnored) {

    public ModelResponse {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(usage, "usage");
        if (!usageReported && !usage.equals(Usage.ZERO)) {
            throw new IllegalArgumentException("unreported usage must be Usage.ZERO, was " + usage);
        }
    }

    /** A response without an ignored cost figure (the form before the flag existed). */
    public ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd, String finishReason,
                         String responseModel, boolean usageReported) {
        this(text, usage, reportedCostUsd, finishReason, responseModel, usageReported, false);
    }

    /** A response whose usage the provider reported. */
    public ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd, String finishReason,
                         String responseModel) {
        this(text, usage, reportedCostUsd, finishReason, responseModel, true);
    }

    /** A response whose provider reported no usage: its tokens and cost are unknown, not zero. */
    public static ModelResponse withUnknownUsage(String text, BigDecimal reportedCostUsd, String finishReason,
                                                 String responseModel) {
        return new ModelResponse(text, Usage.ZERO, reportedCostUsd, finishReason, responseModel, false);
    }

    public static ModelResponse of(String text, Usage usage) {
        return new ModelResponse(text, usage, null, "stop", null);
    }

    @Override
    public String toString() {
        return "ModelResponse[" + text.length() + " chars, " + usage + ", reportedCostUsd=" + reportedCostUsd
                + ", finishReason=" + finishReason + ", responseModel=" + responseModel
                + (usageReported ? "" : ", usage unknown") + (reportedCostIgnored ? ", reported cost ignored" : "") + "]";
    }
}
