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
import dev.fusion.cost.Price;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Ranking;
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
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * One ask. The engine owns what every strategy shares: budget planning and reservations, panel
 * rounds (concurrent fan-out, quorum with straggler grace), the judge chain (fallback judges,
 * timeouts clipped to the deadline, degradation), the ask deadline, cancellation, events and the
 * result. What happens between the panel and the result is decided by a {@link Flow}, one per
 * strategy, which calls back into the engine: {@link #runRound}, {@link #judge}, {@link #complete},
 * {@link #degrade}, {@link #fail}.
 *
 * <h2>The pipeline</h2>
 * <ol>
 *   <li>{@link AskSettings#of}: the effective settings, worked out once (pure);</li>
 *   <li>{@link #validate}: the request checked against the panel (pure);</li>
 *   <li>{@link #budgetPlan}: reservations, skipped members and the budget verdict ({@link BudgetPlan},
 *       pure; {@code Fusion.plan} shows the same), then the reservation in the spend ledger;</li>
 *   <li>{@link #runRound}: the panel round(s), as the strategy's {@link Flow} asks for them;</li>
 *   <li>{@link #judge}: the judge chain (fallback judges, then the {@code onJudgeFailure} policy);</li>
 *   <li>{@link #complete}: the ledger's figures into {@link CostNotes} and the {@code FusionResult}.</li>
 * </ol>
 *
 * <p>All mutable state is guarded by {@code lock}; flows only run under it. No thread ever blocks
 * on anything but that short monitor. No user code runs under it either: events and listener calls
 * are queued in a {@link SerialOutbox} while the lock is held and delivered, in that order and one at
 * a time, after it is released, so a slow consumer or a consumer that asks again holds up only the
 * thread delivering to it.
 */
public final class AskRun {

    private static final Logger log = LoggerFactory.getLogger(AskRun.class);
    /** Answers are written in the panel members' tokenizers; the judge may count more. */
    static final double CROSS_TOKENIZER_FACTOR = 1.3;
    static final int PER_ANSWER_OVERHEAD = 24;
    /** The error message of a judge the deadline left no time to start. */
    static final String JUDGE_NOT_STARTED = "deadline reached before the judge started; raise --timeout / deadlineMs";

    final Settings s;
    final FusionRequest req;
    private final boolean streamJudge;
    private final FluxSink<FusionEvent> sink;
    /** The thread waiting in a blocking ask, which runs one panel call per round and the judge calls; or null. */
    private final CallerRuns callerRuns;
    final Flow flow;
    private final long t0 = System.nanoTime();
    final Object lock = new Object();
    /**
     * Events and listener calls, queued under {@code lock} and run after it is released, in order
     * (no user code runs under the lock; see {@link SerialOutbox}).
     */
    private final SerialOutbox outbox = new SerialOutbox();

    /** The ask's effective settings (member, then request, then Fusion default), worked out once. */
    final AskSettings eff;
    final int quorum;
    private final Duration grace;
    private final Duration deadline;
    private final BigDecimal budget;
    final long seed;
    final int maxOut;

    private final List<Round> rounds = new ArrayList<>();
    private final List<CallRecord> judgeRecords = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private List<String> answerOrder = List.of();
    /** The answers the judge works on, in panel order: what {@link OnJudgeFailure#BEST_ANSWER} picks from. */
    List<CallRecord> candidates = List.of();
    Analysis analysis;
    Ranking ranking;
    CascadeOutcome cascade;
    /** The structured answer a flow settled ({@code vote}), or null; see {@link #complete}. */
    com.fasterxml.jackson.databind.JsonNode answerJson;
    /** The vote's agreement per JSON Pointer (empty unless {@code vote}). */
    Map<String, Double> agreement = Map.of();

    private boolean done;
    private Round currentRound;
    private CallRunner currentJudge;
    /** Something asynchronous a flow waits for (an agreement rule); disposed on cancel. */
    Disposable pendingAsync;
    private Disposable deadlineTimer;
    private int judgeIndex;
    /** Characters the running judge streamed as deltas; discarded (with an event) if it fails. */
    private int judgeStreamedChars;

    /** Per panel member, its reservation for each round it runs (null = skipped by the budget). */
    BigDecimal[][] memberReservations;
    /** Per flagship, its reservation (null = skipped by the budget); see {@link #flagshipSkips}. */
    BigDecimal[] flagshipReservations;
    /** Why a flagship was skipped (null = admitted). */
    String[] flagshipSkips;
    private final CallRecord[] skippedMembers;
    /** Reserved in the spend ledger but not handed to a call yet; released when the ask ends. */
    private BigDecimal unsettled = BigDecimal.ZERO;
    /** Whether a budget or spend cap bounds this ask (then every call has a spending limit). */
    private boolean bounded;
    /** What all judge calls together may cost: the judge reservation (when bounded). */
    private BigDecimal judgeReserved = BigDecimal.ZERO;
    private boolean unsettledReleased;
    /** What the judge calls of this ask were charged so far (see {@link CallRunner#charged()}). */
    private BigDecimal judgeCharged = BigDecimal.ZERO;

    /** @param sink null for a plan only ({@link #plan(Settings, FusionRequest, BigDecimal)}), which never runs */
    private AskRun(Settings s, FusionRequest req, boolean streamJudge, FluxSink<FusionEvent> sink) {
        this.callerRuns = sink == null ? null : sink.contextView().getOrDefault(CallerRuns.CONTEXT_KEY, null);
        this.s = s;
        this.req = req;
        this.streamJudge = streamJudge;
        this.sink = sink;
        this.eff = AskSettings.of(s, req);
        this.quorum = eff.quorum();
        this.grace = eff.grace();
        this.deadline = eff.deadline();
        this.budget = eff.budgetUsd();
        this.seed = eff.seed();
        this.maxOut = eff.maxOutputTokens();
        this.skippedMembers = new CallRecord[s.panel().size()];
        this.flow = Flow.of(s.strategy(), this);
    }

    /**
     * What an ask of {@code req} would reserve, without running it: the same checks and the same
     * budget planning as {@link #run}, against {@code capLeft} (what is left under the spend cap, or
     * null). Pure: no call, no event, no listener, no reservation.
     *
     * @throws dev.fusion.InvalidConfigurationException when the request does not fit the panel, as the ask would
     */
    public static dev.fusion.AskPlan plan(Settings s, FusionRequest req, BigDecimal capLeft) {
        AskRun run = new AskRun(s, req, false, null);
        FusionException invalid = run.validate();
        if (invalid != null) {
            throw invalid;
        }
        return run.budgetPlan(capLeft).toPublic(run);
    }

    /**
     * The events of one ask; nothing starts before subscription. Per-request overrides are
     * validated against the panel first (a typed error, before any call).
     */
    public static Flux<FusionEvent> run(Settings s, FusionRequest req, boolean streamJudge) {
        return Flux.create(sink -> new AskRun(s, req, streamJudge, sink).start(), FluxSink.OverflowStrategy.BUFFER);
    }

    private void start() {
        FusionException invalid = validate();
        if (invalid != null) {
            sink.error(invalid);
            return;
        }
        sink.onCancel(() -> {
            abort();
            drainUnlocked();
        });
        sink.onDispose(() -> {
            cleanup();
            drainUnlocked();
        });
        guarded(this::begin);
    }

    /** The request's overrides checked against the panel: a typed error before any call, or null. */
    private FusionException validate() {
        if (quorum > s.panel().size()) {
            return new dev.fusion.InvalidConfigurationException("quorum " + quorum + " is larger than the panel ("
                    + s.panel().size() + " members); lower the quorum or add members");
        }
        if (s.strategy().kind() == dev.fusion.judge.StrategyKind.VOTE && (req.responseFormat() == null
                || req.responseFormat().schema() == null)) {
            return new dev.fusion.InvalidConfigurationException("the vote strategy needs a JSON Schema for the answer:"
                    + " set one with FusionRequest.builder().schema(...) (CLI: --schema FILE), or use another strategy");
        }
        if (req.budgetUsd() != null && !s.allowUnpriced()) {
            // Fusion.build checks this for a budget set on the builder; a per-request budget is checked here.
            java.util.Set<String> unpriced = new java.util.TreeSet<>();
            List<Member> all = new ArrayList<>(s.panel());
            all.addAll(s.judges());
            all.addAll(flow.flagships());
            for (Member m : all) {
                if (s.priceBook().find(m.model().ref()).isEmpty()) {
                    unpriced.add(m.model().ref().toString());
                }
            }
            if (!unpriced.isEmpty()) {
                return new dev.fusion.InvalidConfigurationException("a budget needs a price for every model, but these"
                        + " have none: " + unpriced + "; add prices (price(\"provider:model\", Price.of(...)) or prices:"
                        + " in the config file), or allow unbounded spend on them with allowUnpriced(true)");
            }
        }
        return null;
    }

    /**
     * Reads what is left under the spend cap, plans, reserves, then starts the panel. The cap may live
     * in a shared store, so each step is asynchronous; an in-memory ledger completes them at once on
     * this thread.
     */
    private void begin() {
        BigDecimal cap = s.spendLedger().cap();
        if (cap != null) {
            BudgetPlan full;
            synchronized (lock) {
                if (done) {
                    return; // cancelled before it began
                }
                full = budgetPlan(cap);
            }
            if (full.limit() != null && full.exceeded() == null && full.notes().isEmpty()
                    && Arrays.stream(full.skippedMembers()).allMatch(java.util.Objects::isNull)) {
                reserveFull(full);
                return;
            }
        }
        s.spendLedger().remainingAsync().map(Optional::of).defaultIfEmpty(Optional.empty())
                .subscribe(left -> guarded(() -> plan(left.orElse(null))), e -> guarded(() -> failLedger(e)));
    }

    /**
     * Reserves the plan made against the whole cap in one step: when what is left covers it, the plan
     * against what is left would be the same one (nothing skipped), so the cap need not be read first.
     * When it does not fit, the ask plans against what the store reported left, as if it had read it.
     */
    private void reserveFull(BudgetPlan full) {
        s.spendLedger().reserveOrRemainingAsync(full.total()).subscribe(o -> guarded(() -> {
            if (!o.granted()) {
                plan(o.remainingUsd());
                return;
            }
            synchronized (lock) {
                if (done) {
                    s.spendLedger().settle(full.total(), BigDecimal.ZERO); // cancelled meanwhile: give it all back
                    return;
                }
                s.spendLedger().degradedNote().ifPresent(notes::add);
                apply(full);
            }
            onReserved(full, true);
        }), e -> guarded(() -> failLedger(e)));
    }

    private void plan(BigDecimal capLeft) {
        BudgetPlan plan;
        synchronized (lock) {
            if (done) {
                return; // cancelled before it began
            }
            s.spendLedger().degradedNote().ifPresent(notes::add);
            plan = budgetPlan(capLeft);
            apply(plan);
            if (plan.exceeded() != null) {
                fail(plan.exceeded());
                return;
            }
        }
        if (plan.limit() == null) {
            startPanel();
            return;
        }
        s.spendLedger().reserveAsync(plan.total()).subscribe(ok -> guarded(() -> onReserved(plan, ok)),
                e -> guarded(() -> failLedger(e)));
    }

    private void onReserved(BudgetPlan plan, boolean ok) {
        synchronized (lock) {
            if (ok && done) {
                s.spendLedger().settle(plan.total(), BigDecimal.ZERO); // cancelled meanwhile: give it all back
                return;
            }
            if (!ok) {
                fail(new BudgetExceededException("the spend cap has no room left for this ask (worst case $"
                        + plan.total().toPlainString() + ")", plan.limit(), plan.total()));
                return;
            }
            unsettled = plan.total().subtract(plan.firstRound());
            judgeReserved = plan.judgeWorst();
            bounded = true;
        }
        startPanel();
    }

    private void failLedger(Throwable e) {
        synchronized (lock) {
            fail(e instanceof FusionException f ? f : new FusionException("the spend cap's store failed: " + e, e));
        }
    }


    private void startPanel() {
        synchronized (lock) {
            if (done) {
                return; // cancelled before it began
            }
            deadlineTimer = s.scheduler().schedule(this::onDeadline, deadline.toNanos(), TimeUnit.NANOSECONDS);
            List<Member> members = s.panel();
            List<ModelRequest> requests = new ArrayList<>();
            BigDecimal[] res = new BigDecimal[members.size()];
            for (int i = 0; i < members.size(); i++) {
                requests.add(memberRequest(members.get(i), req.messages()));
                res[i] = memberReservations[i] == null ? null : memberReservations[i][0];
            }
            runRound(1, dev.fusion.CallStep.ANSWER, members, requests, res, skippedMembers, quorum, ok -> {
                if (ok.size() < quorum) {
                    fail(new dev.fusion.QuorumNotMetException(quorum, ok.size(), allRecords()));
                } else {
                    flow.onPanelAnswers(ok);
                }
            });
        }
    }

    /** The request for one member: the conversation, this ask's output limit, the member's sampling settings. */
    ModelRequest memberRequest(Member m, List<ChatMessage> messages) {
        return ModelRequest.builder().system(req.system()).messages(messages).maxOutputTokens(maxOut)
                .temperature(eff.temperature(m))
                .seed(m.seed()).responseFormat(req.responseFormat())
                .reasoning(m.reasoning() != null ? m.reasoning() : req.reasoning()).extraBody(m.extraBody()).build();
    }

    // ---------------------------------------------------------------- budget

    /**
     * Reserves the worst case of the whole ask: every judge call the strategy may make first, then
     * each panel member for every round it runs (members that do not fit are skipped), then the
     * cascade's flagships (those that do not fit are skipped). The spend can then never exceed the
     * budget while prices and max-token limits hold.
     */
    BudgetPlan budgetPlan(BigDecimal capLeft) {
        int n = s.panel().size();
        int k = flow.panelRounds();
        List<Member> flagships = flow.flagships();
        BigDecimal[][] memberReservations = new BigDecimal[n][];
        BigDecimal[] flagshipReservations = new BigDecimal[flagships.size()];
        String[] flagshipSkips = new String[flagships.size()];
        CallRecord[] skipped = new CallRecord[n];
        List<String> notes = new ArrayList<>();
        BigDecimal limit = budget == null ? capLeft : capLeft == null ? budget : budget.min(capLeft);
        if (limit == null) {
            for (int i = 0; i < n; i++) {
                memberReservations[i] = new BigDecimal[k];
                Arrays.fill(memberReservations[i], BigDecimal.ZERO);
            }
            Arrays.fill(flagshipReservations, BigDecimal.ZERO);
            return new BudgetPlan(memberReservations, flagshipReservations, flagshipSkips, skipped, notes,
                    BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, null, null);
        }
        BigDecimal judgeWorst = flow.judgeWorst().add(flow.structuredRepairWorst());
        String who = budget != null && (capLeft == null || budget.compareTo(capLeft) <= 0)
                ? "budget $" + budget.toPlainString() : "spend cap (left: $" + capLeft.toPlainString() + ")";
        if (judgeWorst.compareTo(limit) > 0) {
            return BudgetPlan.exceeded(memberReservations, flagshipReservations, flagshipSkips, skipped, notes, limit,
                    new BudgetExceededException("the " + who + " cannot cover the judge's worst case of $"
                    + judgeWorst.toPlainString() + (flow.judgeCalls() > 1 ? " (up to " + flow.judgeCalls()
                    + " judge calls for the " + s.strategy().name() + " strategy)" : "")
                    + "; raise the budget, lower judgeMaxOutputTokens/maxOutputTokens, or use a cheaper judge",
                    limit, judgeWorst));
        }
        BigDecimal left = limit.subtract(judgeWorst);
        BigDecimal total = judgeWorst;
        BigDecimal firstRound = BigDecimal.ZERO;
        int admitted = 0;
        for (int i = 0; i < n; i++) {
            Member m = s.panel().get(i);
            BigDecimal[] per = new BigDecimal[k];
            BigDecimal sum = BigDecimal.ZERO;
            for (int r = 0; r < k; r++) {
                per[r] = worstCase(m.model().ref(), flow.memberInputTokens(m, r + 1), maxOut);
                sum = sum.add(per[r]);
            }
            if (sum.compareTo(left) <= 0) {
                memberReservations[i] = per;
                left = left.subtract(sum);
                total = total.add(sum);
                firstRound = firstRound.add(per[0]);
                admitted++;
            } else {
                String reason = "skipped by the " + who + ": worst case $" + sum.toPlainString()
                        + (k > 1 ? " for " + k + " rounds" : "") + " but only $" + left.toPlainString()
                        + " left after the judge's reservation";
                skipped[i] = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, s.priceBook(), reason);
                notes.add(m.id() + " " + reason);
            }
        }
        if (admitted < quorum) {
            return BudgetPlan.exceeded(memberReservations, flagshipReservations, flagshipSkips, skipped, notes, limit,
                    new BudgetExceededException("the " + who + " admits only " + admitted + " panel member(s) after the judge's"
                    + " reservation of $" + judgeWorst.toPlainString() + ", but the quorum is " + quorum
                    + "; raise the budget or lower the quorum", limit, total));
        }
        for (int j = 0; j < flagships.size(); j++) {
            Member m = flagships.get(j);
            BigDecimal w = worstCase(m.model().ref(), flow.memberInputTokens(m, 2), maxOut);
            if (w.compareTo(left) <= 0) {
                flagshipReservations[j] = w;
                left = left.subtract(w);
                total = total.add(w);
            } else {
                flagshipSkips[j] = "skipped by the " + who + ": worst case $" + w.toPlainString() + " but only $"
                        + left.toPlainString() + " left after the judge's and the panel's reservations";
                notes.add("flagship " + m.id() + " " + flagshipSkips[j]);
            }
        }
        return new BudgetPlan(memberReservations, flagshipReservations, flagshipSkips, skipped, notes, total, firstRound,
                judgeWorst, limit, null);
    }

    /** Takes a plan's reservations, notes and skipped members into this ask (the skipped are reported now). */
    private void apply(BudgetPlan plan) {
        memberReservations = plan.memberReservations();
        flagshipReservations = plan.flagshipReservations();
        flagshipSkips = plan.flagshipSkips();
        notes.addAll(plan.notes());
        for (int i = 0; i < skippedMembers.length; i++) {
            skippedMembers[i] = plan.skippedMembers()[i];
            if (skippedMembers[i] != null) {
                notifyFinished(skippedMembers[i]);
            }
        }
    }

    /** What a call is charged against the budget: the higher of the computed and the reported cost (as the ledger settles). */
    static BigDecimal charged(CallRecord r) {
        BigDecimal computed = r.cost().usd().orElse(BigDecimal.ZERO);
        BigDecimal reported = r.cost().reportedUsd();
        return reported == null ? computed : computed.max(reported);
    }

    BigDecimal worstCase(ModelRef ref, long promptTokens, int maxOutputTokens) {
        Optional<Price> p = s.priceBook().find(ref);
        return p.map(price -> price.worstCase(promptTokens, maxOutputTokens)).orElse(BigDecimal.ZERO);
    }

    /** The worst case of one judge call, whichever judge of the chain makes it. */
    BigDecimal judgeCallWorst(ToLongFunction<ModelRef> promptTokens) {
        BigDecimal worst = BigDecimal.ZERO;
        for (Member j : s.judges()) {
            ModelRef ref = j.model().ref();
            worst = worst.max(worstCase(ref, promptTokens.applyAsLong(ref), s.judgeMaxOutputTokens()));
        }
        return worst;
    }

    /** Estimated tokens of a judge prompt's fixed parts (system, template, question), answers excluded. */
    long templateTokens(ModelRef ref, JudgePrompt prompt, Map<String, String> extras) {
        return s.estimator().estimate(ref, prompt.system() + "\n" + prompt.render(questionForJudge(), List.of(), extras));
    }

    /** Upper bound on the tokens of {@code count} panel answers as another model counts them. */
    long answersAllowance(int count) {
        return (long) Math.ceil(count * (maxOut * CROSS_TOKENIZER_FACTOR + PER_ANSWER_OVERHEAD));
    }

    /** Upper bound on the tokens of one earlier judge reply as another judge counts it. */
    long judgeReplyAllowance() {
        return (long) Math.ceil(s.judgeMaxOutputTokens() * CROSS_TOKENIZER_FACTOR + PER_ANSWER_OVERHEAD);
    }

    /** Estimated prompt tokens of the ask's own request. */
    long requestTokens(ModelRef ref) {
        return s.estimator().estimate(ref, promptText()) + s.estimator().estimateImages(ref, req.messages());
    }

    String promptText() {
        StringBuilder sb = new StringBuilder();
        if (req.system() != null) {
            sb.append(req.system()).append('\n');
        }
        for (ChatMessage m : req.messages()) {
            sb.append(m.content()).append('\n');
        }
        return sb.toString();
    }

    void notifyFinished(CallRecord r) {
        if (s.listeners().isEmpty()) {
            return;
        }
        notifier(() -> {
            for (var l : s.listeners()) {
                try {
                    l.onCallFinished(r);
                } catch (RuntimeException e) {
                    log.warn("a FusionListener threw; ignored: {}", e.toString());
                }
            }
        });
    }

    /** Queues an event for the subscriber; delivered once the lock is released. */
    void emit(FusionEvent event) {
        outbox.post(() -> sink.next(event));
    }

    /**
     * Runs user code (a listener call) in the ask's event order: queued, and run at once only when
     * this thread does not hold the lock (else when it releases it).
     */
    private void notifier(Runnable task) {
        outbox.post(task);
        drainUnlocked();
    }

    /** Delivers the queued events and listener calls, unless this thread still holds the lock. */
    void drainUnlocked() {
        if (!Thread.holdsLock(lock)) {
            outbox.drain();
        }
    }

    /** Hands part of the unsettled reservation to a call, which settles it itself when it ends. */
    private BigDecimal takeReservation(BigDecimal amount) {
        if (amount == null) {
            return BigDecimal.ZERO;
        }
        unsettled = unsettled.subtract(amount);
        return amount;
    }

    // ---------------------------------------------------------------- panel rounds

    /**
     * Runs one panel round: every member with a request at once, the quorum with straggler grace,
     * the deadline. {@code next} receives the successful records in member order, whether or not
     * the quorum was met (the caller decides). Must be called under {@code lock}.
     *
     * @param reservations per member; null = skipped, with its record in {@code preRecords}
     * @param preRecords   records of members that do not run (skipped), or null entries
     */
    void runRound(int number, dev.fusion.CallStep step, List<Member> members, List<ModelRequest> requests,
                  BigDecimal[] reservations, CallRecord[] preRecords, int roundQuorum, Consumer<List<CallRecord>> next) {
        Round round = new Round(number, step, members, roundQuorum, next);
        rounds.add(round);
        currentRound = round;
        if (number > 1) {
            emit(new FusionEvent.RoundStarted(number, members.stream().map(Member::id).toList()));
        }
        Duration left = timeLeft();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (reservations[i] == null) {
                round.records[i] = preRecords != null ? preRecords[i] : null;
                continue;
            }
            if (left.isNegative() || left.isZero()) {
                // The deadline passed before this round could start: nothing is called.
                round.records[i] = CallRunner.notStarted(m.id(), m.model().ref(), CallRole.PANEL, s.priceBook(),
                        "ask deadline of " + deadline.toMillis() + " ms reached before round " + number + " could start",
                        number, step.wireName());
                if (number > 1) {
                    takeReservation(reservations[i]); // released with the rest when the ask ends
                }
                notifyFinished(round.records[i]);
                continue;
            }
            final int idx = i;
            Duration timeout = eff.timeout(m);
            // Not clipped to the time left: the deadline timer cancels the current round and records why.
            BigDecimal reservation = number == 1 ? reservations[i] : takeReservation(reservations[i]);
            // Under a budget a member may spend its reservation for this round and no more, retries included.
            BigDecimal cap = bounded ? reservations[i] : null;
            round.runners[i] = new CallRunner(new CallRunner.Spec(m.id(), m.model(), CallRole.PANEL, requests.get(i),
                    m.retry() != null ? m.retry() : s.retry(), timeout, s.panelStreaming(), reservation, number, step.wireName(),
                    cap, cap, deadlineNanos()),
                    s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(), null,
                    r -> round.onMemberDone(idx, r), AskRun.this::notifier);
        }
        for (int i = 0; i < members.size(); i++) {
            if (round.records[i] != null && round.runners[i] == null) {
                emit(new FusionEvent.MemberFailed(round.records[i]));
            }
        }
        for (CallRunner r : round.runners) {
            if (r != null && !round.finished) {
                emit(new FusionEvent.MemberStarted(r.memberId(), r.model()));
            }
        }
        if (callerRuns != null) {
            // The blocking caller runs the round's last call itself instead of waiting idle.
            for (int i = round.runners.length - 1; i >= 0; i--) {
                if (round.runners[i] != null) {
                    round.runners[i].runOn(callerRuns);
                    break;
                }
            }
        }
        for (CallRunner r : round.runners) {
            if (r != null && !round.finished && !done && !r.isDone()) {
                r.start();
            }
        }
        if (!round.finished && !done) {
            round.evaluate();
        }
    }

    /** One panel round's runners and records. Guarded by {@code lock}. */
    private final class Round {
        final int number;
        final List<Member> members;
        final CallRunner[] runners;
        final CallRecord[] records;
        final int roundQuorum;
        final Consumer<List<CallRecord>> next;
        boolean finished;
        Disposable graceTimer;

        Round(int number, dev.fusion.CallStep step, List<Member> members, int roundQuorum, Consumer<List<CallRecord>> next) {
            this.number = number;
            this.members = members;
            this.runners = new CallRunner[members.size()];
            this.records = new CallRecord[members.size()];
            this.roundQuorum = roundQuorum;
            this.next = next;
        }

        void onMemberDone(int idx, CallRecord r) {
            guarded(() -> {
                synchronized (lock) {
                    if (records[idx] != null) {
                        return; // already taken by finish(): the runner recorded before this callback got the lock
                    }
                    records[idx] = r;
                    if (done || finished) {
                        return;
                    }
                    emit(r.isOk() ? new FusionEvent.MemberAnswered(r) : new FusionEvent.MemberFailed(r));
                    evaluate();
                }
            });
        }

        void evaluate() {
            int ok = 0;
            int pending = 0;
            // Count from the records delivered under this lock, not from runner.isDone(): a runner is
            // marked done before its callback gets the lock, and must still count as pending here.
            for (int i = 0; i < runners.length; i++) {
                if (records[i] == null) {
                    if (runners[i] != null) {
                        pending++;
                    }
                } else if (records[i].isOk()) {
                    ok++;
                }
            }
            if (pending == 0) {
                finish();
            } else if (ok + pending < roundQuorum) {
                cancelAll(CallStatus.CANCELLED, "cancelled", "quorum of " + roundQuorum + " can no longer be met");
                if (!finished) {
                    finish();
                }
            } else if (ok >= roundQuorum && ok > 0 && grace != null && graceTimer == null) {
                if (grace.isZero()) {
                    onGrace();
                } else {
                    graceTimer = s.scheduler().schedule(this::onGrace, grace.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        }

        void onGrace() {
            guarded(() -> {
                synchronized (lock) {
                    if (finished || done) {
                        return;
                    }
                    cancelAll(CallStatus.CANCELLED, "cancelled", "straggler grace of " + grace.toMillis()
                            + " ms after the quorum ran out");
                    if (!finished) {
                        finish();
                    }
                }
            });
        }

        void cancelAll(CallStatus status, String type, String message) {
            for (CallRunner r : runners) {
                if (r != null) {
                    r.cancel(status, type, message);
                }
            }
        }

        void finish() {
            finished = true;
            // A runner records before its callback gets the lock: take such records now, so no answer
            // is lost and its event still comes before anything that follows this round.
            for (int i = 0; i < runners.length; i++) {
                if (records[i] == null && runners[i] != null && runners[i].record() != null) {
                    records[i] = runners[i].record();
                    if (!done) {
                        emit(records[i].isOk() ? new FusionEvent.MemberAnswered(records[i])
                                : new FusionEvent.MemberFailed(records[i]));
                    }
                }
            }
            if (currentRound == this) {
                currentRound = null;
            }
            if (graceTimer != null) {
                graceTimer.dispose();
            }
            List<CallRecord> ok = new ArrayList<>();
            for (CallRecord r : records) {
                if (r != null && r.isOk()) {
                    ok.add(r);
                }
            }
            if (!done) {
                next.accept(ok);
            }
        }
    }

    /** The answers in the order a judge will see them, shuffled by the ask's seed (plus {@code salt}). */
    List<CallRecord> shuffle(List<CallRecord> answers, long salt) {
        List<CallRecord> shuffled = new ArrayList<>(answers);
        Collections.shuffle(shuffled, new Random(seed + salt));
        return shuffled;
    }

    // ---------------------------------------------------------------- judge chain

    /**
     * One judge call of a strategy, made through the judge chain: the current judge, then the
     * fallbacks in order (a judge that failed in an earlier step of this ask is not tried again).
     *
     * @param step        the call's purpose, recorded in its {@link CallRecord#step()}
     * @param messages    the conversation sent (after the fixed system prompt)
     * @param order       member ids in the order the judge sees the answers
     * @param final_      whether this call writes the final answer (only then are deltas streamed)
     * @param onOk        receives the successful record
     * @param onAllFailed runs when every remaining judge failed (usually {@link #degrade()})
     */
    record JudgeStep(dev.fusion.CallStep step, String system, List<ChatMessage> messages, List<String> order, boolean final_,
                     Consumer<CallRecord> onOk, Runnable onAllFailed, dev.fusion.model.ResponseFormat responseFormat) {

        /** A judge step whose reply is free text. */
        JudgeStep(dev.fusion.CallStep step, String system, List<ChatMessage> messages, List<String> order, boolean final_,
                  Consumer<CallRecord> onOk, Runnable onAllFailed) {
            this(step, system, messages, order, final_, onOk, onAllFailed, null);
        }

        /** This step, its successful record handed to {@code onOk} together with the step itself. */
        JudgeStep withOnOk(java.util.function.BiConsumer<JudgeStep, CallRecord> onOk) {
            JudgeStep[] self = new JudgeStep[1];
            self[0] = new JudgeStep(step, system, messages, order, final_, r -> onOk.accept(self[0], r), onAllFailed,
                    responseFormat);
            return self[0];
        }
    }

    /** Starts a judge step. Must be called under {@code lock}. */
    void judge(JudgeStep step) {
        if (done) {
            return;
        }
        if (answerOrder.isEmpty()) {
            answerOrder = List.copyOf(step.order());
        }
        if (judgeIndex >= s.judges().size()) {
            step.onAllFailed().run();
            return;
        }
        Duration left = deadline.minusNanos(System.nanoTime() - t0);
        if (left.isNegative() || left.isZero()) {
            // Recorded, so the failure names the judge and the cause instead of an empty judge list.
            Member late = s.judges().get(judgeIndex);
            CallRecord r = CallRunner.notStarted(late.id(), late.model().ref(), CallRole.JUDGE, s.priceBook(),
                    JUDGE_NOT_STARTED, 0, step.step().wireName());
            judgeRecords.add(r);
            notes.add("the ask deadline of " + deadline.toMillis() + " ms was reached before judge "
                    + late.id() + " could run (" + step.step().wireName() + ")");
            notifyFinished(r);
            emit(new FusionEvent.JudgeFailed(r));
            judgeIndex = s.judges().size();
            step.onAllFailed().run();
            return;
        }
        Member j = s.judges().get(judgeIndex);
        ModelRequest jr = ModelRequest.builder().system(step.system()).messages(step.messages())
                .maxOutputTokens(s.judgeMaxOutputTokens()).temperature(j.temperature()).seed(j.seed())
                .cacheSystemPrompt(s.cacheJudgePrompt()).responseFormat(step.responseFormat()).build();
        // Not clipped to the time left: the deadline timer ends a running judge and records why
        // (two timers firing at the same instant would make the recorded cause a coin toss).
        Duration timeout = j.timeout() != null ? j.timeout() : s.judgeTimeout();
        // All judge calls share one reservation. What earlier judge calls were billed is gone from it;
        // once anything was billed, a judge whose worst case no longer fits the rest is not run.
        BigDecimal judgeLeft = null;
        BigDecimal attemptWorst = null;
        if (bounded) {
            // What earlier judge calls were charged: a call with unknown or estimated usage counts at its worst case.
            judgeLeft = judgeReserved.subtract(judgeCharged);
            StringBuilder sent = new StringBuilder(step.system()).append('\n');
            step.messages().forEach(m -> sent.append(m.content()).append('\n'));
            attemptWorst = worstCase(j.model().ref(), s.estimator().estimate(j.model().ref(), sent.toString()),
                    s.judgeMaxOutputTokens());
            if (attemptWorst.compareTo(judgeLeft) > 0) {
                String reason = "skipped by the budget: worst case $" + attemptWorst.toPlainString() + " but only $"
                        + judgeLeft.max(BigDecimal.ZERO).toPlainString() + " left of the judges' reservation";
                CallRecord skipped = CallRunner.skipped(j.id(), j.model().ref(), CallRole.JUDGE, s.priceBook(), reason);
                judgeRecords.add(skipped);
                notes.add("judge " + j.id() + " " + reason + " (" + step.step().wireName() + ")");
                notifyFinished(skipped);
                emit(new FusionEvent.JudgeFailed(skipped));
                judgeIndex++;
                judge(step);
                return;
            }
        }
        boolean stream = streamJudge && step.final_();
        judgeStreamedChars = 0;
        emit(new FusionEvent.JudgeStarted(j.id(), j.model().ref(), step.order(), step.step().wireName()));
        CallRunner[] self = new CallRunner[1];
        currentJudge = self[0] = new CallRunner(new CallRunner.Spec(j.id(), j.model(), CallRole.JUDGE, jr,
                j.retry() != null ? j.retry() : s.judgeRetry(), timeout, stream, BigDecimal.ZERO, 0, step.step().wireName(),
                judgeLeft, attemptWorst, deadlineNanos()),
                s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(),
                stream ? text -> {
                    // Under the lock, and only for the judge still running: a delta racing a timeout must
                    // not land after JudgeFailed or in the fallback judge's text.
                    synchronized (lock) {
                        if (!done && currentJudge == self[0]) {
                            judgeStreamedChars += text.length();
                            emit(new FusionEvent.JudgeDelta(text));
                        }
                    }
                    drainUnlocked();
                } : null, r -> onJudgeDone(step, r, self[0]), this::notifier);
        if (callerRuns != null) {
            currentJudge.runOn(callerRuns);
        }
        currentJudge.start();
    }

    private void onJudgeDone(JudgeStep step, CallRecord r, CallRunner runner) {
        guarded(() -> onJudgeDoneLocked(step, r, runner));
    }

    private void onJudgeDoneLocked(JudgeStep step, CallRecord r, CallRunner runner) {
        synchronized (lock) {
            judgeRecords.add(r);
            judgeCharged = judgeCharged.add(runner.charged() != null ? runner.charged() : charged(r));
            if (done) {
                return;
            }
            currentJudge = null;
            if (r.isOk()) {
                step.onOk().accept(r);
                return;
            }
            emit(new FusionEvent.JudgeFailed(r));
            if (judgeStreamedChars > 0) {
                // Its text reached the subscriber but is not the answer: say so before a replacement streams.
                emit(new FusionEvent.JudgeTextDiscarded(r.memberId(), judgeStreamedChars));
                judgeStreamedChars = 0;
            }
            judgeIndex++;
            if (judgeIndex < s.judges().size()) {
                notes.add("judge " + r.memberId() + " " + r.status().wireName() + " (" + r.error()
                        + ") in step " + step.step().wireName() + "; falling back to " + s.judges().get(judgeIndex).id());
            }
            judge(step);
        }
    }

    /** The question as the judge is shown it: the panel's instructions and conversation. */
    String questionForJudge() {
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

    /**
     * The default judge step: the configured judge prompt over {@code answers} (panel order; they are
     * shuffled), streamed, its reply the final answer.
     */
    void synthesize(List<CallRecord> answers) {
        candidates = List.copyOf(answers);
        List<CallRecord> shuffled = shuffle(answers, 0);
        List<String> texts = shuffled.stream().map(CallRecord::text).toList();
        judge(new JudgeStep(dev.fusion.CallStep.SYNTHESIZE, s.judgePrompt().system(),
                List.of(ChatMessage.user(s.judgePrompt().render(questionForJudge(), texts))),
                shuffled.stream().map(CallRecord::memberId).toList(), true,
                null, this::degrade, req.responseFormat()).withOnOk(this::completeFinal));
    }

    /**
     * The judge's final answer of {@code step}. Without a schema it is the answer as it is; with one it
     * must be a schema-valid JSON value: an invalid reply is recorded as failed ({@code invalid_output},
     * billed) and the same judge is asked once more with the errors ({@code structured-retry}); a second
     * invalid reply ends in {@link #degrade()}.
     */
    void completeFinal(JudgeStep step, CallRecord r) {
        if (req.responseFormat() == null || req.responseFormat().schema() == null) {
            complete(r.text(), true);
            return;
        }
        dev.fusion.structured.StructuredSchema schema = dev.fusion.structured.StructuredSchema.of(req.responseFormat().schema());
        try {
            answerJson = schema.readAnswer(r.text());
        } catch (dev.fusion.structured.InvalidAnswerException e) {
            replaceJudgeRecord(r, invalidOutput(r, e));
            if (judgeStreamedChars > 0) {
                emit(new FusionEvent.JudgeTextDiscarded(r.memberId(), judgeStreamedChars));
                judgeStreamedChars = 0;
            }
            if (step.step() == dev.fusion.CallStep.STRUCTURED_RETRY) {
                notes.add("the judge's repaired answer still does not match the schema (" + e.getMessage() + ")");
                degrade();
                return;
            }
            notes.add("the judge's answer did not match the schema; asking " + r.memberId() + " once more with the errors");
            List<ChatMessage> turns = new ArrayList<>(step.messages());
            turns.add(ChatMessage.assistant(r.text() == null ? "" : r.text()));
            turns.add(ChatMessage.user(dev.fusion.structured.RepairPrompt.of(r.text(), e)));
            judge(new JudgeStep(dev.fusion.CallStep.STRUCTURED_RETRY, step.system(), turns, step.order(), step.final_(),
                    null, this::degrade, step.responseFormat()).withOnOk(this::completeFinal));
            return;
        }
        complete(r.text(), true);
    }

    /** The record of a call whose answer is not schema-valid: failed, kind {@code invalid_output}, still billed. */
    static CallRecord invalidOutput(CallRecord r, dev.fusion.structured.InvalidAnswerException e) {
        return new CallRecord(r.memberId(), r.model(), r.role(), CallStatus.FAILED, r.text(), r.usage(), r.cost(),
                r.startedAt(), r.latency(), r.timeToFirstToken(), r.queued(), r.attempts(), r.retryDelay(),
                r.finishReason(), dev.fusion.CallError.of(dev.fusion.structured.InvalidAnswerException.ERROR_KIND,
                e.getMessage()), r.round(), r.step(), r.usageQuality(), r.costFlags());
    }

    /** Every judge failed: the configured degradation over {@link #candidates}. */
    void degrade() {
        if (done) {
            return;
        }
        if (s.onJudgeFailure() == OnJudgeFailure.BEST_ANSWER && !candidates.isEmpty()) {
            CallRecord best = candidates.get(BestAnswer.pick(candidates));
            notes.add("every judge failed; returning the unjudged answer of " + best.memberId()
                    + " (the answer agreeing most with the others)");
            complete(best.text(), false);
        } else {
            fail(new JudgeFailedException(allRecords()));
        }
    }

    /**
     * Runs a callback body; an unexpected exception ends the ask with a typed failure carrying every
     * record (and cancels what still runs) instead of leaving the caller without a terminal signal.
     */
    void guarded(Runnable body) {
        try {
            guardedBody(body);
        } finally {
            drainUnlocked();
        }
    }

    private void guardedBody(Runnable body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            synchronized (lock) {
                if (done) {
                    log.warn("ignored after the ask ended: {}", e.toString());
                    return;
                }
                log.warn("ask failed on an unexpected error: {}", e.toString());
                for (Round r : rounds) {
                    r.cancelAll(CallStatus.CANCELLED, "cancelled", "the ask failed: " + e);
                }
                if (currentJudge != null) {
                    currentJudge.cancel(CallStatus.CANCELLED, "cancelled", "the ask failed: " + e);
                }
                fail(new dev.fusion.AskFailedException("the ask failed on an unexpected error: " + e, allRecords()));
            }
        }
    }

    void note(String note) {
        notes.add(note);
    }

    /** Emits a piece of the final answer as a judge delta (streamed asks only). */
    void emitDelta(String text) {
        if (streamJudge && !text.isEmpty()) {
            emit(new FusionEvent.JudgeDelta(text));
        }
    }

    /** The ask's deadline as a {@link System#nanoTime()} instant. */
    private long deadlineNanos() {
        return t0 + deadline.toNanos();
    }

    Duration timeLeft() {
        return deadline.minusNanos(System.nanoTime() - t0);
    }

    // ---------------------------------------------------------------- end

    private void onDeadline() {
        guarded(() -> {
            synchronized (lock) {
                if (done) {
                    return;
                }
                String msg = "ask deadline of " + deadline.toMillis() + " ms reached";
                if (currentRound != null && !currentRound.finished) {
                    Round r = currentRound;
                    r.cancelAll(CallStatus.TIMEOUT, "deadline", msg);
                    if (!r.finished) {
                        r.finish();
                    }
                } else if (currentJudge != null) {
                    currentJudge.cancel(CallStatus.TIMEOUT, "deadline", msg);
                } else if (pendingAsync != null) {
                    return; // an agreement check bounded by the same deadline is about to decide
                }
                if (!done && currentRound == null && currentJudge == null && pendingAsync == null) {
                    // Nothing runs and nothing will: end the ask rather than leave the caller waiting.
                    fail(new dev.fusion.AskFailedException("the " + msg + " with no call running", allRecords()));
                }
            }
        });
    }

    private void abort() {
        synchronized (lock) {
            if (done) {
                return;
            }
            done = true;
            for (Round r : rounds) {
                r.cancelAll(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
            }
            if (currentJudge != null) {
                currentJudge.cancel(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
            }
            if (pendingAsync != null) {
                pendingAsync.dispose();
            }
        }
    }

    private void cleanup() {
        synchronized (lock) {
            if (deadlineTimer != null) {
                deadlineTimer.dispose();
            }
            for (Round r : rounds) {
                if (r.graceTimer != null) {
                    r.graceTimer.dispose();
                }
            }
            if (pendingAsync != null) {
                pendingAsync.dispose();
            }
            if (!unsettledReleased) {
                unsettledReleased = true;
                s.spendLedger().settle(unsettled.max(BigDecimal.ZERO), BigDecimal.ZERO);
            }
        }
    }

    private List<CallRecord> panelRecords() {
        List<CallRecord> all = new ArrayList<>();
        for (Round round : rounds) {
            for (CallRecord r : round.records) {
                if (r != null) {
                    all.add(r);
                }
            }
        }
        return all;
    }

    /**
     * Puts {@code replacement} where {@code old} (the same instance) stands in a panel round, e.g. an
     * answer that turned out not to be schema-valid becoming a failed record of kind {@code invalid_output}.
     */
    void replacePanelRecord(CallRecord old, CallRecord replacement) {
        for (Round round : rounds) {
            for (int i = 0; i < round.records.length; i++) {
                if (round.records[i] == old) {
                    round.records[i] = replacement;
                    return;
                }
            }
        }
        throw new IllegalStateException("no such panel record: " + old);
    }

    /** As {@link #replacePanelRecord}, for a judge call. */
    void replaceJudgeRecord(CallRecord old, CallRecord replacement) {
        int i = judgeRecords.indexOf(old);
        if (i < 0) {
            throw new IllegalStateException("no such judge record: " + old);
        }
        judgeRecords.set(i, replacement);
    }

    List<CallRecord> allRecords() {
        List<CallRecord> all = panelRecords();
        all.addAll(judgeRecords);
        return all;
    }

    void complete(String answer, boolean judged) {
        if (done) {
            return;
        }
        done = true;
        com.fasterxml.jackson.databind.JsonNode json = answerJson;
        if (json == null && req.responseFormat() != null && req.responseFormat().schema() != null) {
            try {
                json = dev.fusion.structured.StructuredSchema.of(req.responseFormat().schema()).readAnswer(answer);
            } catch (dev.fusion.structured.InvalidAnswerException e) {
                notes.add("the answer is not valid against the request's schema (" + e.getMessage() + "); json() is empty");
            }
        }
        notes.addAll(CostNotes.of(allRecords(), bounded));
        FusionResult result = new FusionResult(answer, judged, s.strategy().name(), panelRecords(), judgeRecords,
                answerOrder, seed, Duration.ofNanos(System.nanoTime() - t0), budget, notes,
                Optional.ofNullable(analysis), Optional.ofNullable(ranking), Optional.ofNullable(cascade),
                Optional.ofNullable(json), agreement);
        log.debug("ask done: strategy={} judged={} calls={} costUsd={} wallMs={}", result.strategy(), judged,
                result.calls().size(), result.totalCostUsd().toPlainString(), result.wallTime().toMillis());
        emit(new FusionEvent.Completed(result));
        outbox.post(sink::complete);
    }

    void fail(FusionException e) {
        if (done) {
            return;
        }
        done = true;
        log.debug("ask failed: {}", e.getMessage());
        outbox.post(() -> sink.error(e));
    }

    boolean isDone() {
        return done;
    }
}
