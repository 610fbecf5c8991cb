package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;
import dev.fusion.Member;
import dev.fusion.model.ModelRequest;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The judge chain of one ask: every judge call of every strategy goes through it. A step runs on the
 * current judge; when that judge fails (or the budget leaves it no room) the next judge of the chain
 * runs the same step, and a judge that failed is not tried again in a later step of this ask. When no
 * judge is left the step's {@code onAllFailed} runs (usually {@link Flow#degrade()}: the pipeline's
 * judge-failure policy). It also owns what the judges cost against the judge reservation, the
 * judges' records, the judge-side stream (deltas, and {@code JudgeTextDiscarded} when streamed text
 * turns out not to be the answer) and the order the judge saw the answers in.
 *
 * <p>Guarded by the ask's lock: every method is called with it held (asynchronous completions take it).
 */
final class JudgeChain {

    private final AskRun run;
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

    JudgeChain(AskRun run) {
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

    /** Starts {@code step} on the current judge (or the next one that can run). Under the ask's lock. */
    void call(JudgeStep step) {
        if (run.isDone()) {
            return;
        }
        if (answerOrder.isEmpty()) {
            answerOrder = List.copyOf(step.order());
        }
        if (index >= run.s.judges().size()) {
            step.onAllFailed().run();
            return;
        }
        Duration left = run.timeLeft();
        if (left.isNegative() || left.isZero()) {
            // Recorded, so the failure names the judge and the cause instead of an empty judge list.
            Member late = run.s.judges().get(index);
            CallRecord r = CallRunner.notStarted(late.id(), late.model().ref(), CallRole.JUDGE, run.s.priceBook(),
                    AskRun.JUDGE_NOT_STARTED, 0, step.step().wireName());
            records.add(r);
            run.note("the ask deadline of " + run.deadlineMillis() + " ms was reached before judge "
                    + late.id() + " could run (" + step.step().wireName() + ")");
            run.notifyFinished(r);
            run.emit(new FusionEvent.JudgeFailed(r));
            index = run.s.judges().size();
            step.onAllFailed().run();
            return;
        }
        Member j = run.s.judges().get(index);
        ModelRequest jr = ModelRequest.builder().system(step.system()).messages(step.messages())
                .maxOutputTokens(run.s.judgeMaxOutputTokens()).temperature(j.temperature()).seed(j.seed())
                .cacheSystemPrompt(run.s.cacheJudgePrompt()).responseFormat(step.responseFormat())
                .tools(step.tools()).build();
        // Not clipped to the time left: the deadline timer ends a running judge and records why
        // (two timers firing at the same instant would make the recorded cause a coin toss).
        Duration timeout = j.timeout() != null ? j.timeout() : run.s.judgeTimeout();
        // All judge calls share one reservation. What earlier judge calls were billed is gone from it;
        // once anything was billed, a judge whose worst case no longer fits the rest is not run.
        BigDecimal judgeLeft = null;
        BigDecimal attemptWorst = null;
        if (reserved != null) {
            // What earlier judge calls were charged: a call with unknown or estimated usage counts at its worst case.
            judgeLeft = reserved.subtract(charged);
            StringBuilder sent = new StringBuilder(step.system()).append('\n');
            step.messages().forEach(m -> sent.append(m.content()).append('\n'));
            attemptWorst = run.worstCase(j.model().ref(), run.s.estimator().estimate(j.model().ref(), sent.toString()),
                    run.s.judgeMaxOutputTokens());
            if (attemptWorst.compareTo(judgeLeft) > 0) {
                String reason = "skipped by the budget: worst case $" + attemptWorst.toPlainString() + " but only $"
                        + judgeLeft.max(BigDecimal.ZERO).toPlainString() + " left of the judges' reservation";
                CallRecord skipped = CallRunner.skipped(j.id(), j.model().ref(), CallRole.JUDGE, run.s.priceBook(), reason);
                records.add(skipped);
                run.note("judge " + j.id() + " " + reason + " (" + step.step().wireName() + ")");
                run.notifyFinished(skipped);
                run.emit(new FusionEvent.JudgeFailed(skipped));
                index++;
                call(step);
                return;
            }
        }
        boolean stream = run.streamJudge && step.final_();
        streamedChars = 0;
        run.emit(new FusionEvent.JudgeStarted(j.id(), j.model().ref(), step.order(), step.step().wireName()));
        CallRunner[] self = new CallRunner[1];
        current = self[0] = new CallRunner(new CallRunner.Spec(j.id(), j.model(), CallRole.JUDGE, jr,
                j.retry() != null ? j.retry() : run.s.judgeRetry(), timeout, stream, BigDecimal.ZERO, 0, step.step().wireName(),
                judgeLeft, attemptWorst, run.deadlineNanos()),
                run.s.priceBook(), run.s.listeners(), run.s.limiter(), run.s.scheduler(), run.s.spendLedger(),
                stream ? text -> {
                    // Under the lock, and only for the judge still running: a delta racing a timeout must
                    // not land after JudgeFailed or in the fallback judge's text.
                    synchronized (run.lock) {
                        if (!run.isDone() && current == self[0]) {
                            streamedChars += text.length();
                            run.emit(new FusionEvent.JudgeDelta(text));
                        }
                    }
                    run.drainUnlocked();
                } : null, r -> onDone(step, r, self[0]), run::notifier);
        if (run.callerRuns != null) {
            current.runOn(run.callerRuns);
        }
        current.start();
    }

    private void onDone(JudgeStep step, CallRecord r, CallRunner runner) {
        run.guarded(() -> onDoneLocked(step, r, runner));
    }

    private void onDoneLocked(JudgeStep step, CallRecord r, CallRunner runner) {
        synchronized (run.lock) {
            records.add(r);
            charged = charged.add(runner.charged() != null ? runner.charged() : AskRun.charged(r));
            if (run.isDone()) {
                return;
            }
            current = null;
            if (r.isOk()) {
                step.onOk().accept(r);
                return;
            }
            run.emit(new FusionEvent.JudgeFailed(r));
            if (streamedChars > 0) {
                // Its text reached the subscriber but is not the answer: say so before a replacement streams.
                run.emit(new FusionEvent.JudgeTextDiscarded(r.memberId(), streamedChars));
                streamedChars = 0;
            }
            index++;
            if (index < run.s.judges().size()) {
                run.note("judge " + r.memberId() + " " + r.status().wireName() + " (" + r.error()
                        + ") in step " + step.step().wireName() + "; falling back to " + run.s.judges().get(index).id());
            }
            call(step);
        }
    }

    /** The running judge's streamed text is not the answer: tells stream consumers to discard it (if any was streamed). */
    void discardText(String memberId) {
        if (streamedChars > 0) {
            run.emit(new FusionEvent.JudgeTextDiscarded(memberId, streamedChars));
            streamedChars = 0;
        }
    }
}
