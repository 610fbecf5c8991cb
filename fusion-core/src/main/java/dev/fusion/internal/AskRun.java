package dev.fusion.internal;

import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.JudgeFailedException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.QuorumNotMetException;
import dev.fusion.cost.Price;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One ask: budget planning, concurrent fan-out, quorum with straggler grace, the deadline, the
 * judge chain with fallbacks, and the degradation policy. All mutable state is guarded by
 * {@code lock}; no thread ever blocks on anything but that short monitor.
 */
public final class AskRun {

    private static final Logger log = LoggerFactory.getLogger(AskRun.class);
    /** Answers are written in the panel members' tokenizers; the judge may count more. */
    private static final double CROSS_TOKENIZER_FACTOR = 1.3;
    private static final int PER_ANSWER_OVERHEAD = 24;

    private enum Phase { PANEL, JUDGE, DONE }

    private final Settings s;
    private final FusionRequest req;
    private final boolean streamJudge;
    private final FluxSink<FusionEvent> sink;
    private final String strategy;
    private final long t0 = System.nanoTime();
    private final Object lock = new Object();

    private final int quorum;
    private final Duration grace;
    private final Duration deadline;
    private final BigDecimal budget;
    private final long seed;
    private final int maxOut;

    private final CallRunner[] runners;
    private final CallRecord[] panelRecords;
    private final List<CallRecord> judgeRecords = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private List<String> answerOrder = List.of();
    private List<CallRecord> judgedAnswers = List.of();
    private Phase phase = Phase.PANEL;
    private Disposable deadlineTimer;
    private Disposable graceTimer;
    private CallRunner currentJudge;
    private int judgeIndex;
    private BigDecimal judgeReservation = BigDecimal.ZERO;
    /** Whether a budget or spend cap bounds this ask (then every call has a spending limit). */
    private boolean bounded;
    /** Each judge's worst case, in fallback order (when bounded). */
    private BigDecimal[] judgeWorstCases = new BigDecimal[0];
    private boolean judgeReservationReleased;

    private AskRun(Settings s, FusionRequest req, boolean streamJudge, FluxSink<FusionEvent> sink) {
        this.s = s;
        this.req = req;
        this.streamJudge = streamJudge;
        this.sink = sink;
        this.strategy = "synthesize";
        this.quorum = req.quorum() != null ? req.quorum() : s.quorum();
        this.grace = req.grace() != null ? req.grace() : s.grace();
        this.deadline = req.deadline() != null ? req.deadline() : s.deadline();
        this.budget = req.budgetUsd() != null ? req.budgetUsd() : s.budgetUsd();
        this.seed = req.shuffleSeed() != null ? req.shuffleSeed()
                : s.shuffleSeed() != null ? s.shuffleSeed() : ThreadLocalRandom.current().nextLong();
        this.maxOut = req.maxOutputTokens() != null ? req.maxOutputTokens() : s.maxOutputTokens();
        this.runners = new CallRunner[s.panel().size()];
        this.panelRecords = new CallRecord[s.panel().size()];
    }

    /**
     * The events of one ask; nothing starts before subscription. Per-request overrides are
     * validated against the panel first (a typed error, before any call).
     */
    public static Flux<FusionEvent> run(Settings s, FusionRequest req, boolean streamJudge) {
        return Flux.create(sink -> new AskRun(s, req, streamJudge, sink).start(), FluxSink.OverflowStrategy.BUFFER);
    }

