package dev.fusion.model;

import dev.fusion.cost.Usage;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A model's complete answer: text, tool calls, or both. Immutable.
 *
 * <p>A model that asks for tools answers with {@link #toolCalls()} (its text may then be empty);
 * the provider's finish reason says so in its own words (OpenAI {@code tool_calls}, Anthropic
 * {@code tool_use}, Gemini {@code STOP}): use {@link #hasToolCalls()} to tell.
 *
 * @param text             the visible answer text (never null; providers must fail rather than return an
 *                         empty answer, unless the answer has tool calls)
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
 * @param toolCalls        the tools the model asked to call, in its order (never null; empty: none)
 */
public record ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd,
                            String finishReason, String responseModel, boolean usageReported,
                            boolean reportedCostIgnored, java.util.List<ToolCall> toolCalls) {

    /** The finish reason Fusion reports for an answer that asks for tools (OpenAI's spelling). */
    public static final String FINISH_TOOL_CALLS = "tool_calls";

    public ModelResponse {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(usage, "usage");
        toolCalls = toolCalls == null ? java.util.List.of() : java.util.List.copyOf(toolCalls);
        if (!usageReported && !usage.equals(Usage.ZERO)) {
            throw new IllegalArgumentException("unreported usage must be Usage.ZERO, was " + usage);
        }
    }

    /** A response without tool calls, with or without an ignored cost figure. */
    public ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd, String finishReason,
                         String responseModel, boolean usageReported, boolean reportedCostIgnored) {
        this(text, usage, reportedCostUsd, finishReason, responseModel, usageReported, reportedCostIgnored,
                java.util.List.of());
    }

    /** A response with these tool calls and no ignored cost figure. */
    public ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd, String finishReason,
                         String responseModel, boolean usageReported, java.util.List<ToolCall> toolCalls) {
        this(text, usage, reportedCostUsd, finishReason, responseModel, usageReported, false, toolCalls);
    }

    /** A response without tool calls nor an ignored cost figure (the form before either existed). */
    public ModelResponse(String text, Usage usage, BigDecimal reportedCostUsd, String finishReason,
                         String responseModel, boolean usageReported) {
        this(text, usage, reportedCostUsd, finishReason, responseModel, usageReported, false, java.util.List.of());
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

    /** Whether the model asked for tools. */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** This response with these tool calls (the rest unchanged). */
    public ModelResponse withToolCalls(java.util.List<ToolCall> calls) {
        return new ModelResponse(text, usage, reportedCostUsd, finishReason, responseModel, usageReported,
                reportedCostIgnored, calls);
    }

    @Override
    public String toString() {
        return "ModelResponse[" + text.length() + " chars, " + usage + ", reportedCostUsd=" + reportedCostUsd
                + ", finishReason=" + finishReason + ", responseModel=" + responseModel
                + (usageReported ? "" : ", usage unknown") + (reportedCostIgnored ? ", reported cost ignored" : "")
                + (toolCalls.isEmpty() ? "" : ", " + toolCalls.size() + " tool calls") + "]";
    }
}
