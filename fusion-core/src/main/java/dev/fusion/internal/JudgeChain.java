package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;
import dev.fusion.Member;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The judge chain of one ask: every judge call of every strategy goes through it. A step runs on the
 * current judge; when that judge fails (or the budget leaves it no room) the next judge of the chain
 * runs the same step, and a judge that failed is not tried again in a later step of this ask.
 * {@link #run} is the pipeline's judge stage: a {@code Mono} of the successful record, or of nothing when
 * no judge is left; one call is a {@code Mono} of its record ({@link #attempt}), and a fallback is the
 * next link of that Mono, never a callback from the call back into the chain. It also owns what the
 * judges cost against the judge reservation, the judges' records, the judge-side stream (deltas, and
 * {@code JudgeTextDiscarded} when streamed text turns out not to be the answer) and the order the judge
 * saw the answers in. It reaches its ask only through an {@link AskPort}.
 *
 * <p>Guarded by the ask's lock: every method is called with it held (completions take it through the port).
 */
final class JudgeChain {

    /** The error message of a judge the deadline left no time to start. */
    static final String JUDGE_NOT_STARTED = "deadline reached before the judge started; raise --timeout / deadlineMs";

    private final AskPort run;
    private final List<CallRecord> records = new ArrayList<>();
    /** Member ids in the order the first judge step saw the answers. */
    private List<String> answerOrder = List.of();
    private CallRunner current;
    private int index;
    /** Characters the running judge streamed as deltas; discarded (with an event) if it fails. */
    private int streamedChars;
    /** What all judge calls together may cost (the judge reservation), or null when the ask is unbounded. */
    private BigDecimal reserved;
    /** What the judge calls of this ask were charged so far (see {@link CallRunner#charged()}). */
    private BigDecimal charged = BigDecimal.ZERO;

    JudgeChain(AskPort run) {
        this.run = run;
    }

    /** Bounds every judge call of the ask by the judge reservation {@code reserved}. */
    void bound(BigDecimal reserved) {
        this.reserved = reserved;
    }

    /** The judges' records so far, in call order. */
    List<CallRecord> records() {
        return records;
    }

    /** Member ids in the order the judge saw the answers (empty when no judge step ran). */
    List<String> answerOrder() {
        return answerOrder;
    }

    /** Whether a judge call is running. */
    boolean running() {
        return current != null;
    }

    /** Ends the running judge call, if any, with {@code status}. */
    void cancel(CallStatus status, String type, String message) {
        if (current != null) {
            current.cancel(status, type, message);
        }
    }

    /** Puts {@code replacement} where {@code old} (the same instance) stands. */
    void replace(CallRecord old, CallRecord replacement) {
        int i = records.indexOf(old);
        if (i < 0) {
            throw new IllegalStateException("no such judge record: " + old);
        }
        records.set(i, replacement);
    }

    /**
     * The judge stage: {@code step} on the current judge, then on each fallback while they fail. Emits the
     * successful record, or an empty {@code Optional} when every remaining judge failed; nothing when the
     * ask ended meanwhile. Subscribed under the ask's lock.
     */
    Mono<Optional<CallRecord>> run(JudgeStep step) {
        if (run.isDone()) {
            return Mono.empty();
        }
        if (answerOrder.isEmpty()) {
            answerOrder = List.copyOf(step.order());
        }
        Settings s = run.settings();
        if (index >= s.judges().size()) {
            return Mono.just(Optional.empty());
        }
        Duration left = run.timeLeft();
        if (left.isNegative() || left.isZero()) {
            // Recorded, so the failure names the judge and the cause instead of an empty judge list.
            Member late = s.judges().get(index);
            CallRecord r = CallRunner.notStarted(late.id(), late.model().ref(), CallRole.JUDGE, s.priceBook(),
                    JUDGE_NOT_STARTED, 0, step.step().wireName());
            records.add(r);
            run.note("the ask deadline of " + run.deadlineMillis() + " ms was reached before judge "
                    + late.id() + " could run (" + step.step().wireName() + ")");
            run.notifyFinished(r);
            run.emit(new FusionEvent.JudgeFailed(r));
            index = s.judges().size();
            return Mono.just(Optional.empty());
        }
        Member j = s.judges().get(index);
        // All judge calls share one reservation. What earlier judge calls were billed is gone from it;
        // once anything was billed, a judge whose worst case no longer fits the rest is not run.
        BigDecimal judgeLeft = null;
        BigDecimal attemptWorst = null;
        java.util.function.Supplier<BigDecimal> lazyWorst = null;
        if (reserved != null) {
            // What earlier judge calls were charged: a call with unknown or estimated usage counts at its worst case.
            judgeLeft = reserved.subtract(charged);
            StringBuilder sent = new StringBuilder(step.system()).append('\n');
            step.messages().forEach(m -> sent.append(m.content()).append('\n'));
            String prompt = sent.toString();
            ModelRef ref = j.model().ref();
            BigDecimal atMost = BudgetPlan.worstCaseAtMost(s.priceBook(), s.estimator(), ref, prompt,
                    s.judgeMaxOutputTokens());
            if (atMost != null && atMost.compareTo(judgeLeft) <= 0) {
                // Fits whatever the exact count is: the count (a tokenizer pass over every answer) is taken
                // only if the call needs its worst case (a retry, or usage the provider did not report).
                lazyWorst = () -> BudgetPlan.worstCase(s.priceBook(), ref, s.estimator().estimate(ref, prompt),
                        s.judgeMaxOutputTokens());
            } else {
                attemptWorst = BudgetPlan.worstCase(s.priceBook(), ref, s.estimator().estimate(ref, prompt),
                        s.judgeMaxOutputTokens());
            }
            if (attemptWorst != null && attemptWorst.compareTo(judgeLeft) > 0) {
                String reason = "skipped by the budget: worst case $" + attemptWorst.toPlainString() + " but only $"
                        + judgeLeft.max(BigDecimal.ZERO).toPlainString() + " left of the judges' reservation";
                CallRecord skipped = CallRunner.skipped(j.id(), j.model().ref(), CallRole.JUDGE, s.priceBook(), reason);
                records.add(skipped);
                run.note("judge " + j.id() + " " + reason + " (" + step.step().wireName() + ")");
                run.notifyFinished(skipped);
                run.emit(new FusionEvent.JudgeFailed(skipped));
                index++;
                return run(step);
            }
        }
        return attempt(step, j, judgeLeft, attemptWorst, lazyWorst)
                .flatMap(done -> run.stage(() -> settle(step, done)));
    }

    /** One judge call of {@code step} on judge {@code j}, started now (under the lock): a {@code Mono} of its record. */
    private Mono<CallRunner> attempt(JudgeStep step, Member j, BigDecimal judgeLeft, BigDecimal attemptWorst,
                                     java.util.function.Supplier<BigDecimal> lazyWorst) {
        Settings s = run.settings();
        ModelRequest jr = ModelRequest.builder().system(step.system()).messages(step.messages())
                .maxOutputTokens(s.judgeMaxOutputTokens()).temperature(j.temperature()).seed(j.seed())
                .cacheSystemPrompt(s.cacheJudgePrompt()).responseFormat(step.responseFormat())
                .tools(step.tools()).build();
        // Not clipped to the time left: the deadline timer ends a running judge and records why
        // (two timers firing at the same instant would make the recorded cause a coin toss).
        Duration timeout = j.timeout() != null ? j.timeout() : s.judgeTimeout();
        boolean stream = run.streamJudge() && step.final_();
        return Mono.create(out -> {
            streamedChars = 0;
            run.emit(new FusionEvent.JudgeStarted(j.id(), j.model().ref(), step.order(), step.step().wireName()));
            CallRunner[] self = new CallRunner[1];
            current = self[0] = new CallRunner(new CallRunner.Spec(j.id(), j.model(), CallRole.JUDGE, jr,
                    j.retry() != null ? j.retry() : s.judgeRetry(), timeout, stream, BigDecimal.ZERO, 0,
                    step.step().wireName(), judgeLeft, attemptWorst, run.deadlineNanos()),
                    s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(),
                    stream ? text -> run.locked(() -> {
                        // Only for the judge still running: a delta racing a timeout must not land after
                        // JudgeFailed or in the fallback judge's text.
                        if (!run.isDone() && current == self[0]) {
                            streamedChars += text.length();
                            run.emit(new FusionEvent.JudgeDelta(text));
                        }
                    }) : null, r -> out.success(self[0]), run.notifier());
            if (lazyWorst != null) {
                current.attemptWorst(lazyWorst);
            }
            if (stream && !step.tools().isEmpty()) {
                // A tool step's judge: the arguments it streams reach the subscriber as they come.
                current.onToolCallDelta(d -> run.locked(() -> {
                    if (!run.isDone() && current == self[0]) {
                        run.emit(new FusionEvent.JudgeToolCallDelta(d.index(), d.id(), d.name(), d.argumentsDelta()));
                    }
                }));
            }
            if (run.callerRuns() != null) {
                current.runOn(run.callerRuns());
            }
            current.start();
        });
    }

    /** A judge call ended (under the lock): its record and charge kept; a success ends the step, a failure falls back. */
    private Mono<Optional<CallRecord>> settle(JudgeStep step, CallRunner runner) {
        CallRecord r = runner.record();
        records.add(r);
        charged = charged.add(runner.charged() != null ? runner.charged() : BudgetPlan.charged(r));
        if (run.isDone()) {
            return Mono.empty();
        }
        current = null;
        if (r.isOk()) {
            return Mono.just(Optional.of(r));
        }
        run.emit(new FusionEvent.JudgeFailed(r));
        if (streamedChars > 0) {
            // Its text reached the subscriber but is not the answer: say so before a replacement streams.
            run.emit(new FusionEvent.JudgeTextDiscarded(r.memberId(), streamedChars));
            streamedChars = 0;
        }
        index++;
        List<Member> judges = run.settings().judges();
        if (index < judges.size()) {
            run.note("judge " + r.memberId() + " " + r.status().wireName() + " (" + r.error()
                    + ") in step " + step.step().wireName() + "; falling back to " + judges.get(index).id());
        }
        return run(step);
    }

    /** The running judge's streamed text is not the answer: tells stream consumers to discard it (if any was streamed). */
    void discardText(String memberId) {
        if (streamedChars > 0) {
            run.emit(new FusionEvent.JudgeTextDiscarded(memberId, streamedChars));
            streamedChars = 0;
        }
    }
}