    private void start() {
        if (quorum > s.panel().size()) {
            sink.error(new dev.fusion.InvalidConfigurationException("quorum " + quorum + " is larger than the panel ("
                    + s.panel().size() + " members); lower the quorum or add members"));
            return;
        }
        sink.onCancel(() -> abort());
        sink.onDispose(this::cleanup);
        BigDecimal[] reservations;
        try {
            reservations = planBudget();
        } catch (FusionException e) {
            sink.error(e);
            return;
        }
        synchronized (lock) {
            deadlineTimer = s.scheduler().schedule(this::onDeadline, deadline.toNanos(), TimeUnit.NANOSECONDS);
            for (int i = 0; i < runners.length; i++) {
                Member m = s.panel().get(i);
                if (reservations[i] == null) {
                    continue; // skipped: record already made
                }
                final int idx = i;
                ModelRequest mr = ModelRequest.builder().system(req.system()).messages(req.messages())
                        .maxOutputTokens(maxOut)
                        .temperature(m.temperature() != null ? m.temperature() : req.temperature())
                        .seed(m.seed()).build();
                Duration timeout = m.timeout() != null ? m.timeout()
                        : req.memberTimeout() != null ? req.memberTimeout() : s.memberTimeout();
                // Under a budget a member may spend its reservation and no more, retries included.
                BigDecimal cap = bounded ? reservations[i] : null;
                runners[i] = new CallRunner(new CallRunner.Spec(m.id(), m.model(), CallRole.PANEL, mr,
                        m.retry() != null ? m.retry() : s.retry(), timeout, s.panelStreaming(), reservations[i],
                        cap, cap),
                        s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(), null,
                        r -> onMemberDone(idx, r));
            }
            for (int i = 0; i < runners.length; i++) {
                if (panelRecords[i] != null && runners[i] == null) {
                    sink.next(new FusionEvent.MemberFailed(panelRecords[i]));
                }
            }
            for (CallRunner r : runners) {
                if (r != null && phase == Phase.PANEL) {
                    sink.next(new FusionEvent.MemberStarted(r.memberId(), r.model()));
                }
            }
            for (CallRunner r : runners) {
                if (r != null && phase == Phase.PANEL && !r.isDone()) {
                    r.start();
                }
            }
        }
    }

    // ---------------------------------------------------------------- budget

