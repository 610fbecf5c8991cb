package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatMessage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The {@code analyze} strategy: analysis (JSON, into {@code FusionResult.analysis()}) → at most one retry
 * with the parse error → the writing call; else plain synthesis. No options.
 */
final class AnalyzeFlow extends Flow {
    static final StrategyDefinition<Strategy.Analyze> DEFINITION =
            new StrategyDefinition<>(StrategyKind.ANALYZE, Strategy.Analyze.class) {
                @Override
                Flow flow(Strategy.Analyze strategy, StrategyContext ctx) {
                    return new AnalyzeFlow(ctx);
                }
            };

    /** The answers the judge works on, in panel order. */
    private List<CallRecord> candidates = List.of();
    private List<CallRecord> shown;
    private ChatMessage analysisRequest;

    AnalyzeFlow(StrategyContext ctx) {
        super(ctx);
    }

    @Override
    public int judgeCalls() {
        return 3;
    }

    @Override
    public BigDecimal judgeWorst() {
        int n = maxAnswers();
        BigDecimal write = ctx.judgeCallWorst(ref -> ctx.templateTokens(ref, JudgePrompt.write(), Map.of("analysis", ""))
                + ctx.answersAllowance(n) + ctx.judgeReplyAllowance());
        return structuredWithRetryWorst(JudgePrompt.analyze()).add(write.max(synthesisWorst()));
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        candidates = List.copyOf(ok);
        shown = ctx.shuffle(ok, 0);
        analysisRequest = ChatMessage.user(ctx.fenced(JudgePrompt.analyze()).render(ctx.questionForJudge(), texts(shown)));
        ctx.judge(new JudgeStep(dev.fusion.CallStep.ANALYZE, JudgePrompt.analyze().system(), List.of(analysisRequest),
                ids(shown), false, r -> onAnalysis(r, false), this::allFailed));
    }

    private void onAnalysis(CallRecord r, boolean retried) {
        Analysis analysis;
        String json;
        try {
            json = StructuredReplies.extractObject(r.text());
            analysis = StructuredReplies.analysis(r.text(), shown.size());
        } catch (StructuredReplies.InvalidReply e) {
            if (!retried) {
                ctx.note("the analysis from " + r.memberId() + " was unusable (" + e.getMessage()
                        + "); asked again with the error");
                List<ChatMessage> convo = List.of(analysisRequest, ChatMessage.assistant(r.text()),
                        ChatMessage.user(JudgePrompt.structuredRetry(e.getMessage())));
                ctx.judge(new JudgeStep(dev.fusion.CallStep.ANALYZE_RETRY, JudgePrompt.analyze().system(), convo, ids(shown),
                        false, r2 -> onAnalysis(r2, true), this::allFailed));
            } else {
                ctx.note("the retried analysis from " + r.memberId() + " was unusable too (" + e.getMessage()
                        + "); degraded to plain synthesis without an analysis");
                synthesize(candidates);
            }
            return;
        }
        FlowOutcome sofar = FlowOutcome.of(candidates).withAnalysis(analysis);
        ChatMessage write = ChatMessage.user(ctx.fenced(JudgePrompt.write()).render(ctx.questionForJudge(), texts(shown),
                Map.of("analysis", json)));
        ctx.judge(new JudgeStep(dev.fusion.CallStep.WRITE, JudgePrompt.write().system(), List.of(write), ids(shown), true,
                null, () -> degrade(sofar), ctx.responseFormat()).withOnOk((step, r2) -> completeFinal(step, r2, sofar)));
    }

    private void allFailed() {
        degrade(FlowOutcome.of(candidates));
    }
}
