package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatMessage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** The {@code analyze} strategy's flow: what it asks of the panel and the judge, and what it adds to the result. */
/** Analysis (JSON) → at most one retry with the parse error → writer; else plain synthesis. */
final class AnalyzeFlow extends Flow {
    private List<CallRecord> shown;
    private ChatMessage analysisRequest;

    AnalyzeFlow(AskRun run) {
        super(run);
    }

    @Override
    int judgeCalls() {
        return 3;
    }

    @Override
    BigDecimal judgeWorst() {
        int n = maxAnswers();
        BigDecimal write = run.judgeCallWorst(ref -> run.templateTokens(ref, JudgePrompt.write(), Map.of("analysis", ""))
                + run.answersAllowance(n) + run.judgeReplyAllowance());
        return structuredWithRetryWorst(JudgePrompt.analyze()).add(write.max(synthesisWorst()));
    }

    @Override
    void onPanelAnswers(List<CallRecord> ok) {
        candidates = List.copyOf(ok);
        shown = run.shuffle(ok, 0);
        analysisRequest = ChatMessage.user(JudgePrompt.analyze().render(run.questionForJudge(), texts(shown)));
        run.judge(new AskRun.JudgeStep(dev.fusion.CallStep.ANALYZE, JudgePrompt.analyze().system(), List.of(analysisRequest),
                ids(shown), false, r -> onAnalysis(r, false), this::degrade));
    }

    private void onAnalysis(CallRecord r, boolean retried) {
        Analysis analysis;
        String json;
        try {
            json = StructuredReplies.extractObject(r.text());
            analysis = StructuredReplies.analysis(r.text(), shown.size());
        } catch (StructuredReplies.InvalidReply e) {
            if (!retried) {
                run.note("the analysis from " + r.memberId() + " was unusable (" + e.getMessage()
                        + "); asked again with the error");
                List<ChatMessage> convo = List.of(analysisRequest, ChatMessage.assistant(r.text()),
                        ChatMessage.user(JudgePrompt.structuredRetry(e.getMessage())));
                run.judge(new AskRun.JudgeStep(dev.fusion.CallStep.ANALYZE_RETRY, JudgePrompt.analyze().system(), convo, ids(shown),
                        false, r2 -> onAnalysis(r2, true), this::degrade));
            } else {
                run.note("the retried analysis from " + r.memberId() + " was unusable too (" + e.getMessage()
                        + "); degraded to plain synthesis without an analysis");
                synthesize(candidates);
            }
            return;
        }
        this.analysis = analysis;
        ChatMessage write = ChatMessage.user(JudgePrompt.write().render(run.questionForJudge(), texts(shown),
                Map.of("analysis", json)));
        run.judge(new AskRun.JudgeStep(dev.fusion.CallStep.WRITE, JudgePrompt.write().system(), List.of(write), ids(shown), true,
                null, this::degrade, run.req.responseFormat()).withOnOk(this::completeFinal));
    }
}
