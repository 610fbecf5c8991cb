package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallStep;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ResponseFormat;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One judge call of a strategy, made through the judge chain ({@link StrategyContext#judge}): the current
 * judge, then the fallbacks in order (a judge that failed in an earlier step of this ask is not tried again).
 * Immutable.
 *
 * @param step           the call's purpose, recorded in its {@link CallRecord#step()}
 * @param system         the fixed system prompt
 * @param messages       the conversation sent (after the fixed system prompt)
 * @param order          member ids in the order the judge sees the answers
 * @param final_         whether this call writes the final answer (only then are deltas streamed)
 * @param onOk           receives the successful record (under the ask's lock)
 * @param onAllFailed    runs when every remaining judge failed (usually {@link Flow#degrade()})
 * @param responseFormat the reply's format (a JSON Schema), or null for free text
 * @param tools          the tools the judge may call (a tool step), empty otherwise
 */
record JudgeStep(CallStep step, String system, List<ChatMessage> messages, List<String> order, boolean final_,
                 Consumer<CallRecord> onOk, Runnable onAllFailed, ResponseFormat responseFormat,
                 List<dev.fusion.model.ToolSpec> tools) {

    JudgeStep {
        tools = tools == null ? List.of() : List.copyOf(tools);
    }

    /** A judge step without tools. */
    JudgeStep(CallStep step, String system, List<ChatMessage> messages, List<String> order, boolean final_,
              Consumer<CallRecord> onOk, Runnable onAllFailed, ResponseFormat responseFormat) {
        this(step, system, messages, order, final_, onOk, onAllFailed, responseFormat, List.of());
    }

    /** A judge step whose reply is free text. */
    JudgeStep(CallStep step, String system, List<ChatMessage> messages, List<String> order, boolean final_,
              Consumer<CallRecord> onOk, Runnable onAllFailed) {
        this(step, system, messages, order, final_, onOk, onAllFailed, null);
    }

    /** This step, its successful record handed to {@code onOk} together with the step itself. */
    JudgeStep withOnOk(BiConsumer<JudgeStep, CallRecord> onOk) {
        JudgeStep[] self = new JudgeStep[1];
        self[0] = new JudgeStep(step, system, messages, order, final_, r -> onOk.accept(self[0], r), onAllFailed,
                responseFormat, tools);
        return self[0];
    }
}
