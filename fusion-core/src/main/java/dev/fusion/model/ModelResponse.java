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
 */
public record ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd,
                            String finishReason, String responseModel) {

    public ModelResponse {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(usage, "usage");
    }

    public static ModelResponse of(String text, Usage usage) {
        return new ModelResponse(text, usage, null, "stop", null);
    }

    @Override
    public String toString() {
        return "ModelResponse[" + text.length() + " chars, " + usage + ", reportedCostUsd=" + reportedCostUsd
                + ", finishReason=" + finishReason + ", responseModel=" + responseModel + "]";
    }
}
