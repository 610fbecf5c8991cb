package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.Member;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRef;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * What a strategy does between the first panel round and the result, plus what it needs from the
 * budget plan. One instance per ask; every method runs under the ask's lock (the engine calls them
 * with it held, and asynchronous continuations take it), so a flow needs no synchronization of its
 * own. Flows never make calls directly: they use {@link AskRun#runRound} and {@link AskRun#judge},
 * which bring retries, timeouts, the deadline, fallback judges, reservations, events and listeners.
 *
 * <p>Each strategy's flow is one file ({@code SynthesizeFlow}, {@code AnalyzeFlow},
 * {@code SelectBestFlow}, {@code LayeredFlow}, {@code CascadeFlow}, {@code VoteFlow}) registered once, in {@link #of}'s
 * exhaustive switch over {@link dev.fusion.judge.StrategyKind}.
 */
abstract class Flow {

    final AskRun run;

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

    /** Round 1 met the quorum; {@code ok} are its successful answers in panel order. */
    abstract void onPanelAnswers(List<CallRecord> ok);

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