    /** Per-member reservation (null = skipped), after reserving the judge first. */
    private BigDecimal[] planBudget() {
        BigDecimal[] res = new BigDecimal[runners.length];
        BigDecimal capLeft = s.spendLedger().remaining();
        BigDecimal limit = budget == null ? capLeft : capLeft == null ? budget : budget.min(capLeft);
        if (limit == null) {
            Arrays.fill(res, BigDecimal.ZERO);
            return res;
        }
        String promptText = promptText();
        // The judge reads the question plus at most maxOut tokens per answer.
        BigDecimal judgeWorst = BigDecimal.ZERO;
        BigDecimal[] judgeCases = new BigDecimal[s.judges().size()];
        for (int k = 0; k < judgeCases.length; k++) {
            Member j = s.judges().get(k);
            long in = s.estimator().estimate(j.model().ref(), s.judgePrompt().system() + "\n"
                    + s.judgePrompt().render(promptText, List.of()))
                    + (long) Math.ceil(s.panel().size() * (maxOut * CROSS_TOKENIZER_FACTOR + PER_ANSWER_OVERHEAD));
            judgeCases[k] = worstCase(j.model().ref(), in, s.judgeMaxOutputTokens());
            judgeWorst = judgeWorst.max(judgeCases[k]);
        }
        String who = budget != null && (capLeft == null || budget.compareTo(capLeft) <= 0)
                ? "budget $" + budget.toPlainString() : "spend cap (left: $" + capLeft.toPlainString() + ")";
        if (judgeWorst.compareTo(limit) > 0) {
            throw new BudgetExceededException("the " + who + " cannot cover the judge's worst case of $"
                    + judgeWorst.toPlainString() + "; raise the budget, lower judgeMaxOutputTokens/maxOutputTokens,"
                    + " or use a cheaper judge", limit, judgeWorst);
        }
        BigDecimal left = limit.subtract(judgeWorst);
        BigDecimal total = judgeWorst;
        int admitted = 0;
        for (int i = 0; i < runners.length; i++) {
            Member m = s.panel().get(i);
            long in = s.estimator().estimate(m.model().ref(), promptText);
            BigDecimal w = worstCase(m.model().ref(), in, maxOut);
            if (w.compareTo(left) <= 0) {
                res[i] = w;
                left = left.subtract(w);
                total = total.add(w);
                admitted++;
            } else {
                String reason = "skipped by the " + who + ": worst case $" + w.toPlainString() + " but only $"
                        + left.toPlainString() + " left after the judge's reservation";
                panelRecords[i] = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, s.priceBook(), reason);
                notes.add(m.id() + " " + reason);
                for (var l : s.listeners()) {
                    try {
                        l.onCallFinished(panelRecords[i]);
                    } catch (RuntimeException e) {
                        log.warn("a FusionListener threw; ignored: {}", e.toString());
                    }
                }
            }
        }
        if (admitted < quorum) {
            throw new BudgetExceededException("the " + who + " admits only " + admitted + " panel member(s) after the judge's"
                    + " reservation of $" + judgeWorst.toPlainString() + ", but the quorum is " + quorum
                    + "; raise the budget or lower the quorum", limit, total);
        }
        if (!s.spendLedger().tryReserve(total)) {
            throw new BudgetExceededException("the spend cap has no room left for this ask (worst case $"
                    + total.toPlainString() + ")", limit, total);
        }
        judgeReservation = judgeWorst;
        judgeWorstCases = judgeCases;
        bounded = true;
        return res;
    }

    private BigDecimal worstCase(ModelRef ref, long promptTokens, int maxOutputTokens) {
        Optional<Price> p = s.priceBook().find(ref);
        return p.map(price -> price.worstCase(promptTokens, maxOutputTokens)).orElse(BigDecimal.ZERO);
    }

    private String promptText() {
        StringBuilder sb = new StringBuilder();
        if (req.system() != null) {
            sb.append(req.system()).append('\n');
        }
        for (ChatMessage m : req.messages()) {
            sb.append(m.content()).append('\n');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- panel

    private void onMemberDone(int idx, CallRecord r) {
        synchronized (lock) {
            panelRecords[idx] = r;
            if (phase == Phase.DONE) {
                return;
            }
            sink.next(r.isOk() ? new FusionEvent.MemberAnswered(r) : new FusionEvent.MemberFailed(r));
            if (phase != Phase.PANEL) {
                return;
            }
            int ok = 0;
            int pending = 0;
            // Count from the records delivered under this lock, not from the runners: a runner is
            // marked done before its callback gets the lock, and must still count as pending here.
            for (int i = 0; i < runners.length; i++) {
                if (panelRecords[i] == null) {
                    pending++;
                } else if (panelRecords[i].isOk()) {
                    ok++;
                }
            }
            if (pending == 0) {
                finishPanel();
            } else if (ok + pending < quorum) {
                cancelPanel(CallStatus.CANCELLED, "cancelled", "quorum of " + quorum + " can no longer be met");
                if (phase == Phase.PANEL) {
                    finishPanel();
                }
            } else if (ok >= quorum && grace != null && graceTimer == null) {
                if (grace.isZero()) {
                    onGrace();
                } else {
                    graceTimer = s.scheduler().schedule(this::onGrace, grace.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private void onGrace() {
        synchronized (lock) {
            if (phase != Phase.PANEL) {
                return;
            }
            cancelPanel(CallStatus.CANCELLED, "cancelled", "straggler grace of " + grace.toMillis()
                    + " ms after the quorum ran out");
            if (phase == Phase.PANEL) {
                finishPanel();
            }
        }
    }

    private void cancelPanel(CallStatus status, String type, String message) {
        for (CallRunner r : runners) {
            if (r != null) {
                r.cancel(status, type, message);
            }
        }
    }

    private void finishPanel() {
        phase = Phase.JUDGE;
        if (graceTimer != null) {
            graceTimer.dispose();
        }
        List<CallRecord> ok = new ArrayList<>();
        for (CallRecord r : panelRecords) {
            if (r != null && r.isOk()) {
                ok.add(r);
            }
        }
        if (ok.size() < quorum) {
            fail(new QuorumNotMetException(quorum, ok.size(), allRecords()));
            return;
        }
        List<CallRecord> shuffled = new ArrayList<>(ok);
        Collections.shuffle(shuffled, new Random(seed));
        judgedAnswers = shuffled;
        answerOrder = shuffled.stream().map(CallRecord::memberId).toList();
        startJudge();
    }

    // ---------------------------------------------------------------- judge

    private void startJudge() {
        if (judgeIndex >= s.judges().size()) {
            allJudgesFailed();
            return;
        }
        Duration left = deadline.minusNanos(System.nanoTime() - t0);
        if (left.isNegative() || left.isZero()) {
            notes.add("the ask deadline of " + deadline.toMillis() + " ms was reached before judge "
                    + s.judges().get(judgeIndex).id() + " could run");
            allJudgesFailed();
            return;
        }
        Member j = s.judges().get(judgeIndex);
        List<String> texts = judgedAnswers.stream().map(CallRecord::text).toList();
        ModelRequest jr = ModelRequest.builder().system(s.judgePrompt().system())
                .messages(List.of(ChatMessage.user(s.judgePrompt().render(questionForJudge(), texts))))
                .maxOutputTokens(s.judgeMaxOutputTokens()).temperature(j.temperature()).seed(j.seed())
                .cacheSystemPrompt(s.cacheJudgePrompt()).build();
        Duration timeout = j.timeout() != null ? j.timeout() : s.judgeTimeout();
        if (timeout.compareTo(left) > 0) {
            timeout = left;
        }
        // The judges share one reservation (the costliest judge's worst case): what an earlier,
        // failed judge was billed is gone from it, and a fallback that might not fit is not run.
        BigDecimal judgeLeft = null;
        if (bounded) {
            BigDecimal spent = BigDecimal.ZERO;
            for (CallRecord r : judgeRecords) {
                spent = spent.add(r.cost().usd().orElse(BigDecimal.ZERO));
            }
            judgeLeft = judgeReservation.subtract(spent);
            if (judgeWorstCases[judgeIndex].compareTo(judgeLeft) > 0) {
                String reason = "skipped by the budget: worst case $" + judgeWorstCases[judgeIndex].toPlainString()
                        + " but only $" + judgeLeft.max(BigDecimal.ZERO).toPlainString()
                        + " left of the judges' reservation after the judges before it";
                CallRecord skipped = CallRunner.skipped(j.id(), j.model().ref(), CallRole.JUDGE, s.priceBook(), reason);
                judgeRecords.add(skipped);
                notes.add("judge " + j.id() + " " + reason);
                for (var l : s.listeners()) {
                    try {
                        l.onCallFinished(skipped);
                    } catch (RuntimeException e) {
                        log.warn("a FusionListener threw; ignored: {}", e.toString());
                    }
                }
                sink.next(new FusionEvent.JudgeFailed(skipped));
                judgeIndex++;
                startJudge();
                return;
            }
        }
        sink.next(new FusionEvent.JudgeStarted(j.id(), j.model().ref(), answerOrder));
        currentJudge = new CallRunner(new CallRunner.Spec(j.id(), j.model(), CallRole.JUDGE, jr,
                j.retry() != null ? j.retry() : s.judgeRetry(), timeout, streamJudge, BigDecimal.ZERO, judgeLeft,
                bounded ? judgeWorstCases[judgeIndex] : null),
                s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(),
                streamJudge ? text -> sink.next(new FusionEvent.JudgeDelta(text)) : null, this::onJudgeDone);
        currentJudge.start();
    }

    private String questionForJudge() {
        StringBuilder sb = new StringBuilder();
        if (req.system() != null && !req.system().isBlank()) {
            sb.append("(The panel was given these instructions: ").append(req.system().strip()).append(")\n\n");
        }
        if (req.messages().size() == 1) {
            sb.append(req.prompt());
        } else {
            for (ChatMessage m : req.messages()) {
                sb.append(m.role() == MessageRole.USER ? "User: " : "Assistant: ").append(m.content()).append("\n\n");
            }
        }
        return sb.toString().strip();
    }

    private void onJudgeDone(CallRecord r) {
        synchronized (lock) {
            judgeRecords.add(r);
            if (phase != Phase.JUDGE) {
                return;
            }
            if (r.isOk()) {
                complete(r.text(), true);
                return;
            }
            sink.next(new FusionEvent.JudgeFailed(r));
            judgeIndex++;
            if (judgeIndex < s.judges().size()) {
                notes.add("judge " + r.memberId() + " " + r.status().wireName() + " (" + r.error()
                        + "); falling back to " + s.judges().get(judgeIndex).id());
            }
            startJudge();
        }
    }

    private void allJudgesFailed() {
        if (s.onJudgeFailure() == OnJudgeFailure.BEST_ANSWER && !judgedAnswers.isEmpty()) {
            List<CallRecord> inPanelOrder = new ArrayList<>();
            for (CallRecord r : panelRecords) {
                if (r != null && r.isOk()) {
                    inPanelOrder.add(r);
                }
            }
            CallRecord best = inPanelOrder.get(BestAnswer.pick(inPanelOrder));
            notes.add("every judge failed; returning the unjudged answer of " + best.memberId()
                    + " (the answer agreeing most with the others)");
            complete(best.text(), false);
        } else {
            fail(new JudgeFailedException(allRecords()));
        }
    }

    // ---------------------------------------------------------------- end

    private void onDeadline() {
        synchronized (lock) {
            if (phase == Phase.PANEL) {
                cancelPanel(CallStatus.TIMEOUT, "deadline", "ask deadline of " + deadline.toMillis() + " ms reached");
                if (phase == Phase.PANEL) {
                    finishPanel();
                }
            } else if (phase == Phase.JUDGE && currentJudge != null) {
                currentJudge.cancel(CallStatus.TIMEOUT, "deadline", "ask deadline of " + deadline.toMillis() + " ms reached");
            }
        }
    }

    private void abort() {
        synchronized (lock) {
            if (phase == Phase.DONE) {
                return;
            }
            phase = Phase.DONE;
            cancelPanel(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
            if (currentJudge != null) {
                currentJudge.cancel(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
            }
        }
    }

    private void cleanup() {
        synchronized (lock) {
            if (deadlineTimer != null) {
                deadlineTimer.dispose();
            }
            if (graceTimer != null) {
                graceTimer.dispose();
            }
            if (!judgeReservationReleased) {
                judgeReservationReleased = true;
                s.spendLedger().settle(judgeReservation, BigDecimal.ZERO);
            }
        }
    }

    private List<CallRecord> allRecords() {
        List<CallRecord> all = new ArrayList<>();
        for (CallRecord r : panelRecords) {
            if (r != null) {
                all.add(r);
            }
        }
        all.addAll(judgeRecords);
        return all;
    }

    private void complete(String answer, boolean judged) {
        phase = Phase.DONE;
        List<CallRecord> panel = new ArrayList<>();
        for (CallRecord r : panelRecords) {
            if (r != null) {
                panel.add(r);
            }
        }
        FusionResult result = new FusionResult(answer, judged, strategy, panel, judgeRecords, answerOrder, seed,
                Duration.ofNanos(System.nanoTime() - t0), budget, notes);
        log.debug("ask done: judged={} calls={} costUsd={} wallMs={}", judged, result.calls().size(),
                result.totalCostUsd().toPlainString(), result.wallTime().toMillis());
        sink.next(new FusionEvent.Completed(result));
        sink.complete();
    }

    private void fail(FusionException e) {
        phase = Phase.DONE;
        log.debug("ask failed: {}", e.getMessage());
        sink.error(e);
    }
}
