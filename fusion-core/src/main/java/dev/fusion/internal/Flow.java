package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.CallRecord;
import dev.fusion.Member;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Ranking;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * What a strategy does between the first panel round and the result, plus what it needs from the
 * budget plan: the strategy stage of the ask's pipeline ({@link #answer}: round 1's answers in, a
 * {@link FlowOutcome} out). One instance per ask; every method runs under the ask's lock (the engine
 * calls them with it held, and asynchronous continuations take it), so a flow needs no synchronization
 * of its own. Flows never make calls directly: they use {@link AskRun#runRound} and {@link AskRun#judge},
 * which bring retries, timeouts, the deadline, fallback judges, reservations, events and listeners.
 * A flow ends with exactly one of {@link #complete} (its outcome), {@link #fail} (a typed failure) or
 * {@link #degrade} (every judge failed: the engine's {@code onJudgeFailure} policy decides).
 *
 * <p>Each strategy's flow is one file ({@code SynthesizeFlow}, {@code AnalyzeFlow},
 * {@code SelectBestFlow}, {@code LayeredFlow}, {@code CascadeFlow}, {@code VoteFlow}). A strategy is
 * registered by its {@link dev.fusion.judge.StrategyKind} constant (wire name and options); {@link #of}'s
 * exhaustive switch over that enum links the constant to its flow, so a kind without a flow does not compile.
 */
abstract class Flow {

    final AskRun run;
    /** The answers the judge works on, in panel order: what {@code best-answer} picks from. */
    List<CallRecord> candidates = List.of();
    /** What the strategy adds to the result (each null unless its strategy sets it). */
    Analysis analysis;
    Ranking ranking;
    CascadeOutcome cascade;
    /** The structured answer the flow settled ({@code vote}), or null. */
    JsonNode answerJson;
    /** The vote's agreement per JSON Pointer (empty unless {@code vote}). */
    Map<String, Double> agreement = Map.of();
    /** The ask's budget plan: each member's reservation per round, the flagships'; set when the flow starts. */
    BudgetPlan plan;
    /** Where the outcome goes: the pipeline's strategy stage. */
    private MonoSink<FlowOutcome> out;

    Flow(AskRun run) {
        this.run = run;
    }

    /**
     * The behaviour of {@code strategy}: an exhaustive switch over its kind, so a strategy kind without
     * a flow does not compile (self-moa is synthesize over samples expanded when Fusion is built).
     */
    static Flow of(Strategy strategy, AskRun run) {
        return switch (strategy.kind()) {
            case SYNTHESIZE, SELF_MOA -> new SynthesizeFlow(run);
            case ANALYZE -> new AnalyzeFlow(run);
            case SELECT_BEST -> new SelectBestFlow(run, ((Strategy.SelectBest) strategy).twoRounds());
            case LAYERED -> new LayeredFlow(run, ((Strategy.Layered) strategy).rounds());
            case CASCADE -> new CascadeFlow(run, (Strategy.Cascade) strategy);
            case VOTE -> new VoteFlow(run);
        };
    }

    /**
     * The panel {@code strategy} runs from the configured members (worked out once, when Fusion is
     * built): the members themselves, except for self-moa, which samples its one member
     * ({@link Strategy.SelfMoa#expand}, keeping the member's own settings on every sample).
     */
    static List<Member> panel(Strategy strategy, List<Member> configured) {
        if (strategy instanceof Strategy.SelfMoa moa) {
            if (configured.size() != 1) {
                throw new dev.fusion.InvalidConfigurationException("the self-moa strategy samples one model, but the"
                        + " panel has " + configured.size() + " members; keep one, or use selfMoa(model, samples)");
            }
            return moa.expand(configured.get(0));
        }
        return configured;
    }

    /** Panel rounds each panel member may run (its reservation covers all of them). */
    int panelRounds() {
        return 1;
    }

    /** Members called only in a later round (the cascade's flagships). */
    List<Member> flagships() {
        return List.of();
    }

    /** Most judge calls one ask may make (fallbacks aside), for messages. */
    int judgeCalls() {
        return 1;
    }

    /** Upper bound on a member's prompt tokens in a round (1-based). */
    long memberInputTokens(Member m, int round) {
        return run.requestTokens(m.model().ref());
    }

    /** Most answers a judge call may see. */
    int maxAnswers() {
        return run.s.panel().size() + flagships().size();
    }

    /** Worst-case USD of every judge call this strategy may make in one ask. */
    BigDecimal judgeWorst() {
        return synthesisWorst();
    }

    /**
     * With a schema, the worst case of the one repair of the judge's final answer ({@code structured-retry}):
     * the final step's prompt (answers, and an earlier judge reply for two-step strategies), the invalid
     * reply and the repair prompt. Zero without a schema.
     */
    BigDecimal structuredRepairWorst() {
        if (run.req.responseFormat() == null || run.req.responseFormat().schema() == null) {
            return BigDecimal.ZERO;
        }
        int n = maxAnswers();
        return run.judgeCallWorst(ref -> run.templateTokens(ref, run.s.judgePrompt(), Map.of()) + run.answersAllowance(n)
                + 2L * run.judgeReplyAllowance() + REPAIR_PROMPT_ALLOWANCE + dev.fusion.structured.RepairPrompt.MAX_ANSWER_ECHO);
    }

    /** Tokens of a repair prompt's fixed text and error lines, counted as one per character (an upper bound). */
    static final long REPAIR_PROMPT_ALLOWANCE = (long) dev.fusion.structured.RepairPrompt.MAX_ERRORS
            * (dev.fusion.structured.RepairPrompt.MAX_ERROR_CHARS + 4) + 400;

    /**
     * The strategy stage: from round 1's successful answers (panel order, quorum met) to the outcome,
     * within the reservations of {@code plan}. Errors with a typed {@code FusionException}, or with
     * {@link JudgesExhausted} when every judge failed.
     */
    final Mono<FlowOutcome> answer(BudgetPlan plan, List<CallRecord> ok) {
        return Mono.create(sink -> run.locked(() -> {
            this.plan = plan;
            out = sink;
            if (!run.isDone()) {
                onPanelAnswers(ok);
            }
        }));
    }

    /** Round 1 met the quorum; {@code ok} are its successful answers in panel order. */
    abstract void onPanelAnswers(List<CallRecord> ok);

    /** The flow's final answer: its outcome goes on to the result assembly. */
    final void complete(String answer, boolean judged) {
        out.success(outcome(answer, judged));
    }

    /** The ask fails with {@code e}. */
    final void fail(dev.fusion.FusionException e) {
        out.error(e);
    }

    /** Every judge failed: the engine's {@code onJudgeFailure} policy decides over {@link #candidates}. */
    final void degrade() {
        out.error(new JudgesExhausted(outcome(null, false)));
    }

    private FlowOutcome outcome(String answer, boolean judged) {
        return new FlowOutcome(answer, judged, candidates, analysis, ranking, cascade, answerJson, agreement);
    }

    /**
     * The default judge step: the configured judge prompt over {@code answers} (panel order; they are
     * shuffled), streamed, its reply the final answer.
     */
    final void synthesize(List<CallRecord> answers) {
        candidates = List.copyOf(answers);
        List<CallRecord> shuffled = run.shuffle(answers, 0);
        run.judge(new AskRun.JudgeStep(dev.fusion.CallStep.SYNTHESIZE, run.s.judgePrompt().system(),
                List.of(ChatMessage.user(run.s.judgePrompt().render(run.questionForJudge(), texts(shuffled)))),
                ids(shuffled), true, null, this::degrade, run.req.responseFormat()).withOnOk(this::completeFinal));
    }

    /**
     * The judge's final answer of {@code step}. Without a schema it is the answer as it is; with one it
     * must be a schema-valid JSON value: an invalid reply is recorded as failed ({@code invalid_output},
     * billed) and the same judge is asked once more with the errors ({@code structured-retry}); a second
     * invalid reply ends in {@link #degrade()}.
     */
    final void completeFinal(AskRun.JudgeStep step, CallRecord r) {
        if (run.req.responseFormat() == null || run.req.responseFormat().schema() == null) {
            complete(r.text(), true);
            return;
        }
        dev.fusion.structured.StructuredSchema schema = dev.fusion.structured.StructuredSchema.of(run.req.responseFormat().schema());
        try {
            answerJson = schema.readAnswer(r.text());
        } catch (dev.fusion.structured.InvalidAnswerException e) {
            run.replaceJudgeRecord(r, AskRun.invalidOutput(r, e));
            run.discardJudgeText(r.memberId());
            if (step.step() == dev.fusion.CallStep.STRUCTURED_RETRY) {
                run.note("the judge's repaired answer still does not match the schema (" + e.getMessage() + ")");
                degrade();
                return;
            }
            run.note("the judge's answer did not match the schema; asking " + r.memberId() + " once more with the errors");
            List<ChatMessage> turns = new ArrayList<>(step.messages());
            turns.add(ChatMessage.assistant(r.text() == null ? "" : r.text()));
            turns.add(ChatMessage.user(dev.fusion.structured.RepairPrompt.of(r.text(), e)));
            run.judge(new AskRun.JudgeStep(dev.fusion.CallStep.STRUCTURED_RETRY, step.system(), turns, step.order(),
                    step.final_(), null, this::degrade, step.responseFormat()).withOnOk(this::completeFinal));
            return;
        }
        complete(r.text(), true);
    }

    /**
     * The signal of a flow whose judges all failed, carrying its outcome so far (candidates and
     * additions, no answer); the pipeline's judge-failure stage turns it into the degraded answer or a
     * {@code JudgeFailedException}. Never reaches a caller.
     */
    static final class JudgesExhausted extends RuntimeException {
        private final transient FlowOutcome partial;

        JudgesExhausted(FlowOutcome partial) {
            super("every judge failed", null, false, false);
            this.partial = partial;
        }

        FlowOutcome partial() {
            return partial;
        }
    }

    final BigDecimal synthesisWorst() {
        int n = maxAnswers();
        return run.judgeCallWorst(ref -> run.templateTokens(ref, run.s.judgePrompt(), Map.of()) + run.answersAllowance(n));
    }

    /** Worst case of a structured call plus its one retry (the bad reply and the error sent back). */
    final BigDecimal structuredWithRetryWorst(JudgePrompt prompt) {
        int n = maxAnswers();
        ToLongFunction<ModelRef> first = ref -> run.templateTokens(ref, prompt, Map.of()) + run.answersAllowance(n);
        ToLongFunction<ModelRef> retry = ref -> first.applyAsLong(ref) + run.judgeReplyAllowance()
                + run.s.estimator().estimate(ref, JudgePrompt.structuredRetry(""))
                + (long) Math.ceil(StructuredReplies.MAX_ERROR_CHARS * AskRun.CROSS_TOKENIZER_FACTOR);
        return run.judgeCallWorst(first).add(run.judgeCallWorst(retry));
    }

    static List<String> texts(List<CallRecord> records) {
        return records.stream().map(CallRecord::text).toList();
    }

    static List<String> ids(List<CallRecord> records) {
        return records.stream().map(CallRecord::memberId).toList();
    }
}
