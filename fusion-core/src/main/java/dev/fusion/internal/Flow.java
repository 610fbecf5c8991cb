package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.CallRecord;
import dev.fusion.Member;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * What a strategy does between the first panel round and the result, plus what it needs from the
 * budget plan: the strategy stage of the ask's pipeline ({@link #start}: round 1's answers in, a
 * {@link FlowOutcome} out). One instance per ask, made by its strategy's {@link StrategyDefinition}.
 * A flow talks to the engine only through the {@link StrategyContext} it is given ({@link #ctx}): it
 * never sees the ask, its lock or its fields. Every method runs under the ask's lock (the engine calls
 * them with it held, and asynchronous continuations take it), so a flow needs no synchronization of its
 * own, and keeps its own state (its candidates and what it adds to the result) in its own fields.
 * Flows never make calls: each of their methods chooses the next {@link FlowStep} through
 * {@link StrategyContext#runRound}, {@link StrategyContext#judge} or {@link StrategyContext#await}, and the
 * engine's pipeline runs it (retries, timeouts, the deadline, fallback judges, reservations, events and
 * listeners) and hands the result to the step's continuation. A flow ends with exactly one of
 * {@link #complete} (its outcome), {@link #fail} (a typed failure) or {@link #degrade} (every judge failed:
 * the engine's {@code onJudgeFailure} policy decides).
 *
 * <p>Each strategy is one file ({@code SynthesizeFlow}, {@code AnalyzeFlow}, {@code SelectBestFlow},
 * {@code SelfMoaFlow}, {@code LayeredFlow}, {@code CascadeFlow}, {@code VoteFlow}) holding its flow and its
 * {@link StrategyDefinition} (options, panel, flow factory); {@link StrategyRegistry} registers each with
 * one line of an exhaustive switch over {@link dev.fusion.judge.StrategyKind}.
 */
abstract class Flow implements BudgetPlan.Demand {

    /** The engine, as far as a strategy may see it. */
    final StrategyContext ctx;

    Flow(StrategyContext ctx) {
        this.ctx = ctx;
    }

    /**
     * The request checked against what this strategy needs, before any call (the vote's schema): a typed
     * error naming what is missing and how to add it, or null.
     */
    dev.fusion.FusionException checkRequest() {
        return null;
    }

    /** Panel rounds each panel member may run (its reservation covers all of them). */
    @Override
    public int panelRounds() {
        return 1;
    }

    /** Members called only in a later round (the cascade's flagships). */
    @Override
    public List<Member> flagships() {
        return List.of();
    }

    /** Most judge calls one ask may make (fallbacks aside), for messages. */
    @Override
    public int judgeCalls() {
        return 1;
    }

    /** Upper bound on a member's prompt tokens in a round (1-based). */
    @Override
    public long memberInputTokens(Member m, int round) {
        return ctx.requestTokens(m.model().ref());
    }

    /** Most answers a judge call may see. */
    int maxAnswers() {
        return ctx.panel().size() + flagships().size();
    }

    /** Worst-case USD of every judge call this strategy may make in one ask. */
    @Override
    public BigDecimal judgeWorst() {
        return synthesisWorst();
    }

    /**
     * With a schema, the worst case of the one repair of the judge's final answer ({@code structured-retry}):
     * the final step's prompt (answers, and an earlier judge reply for two-step strategies), the invalid
     * reply and the repair prompt. Zero without a schema.
     */
    @Override
    public BigDecimal structuredRepairWorst() {
        if (!ctx.hasSchema()) {
            return BigDecimal.ZERO;
        }
        int n = maxAnswers();
        return ctx.judgeCallWorst(ref -> ctx.templateTokens(ref, ctx.judgePrompt(), Map.of()) + ctx.answersAllowance(n)
                + 2L * ctx.judgeReplyAllowance() + REPAIR_PROMPT_ALLOWANCE + dev.fusion.structured.RepairPrompt.MAX_ANSWER_ECHO);
    }

    /** Tokens of a repair prompt's fixed text and error lines, counted as one per character (an upper bound). */
    static final long REPAIR_PROMPT_ALLOWANCE = (long) dev.fusion.structured.RepairPrompt.MAX_ERRORS
            * (dev.fusion.structured.RepairPrompt.MAX_ERROR_CHARS + 4) + 400;

    /**
     * The strategy stage, started by the engine under the ask's lock: from round 1's successful answers
     * (panel order, quorum met), within the reservations of {@code plan}, the flow chooses its first
     * {@link FlowStep} through {@link #ctx}; each step's continuation chooses the next, until
     * {@link #complete}, {@link #fail} or {@link #degrade}.
     */
    final void start(BudgetPlan plan, List<CallRecord> ok) {
        onPanelAnswers(plan, ok);
    }

    /**
     * The schema this flow reads members' answers against, or null when it does not read them: the
     * engine then reads each panel round's answers on {@link AnswerChecks}' threads, bounded by the ask's
     * deadline, and hands the results to {@link #answersRead} before the flow's next call.
     */
    dev.fusion.structured.StructuredSchema memberAnswerSchema() {
        return null;
    }

    /** The answers of the round that just ended, read against {@link #memberAnswerSchema()}. Under the lock. */
    void answersRead(java.util.Map<CallRecord, AnswerChecks.Result> read) {
    }

    /**
     * Round 1 met the quorum; {@code ok} are its successful answers in panel order, {@code plan} the ask's
     * budget plan (each member's reservation per round, the flagships').
     */
    abstract void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok);

    /** The flow's final answer {@code answer} over what it has so far ({@code sofar}: candidates and additions). */
    final void complete(FlowOutcome sofar, String answer, boolean judged) {
        ctx.finish(sofar.withAnswer(answer, judged));
    }

    /** The ask fails with {@code e}. */
    final void fail(dev.fusion.FusionException e) {
        ctx.fail(e);
    }

    /**
     * Every judge failed: the engine's {@code onJudgeFailure} policy decides over the candidates of
     * {@code sofar} (the flow's outcome so far, without an answer).
     */
    final void degrade(FlowOutcome sofar) {
        ctx.fail(new JudgesExhausted(sofar));
    }

    /**
     * The default judge step: the configured judge prompt over {@code answers} (panel order; they are
     * shuffled), streamed, its reply the final answer; the answers are the candidates.
     */
    final void synthesize(List<CallRecord> answers) {
        synthesize(answers, FlowOutcome.of(answers));
    }

    /** As {@link #synthesize(List)}, with the flow's outcome so far ({@code sofar}: its candidates and additions). */
    final void synthesize(List<CallRecord> answers, FlowOutcome sofar) {
        List<CallRecord> shuffled = ctx.shuffle(answers, 0);
        ctx.judge(new JudgeStep(dev.fusion.CallStep.SYNTHESIZE, ctx.judgePrompt().system(),
                List.of(ChatMessage.user(ctx.judgePrompt().render(ctx.questionForJudge(), texts(shuffled)))),
                ids(shuffled), true, null, () -> degrade(sofar), ctx.responseFormat())
                .withOnOk((step, r) -> completeFinal(step, r, sofar)));
    }

    /**
     * The judge's final answer of {@code step}. Without a schema it is the answer as it is; with one it
     * must be a schema-valid JSON value: an invalid reply is recorded as failed ({@code invalid_output},
     * billed) and the same judge is asked once more with the errors ({@code structured-retry}); a second
     * invalid reply ends in {@link #degrade}. The reply is read on {@link AnswerChecks}' threads, bounded
     * by the ask's deadline (see {@link #checkOffLock}).
     */
    final void completeFinal(JudgeStep step, CallRecord r, FlowOutcome sofar) {
        dev.fusion.structured.StructuredSchema schema = ctx.answerSchema();
        if (schema == null) {
            complete(sofar, r.text(), true);
            return;
        }
        checkOffLock("the judge's answer", () -> AnswerChecks.readOne(schema, r.text()),
                read -> finalAnswerRead(step, r, sofar, read));
    }

    private void finalAnswerRead(JudgeStep step, CallRecord r, FlowOutcome sofar, AnswerChecks.Result read) {
        dev.fusion.structured.InvalidAnswerException e = read.invalid();
        if (e != null) {
            ctx.invalidateJudgeAnswer(r, e);
            ctx.discardJudgeText(r.memberId());
            if (step.step() == dev.fusion.CallStep.STRUCTURED_RETRY) {
                ctx.note("the judge's repaired answer still does not match the schema (" + e.getMessage() + ")");
                degrade(sofar);
                return;
            }
            ctx.note("the judge's answer did not match the schema; asking " + r.memberId() + " once more with the errors");
            List<ChatMessage> turns = new ArrayList<>(step.messages());
            turns.add(ChatMessage.assistant(r.text() == null ? "" : r.text()));
            turns.add(ChatMessage.user(dev.fusion.structured.RepairPrompt.of(r.text(), e)));
            ctx.judge(new JudgeStep(dev.fusion.CallStep.STRUCTURED_RETRY, step.system(), turns, step.order(),
                    step.final_(), null, () -> degrade(sofar), step.responseFormat())
                    .withOnOk((retry, r2) -> completeFinal(retry, r2, sofar)));
            return;
        }
        complete(sofar.withJson(read.json(), sofar.agreement()), r.text(), true);
    }

    /**
     * A check of a model's output against a user's schema ({@code check}, from {@link AnswerChecks}: on its
     * threads, never on an HTTP thread, the caller's or under the ask's lock), bounded by what is left of the
     * ask's deadline; {@code then} receives its value under the lock. Past the deadline the checking thread
     * is interrupted (a {@code pattern} that backtracks for minutes stops) and the ask fails with
     * {@code AskFailedException} carrying every record; a cancel of the ask stops the check too.
     *
     * @param what what is checked, for the failure's message ("the judge's answer")
     */
    final <T> void checkOffLock(String what, java.util.function.Supplier<reactor.core.publisher.Mono<T>> check,
                                java.util.function.Consumer<T> then) {
        ctx.await(check, (value, error) -> {
            if (error == null) {
                then.accept(value);
            } else if (error instanceof java.util.concurrent.TimeoutException) {
                ctx.fail(new dev.fusion.AskFailedException("the ask deadline was reached while " + what
                        + " was read against the schema", ctx.allRecords()));
            } else {
                ctx.fail(error);
            }
        });
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
        return ctx.judgeCallWorst(ref -> ctx.templateTokens(ref, ctx.judgePrompt(), Map.of()) + ctx.answersAllowance(n));
    }

    /** Worst case of a structured call plus its one retry (the bad reply and the error sent back). */
    final BigDecimal structuredWithRetryWorst(JudgePrompt prompt) {
        int n = maxAnswers();
        ToLongFunction<ModelRef> first = ref -> ctx.templateTokens(ref, prompt, Map.of()) + ctx.answersAllowance(n);
        ToLongFunction<ModelRef> retry = ref -> first.applyAsLong(ref) + ctx.judgeReplyAllowance()
                + ctx.tokens(ref, JudgePrompt.structuredRetry(""))
                + ctx.crossTokenizerAllowance(StructuredReplies.MAX_ERROR_CHARS);
        return ctx.judgeCallWorst(first).add(ctx.judgeCallWorst(retry));
    }

    static List<String> texts(List<CallRecord> records) {
        return records.stream().map(CallRecord::text).toList();
    }

    static List<String> ids(List<CallRecord> records) {
        return records.stream().map(CallRecord::memberId).toList();
    }
}
