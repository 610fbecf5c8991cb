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
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One ask. The engine owns what every strategy shares: budget planning and reservations, panel
 * rounds (concurrent fan-out, quorum with straggler grace), the judge chain (fallback judges,
 * timeouts clipped to the deadline, degradation), the ask deadline, cancellation, events and the
 * result. What happens between the panel and the result is decided by a {@link Flow}, one per
 * strategy ({@link StrategyRegistry}), which talks to the engine only through its
 * {@link StrategyContext} ({@link AskRunContext}): it never sees this object, its lock or its fields.
 *
 * <h2>The pipeline</h2>
 * {@link #pipeline()} lists it in one method:
 * <ol>
 *   <li>{@link AskSettings#of}: the effective settings, worked out once (pure), and {@link #validate}:
 *       the request checked against the panel (pure), before subscription;</li>
 *   <li>the plan: reservations, skipped members and the budget verdict ({@link BudgetPlan}, pure;
 *       {@code Fusion.plan} shows the same), then the reservation in the spend ledger;</li>
 *   <li>{@link #panelRound}: a panel round ({@link PanelRound}: fan-out, quorum, grace), a {@code Mono}
 *       of its successful records;</li>
 *   <li>{@link #strategy}: the strategy's flow, from round 1's answers to a {@link FlowOutcome}; its judge
 *       steps go through the {@link JudgeChain} (fallback judges, deadline, the judge reservation);</li>
 *   <li>the judge-failure policy ({@code onJudgeFailure}) when every judge failed;</li>
 *   <li>the result: the ledger's figures into {@link CostNotes} and the {@code FusionResult}.</li>
 * </ol>
 *
 * <p>All mutable state is guarded by {@code lock}; flows and stage bodies only run under it. No thread
 * ever blocks on anything but that short monitor. No user code runs under it either: events and
 * listener calls are queued in a {@link SerialOutbox} while the lock is held and delivered, in that
 * order and one at a time, after it is released, so a slow consumer or a consumer that asks again
 * holds up only the thread delivering to it.
 */
public final class AskRun {

    private static final Logger log = LoggerFactory.getLogger(AskRun.class);
    /** The error message of a judge the deadline left no time to start. */
    static final String JUDGE_NOT_STARTED = "deadline reached before the judge started; raise --timeout / deadlineMs";

    final Settings s;
    final FusionRequest req;
    final boolean streamJudge;
    private final FluxSink<FusionEvent> sink;
    /** The thread waiting in a blocking ask, which runs one panel call per round and the judge calls; or null. */
    final CallerRuns callerRuns;
    final Flow flow;
    /** When the ask started, for its wall time (a measurement: the real clock). */
    private final long t0 = System.nanoTime();
    /**
     * When the ask started on the scheduler's clock ({@link #ticks()}): the deadline timer runs on it,
     * so what is left of the deadline is worked out on it too (in virtual time under a virtual scheduler).
     */
    private final long startTick;
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

    private final List<PanelRound> rounds = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private boolean done;
    private PanelRound currentRound;
    /** Something asynchronous the flow waits for ({@link #await}: an agreement rule); disposed on cancel. */
    private Disposable pendingAsync;
    private Disposable deadlineTimer;
    /** The judge chain: every judge call of the ask. */
    private final JudgeChain judges = new JudgeChain(this);

    private final CallRecord[] skippedMembers;
    /** Reserved in the spend ledger but not handed to a call yet; released when the ask ends. */
    private BigDecimal unsettled = BigDecimal.ZERO;
    /** Whether a budget or spend cap bounds this ask (then every call has a spending limit). */
    private boolean bounded;
    private boolean unsettledReleased;

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
        this.startTick = ticks();
        this.flow = req.hasTools() ? new ToolStepFlow(new AskRunContext(this))
                : StrategyRegistry.flow(s.strategy(), new AskRunContext(this));
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
        pipeline().subscribe(this::onResult, this::onFailure);
    }

    /** The request's overrides checked against the panel: a typed error before any call, or null. */
    private FusionException validate() {
        if (quorum > s.panel().size()) {
            return new dev.fusion.InvalidConfigurationException("quorum " + quorum + " is larger than the panel ("
                    + s.panel().size() + " members); lower the quorum or add members");
        }
        FusionException refused = flow.checkRequest();
        if (refused != null) {
            return refused;
        }
        FusionException unfit = checkWire();
        if (unfit != null) {
            return unfit;
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
     * Each panel member's (and flagship's) request as it will be sent, checked by its model
     * ({@link dev.fusion.model.ChatModel#validate}): a reasoning setting its provider cannot express
     * (a token budget where only effort levels are accepted), images for a text-only provider, an
     * extra body field colliding with one Fusion sets. A typed error naming the member, before any call.
     */
    private FusionException checkWire() {
        List<Member> all = new ArrayList<>(s.panel());
        all.addAll(flow.flagships());
        for (Member m : all) {
            ModelRequest request = memberRequest(m, req.messages());
            try {
                m.model().validate(request);
            } catch (dev.fusion.InvalidConfigurationException e) {
                return new dev.fusion.InvalidConfigurationException("panel member '" + m.id() + "' cannot take this"
                        + " request: " + e.getMessage() + reasoningSource(m, request), e);
            }
        }
        return null;
    }

    /** Where to change the reasoning setting, when it is what the member's model refuses; else empty. */
    private String reasoningSource(Member m, ModelRequest request) {
        if (request.reasoning() == null) {
            return "";
        }
        try {
            m.model().validate(request.toBuilder().reasoning(null).build());
        } catch (dev.fusion.InvalidConfigurationException other) {
            return ""; // something else is wrong too: the message names it
        }
        return m.reasoning() != null
                ? " (the setting is the member's own: Member.withReasoning, or reasoning: under its panel entry in the config)"
                : " (the setting is the request's: FusionRequest.Builder reasoning/reasoningTokens, CLI --reasoning;"
                + " give this member an effort level of its own with Member.withReasoning(Effort) or reasoning: under its"
                + " panel entry in the config)";
    }

    /**
     * The whole ask, stage after stage, the way OkHttp's {@code RealCall.getResponseWithInterceptorChain}
     * lists its interceptors. Each stage is a small step with inputs and outputs: the plan is pure
     * ({@link BudgetPlan}, the same one {@code Fusion.plan} shows), a panel round yields its records, the
     * strategy's {@link Flow} turns them into a {@link FlowOutcome} (running later rounds through
     * {@link #runRound} and its judge steps through the {@link JudgeChain}), the judge-failure
     * policy applies when every judge failed, and the result is assembled from the ledger's figures.
     * Nothing starts before subscription; a stage that finds the ask ended (cancelled, deadline) stops
     * the chain. Every stage body runs under {@code lock}; events are delivered after it is released.
     */
    private Mono<FusionResult> pipeline() {
        return budget()                                                // 1. the plan (reservations, skipped members), reserved
                .flatMap(plan -> panelRound(firstRound(plan))          // 2. panel round 1: its successful records
                        .flatMap(this::requireQuorum)                  //    ... or QuorumNotMetException
                        .flatMap(answers -> strategy(plan, answers))) // 3. the strategy's flow (judge steps: JudgeChain)
                .onErrorResume(Flow.JudgesExhausted.class, this::onJudgeFailure) // 4. every judge failed: the policy
                .flatMap(this::assemble);                              // 5. the ledger's figures and the FusionResult
    }

    /** Runs {@code body} under the lock, then delivers what it queued (unless an outer caller holds the lock). */
    void locked(Runnable body) {
        try {
            synchronized (lock) {
                body.run();
            }
        } finally {
            drainUnlocked();
        }
    }

    /** As {@link #locked(Runnable)}, for a stage that returns what comes next. */
    private <T> Mono<T> lockedStage(java.util.function.Supplier<Mono<T>> body) {
        return Mono.defer(() -> {
            try {
                synchronized (lock) {
                    return done ? Mono.<T>empty() : body.get();
                }
            } finally {
                drainUnlocked();
            }
        });
    }

    /**
     * Stage 3: the strategy's {@link Flow}, from round 1's answers (panel order, quorum met) to its
     * {@link FlowOutcome}, within the plan's reservations; started under the lock (every later step of the
     * flow runs in a callback that holds it too). Errors with a typed {@code FusionException}, or with
     * {@link Flow.JudgesExhausted} when every judge failed.
     */
    private Mono<FlowOutcome> strategy(BudgetPlan plan, List<CallRecord> answers) {
        return Mono.create(out -> locked(() -> {
            if (!done) {
                flow.start(plan, answers, out);
            }
        }));
    }

    /**
     * What a flow waits for asynchronously ({@link StrategyContext#await}): {@code source} bounded by what is
     * left of the deadline; {@code then} runs once, guarded and under the lock, unless the ask ended first.
     * Until then the deadline leaves the ask to it, and a cancel disposes of it. Called under the lock.
     */
    <T> void await(java.util.function.Supplier<Mono<T>> source, java.util.function.BiConsumer<T, Throwable> then) {
        Duration left = timeLeft();
        if (left.isNegative() || left.isZero()) {
            then.accept(null, new java.util.concurrent.TimeoutException("the ask deadline was reached"));
            return;
        }
        // Once only: Reactor routes an exception thrown by the value's callback to the error consumer,
        // which must not run the callback a second time on top of it.
        java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        Disposable d = source.get().timeout(left, s.scheduler()).subscribe(v -> {
            if (settled.compareAndSet(false, true)) {
                guarded(() -> awaited(then, v, null));
            }
        }, e -> {
            if (settled.compareAndSet(false, true)) {
                guarded(() -> awaited(then, null, e));
            }
        });
        if (!settled.get()) {
            pendingAsync = d; // a source that answered synchronously has already been handled
        }
    }

    private <T> void awaited(java.util.function.BiConsumer<T, Throwable> then, T value, Throwable error) {
        synchronized (lock) {
            if (done) {
                return;
            }
            pendingAsync = null;
            then.accept(value, error);
        }
    }

    /**
     * Stage 1: the budget plan, its worst case reserved in the spend ledger. Under a cap the plan made
     * against the whole cap is tried first: when it skips nothing, the plan against what is left would be
     * the same one if it fits, so one {@code reserveOrRemaining} step replaces reading the cap and then
     * reserving (one round trip instead of two when the cap lives in a shared store). When it does not
     * fit, the ask plans against what the store reported left, as if it had read it first.
     */
    private Mono<BudgetPlan> budget() {
        BigDecimal cap = s.spendLedger().cap();
        if (cap == null) {
            return capLeft().flatMap(this::plan).flatMap(this::reserve);
        }
        return lockedStage(() -> Mono.just(budgetPlan(cap))).flatMap(full -> {
            if (full.limit() == null || full.exceeded() != null || !full.notes().isEmpty()
                    || !Arrays.stream(full.skippedMembers()).allMatch(java.util.Objects::isNull)) {
                return capLeft().flatMap(this::plan).flatMap(this::reserve);
            }
            return s.spendLedger().reserveOrRemainingAsync(full.total())
                    .onErrorMap(e -> !(e instanceof FusionException), AskRun::ledgerFailure)
                    .flatMap(o -> o.granted() ? reservedWhole(full)
                            : plan(Optional.ofNullable(o.remainingUsd())).flatMap(this::reserve));
        });
    }

    /** The whole-cap plan was reserved: it applies (unless the ask ended meanwhile: then it is given back). */
    private Mono<BudgetPlan> reservedWhole(BudgetPlan full) {
        Mono<BudgetPlan> applied = this.<BudgetPlan>lockedStage(() -> {
            s.spendLedger().degradedNote().ifPresent(notes::add);
            apply(full);
            return Mono.just(full);
        });
        return applied.map(this::bind)
                .switchIfEmpty(Mono.<BudgetPlan>fromRunnable(() -> s.spendLedger().settle(full.total(), BigDecimal.ZERO)));
    }

    /** What is left under the spend cap (null: no cap). The cap may live in a shared store: asynchronous. */
    private Mono<Optional<BigDecimal>> capLeft() {
        return s.spendLedger().remainingAsync().map(Optional::of).defaultIfEmpty(Optional.empty())
                .onErrorMap(e -> !(e instanceof FusionException), AskRun::ledgerFailure);
    }

    private static FusionException ledgerFailure(Throwable e) {
        return new FusionException("the spend cap's store failed: " + e, e);
    }

    /** Stage 1: the budget plan against what the cap has left; skipped members are reported now. */
    private Mono<BudgetPlan> plan(Optional<BigDecimal> capLeft) {
        return lockedStage(() -> {
            s.spendLedger().degradedNote().ifPresent(notes::add);
            BudgetPlan plan = budgetPlan(capLeft.orElse(null));
            apply(plan);
            return plan.exceeded() != null ? Mono.error(plan.exceeded()) : Mono.just(plan);
        });
    }

    /** Stage 1, continued: the plan's worst case reserved in the spend ledger (when a budget or cap bounds the ask). */
    private Mono<BudgetPlan> reserve(BudgetPlan plan) {
        if (plan.limit() == null) {
            return Mono.just(plan);
        }
        return s.spendLedger().reserveAsync(plan.total())
                .onErrorMap(e -> !(e instanceof FusionException), AskRun::ledgerFailure)
                .flatMap(ok -> {
                    try {
                        synchronized (lock) {
                            if (ok && done) {
                                s.spendLedger().settle(plan.total(), BigDecimal.ZERO); // cancelled meanwhile: give it all back
                                return Mono.<BudgetPlan>empty();
                            }
                            if (!ok) {
                                return Mono.<BudgetPlan>error(new BudgetExceededException("the spend cap has no room left"
                                        + " for this ask (worst case $" + plan.total().toPlainString() + ")",
                                        plan.limit(), plan.total()));
                            }
                            return Mono.just(bind(plan));
                        }
                    } finally {
                        drainUnlocked();
                    }
                });
    }

    /** The reserved plan bounds the ask: what later rounds and the judge may still use of it. Under the lock. */
    private BudgetPlan bind(BudgetPlan plan) {
        synchronized (lock) {
            unsettled = plan.total().subtract(plan.firstRound());
            judges.bound(plan.judgeWorst());
            bounded = true;
        }
        return plan;
    }

    /** One panel round as the pipeline sees it: who runs, with which request and reservation. */
    record RoundSpec(int number, dev.fusion.CallStep step, List<Member> members, List<ModelRequest> requests,
                     BigDecimal[] reservations, CallRecord[] preRecords, int quorum) {
    }

    /** Round 1: every panel member the plan admitted, with the ask's conversation; the deadline starts. */
    private RoundSpec firstRound(BudgetPlan plan) {
        List<Member> members = s.panel();
        List<ModelRequest> requests = new ArrayList<>();
        BigDecimal[] res = new BigDecimal[members.size()];
        for (int i = 0; i < members.size(); i++) {
            requests.add(memberRequest(members.get(i), req.messages()));
            res[i] = plan.memberReservations()[i] == null ? null : plan.memberReservations()[i][0];
        }
        return new RoundSpec(1, dev.fusion.CallStep.ANSWER, members, requests, res, skippedMembers, quorum);
    }

    /**
     * Stage 2: a panel round, its successful records in member order once it ends (quorum with grace,
     * the deadline), whether or not its quorum was met. Round 1 also starts the ask's deadline.
     */
    Mono<List<CallRecord>> panelRound(RoundSpec spec) {
        return Mono.create(out -> locked(() -> {
            if (done) {
                return;
            }
            if (spec.number() == 1) {
                deadlineTimer = s.scheduler().schedule(this::onDeadline, deadline.toNanos(), TimeUnit.NANOSECONDS);
            }
            runRound(spec.number(), spec.step(), spec.members(), spec.requests(), spec.reservations(),
                    spec.preRecords(), spec.quorum(), out::success);
        }));
    }

    /** Round 1's answers, or {@code QuorumNotMetException} when fewer than the quorum answered. */
    private Mono<List<CallRecord>> requireQuorum(List<CallRecord> ok) {
        return ok.size() < quorum
                ? Mono.error(new dev.fusion.QuorumNotMetException(quorum, ok.size(), allRecords()))
                : Mono.just(ok);
    }

    /** The request for one member: the conversation, this ask's output limit, the member's sampling settings. */
    ModelRequest memberRequest(Member m, List<ChatMessage> messages) {
        return ModelRequest.builder().system(req.system()).messages(messages).maxOutputTokens(maxOut)
                .temperature(eff.temperature(m))
                .seed(m.seed()).responseFormat(req.responseFormat())
                .reasoning(m.reasoning() != null ? m.reasoning() : req.reasoning()).extraBody(m.extraBody())
                .tools(req.tools()).toolChoice(req.toolChoice()).build();
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
    void notifier(Runnable task) {
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
    BigDecimal takeReservation(BigDecimal amount) {
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
        PanelRound round = new PanelRound(this, number, members, roundQuorum, grace, next);
        rounds.add(round);
        currentRound = round;
        round.start(step, requests, reservations, preRecords);
    }

    /** {@code round} ended: it is no longer the one the deadline cancels. */
    void roundEnded(PanelRound round) {
        if (currentRound == round) {
            currentRound = null;
        }
    }

    // ---------------------------------------------------------------- judge chain

    /** Starts a judge step through the judge chain. Must be called under {@code lock}. */
    void judge(JudgeStep step) {
        judges.call(step);
    }

    /** The running judge's streamed text is not the answer: tells stream consumers to discard it (if any was streamed). */
    void discardJudgeText(String memberId) {
        judges.discardText(memberId);
    }

    /**
     * Stage 4: every judge failed: the configured {@link OnJudgeFailure} policy over the flow's candidates
     * (the unjudged answer agreeing most with the others), or {@code JudgeFailedException}.
     */
    private Mono<FlowOutcome> onJudgeFailure(Flow.JudgesExhausted e) {
        return lockedStage(() -> {
            List<CallRecord> candidates = e.partial().candidates();
            if (s.onJudgeFailure() == OnJudgeFailure.BEST_ANSWER && !candidates.isEmpty()) {
                CallRecord best = candidates.get(BestAnswer.pick(candidates));
                notes.add("every judge failed; returning the unjudged answer of " + best.memberId()
                        + " (the answer agreeing most with the others)");
                return Mono.just(e.partial().withAnswer(best.text(), false));
            }
            return Mono.error(new JudgeFailedException(allRecords()));
        });
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
            failUnexpected(e);
        }
    }

    /** An unexpected exception ends the ask with a typed failure carrying every record, cancelling what still runs. */
    private void failUnexpected(Throwable e) {
        synchronized (lock) {
            if (done) {
                log.warn("ignored after the ask ended: {}", e.toString());
                return;
            }
            log.warn("ask failed on an unexpected error: {}", e.toString());
            for (PanelRound r : rounds) {
                r.cancelAll(CallStatus.CANCELLED, "cancelled", "the ask failed: " + e);
            }
            judges.cancel(CallStatus.CANCELLED, "cancelled", "the ask failed: " + e);
            fail(new dev.fusion.AskFailedException("the ask failed on an unexpected error: " + e, allRecords()));
        }
    }

    /** The pipeline's end: a typed failure, or an unexpected exception. */
    private void onFailure(Throwable e) {
        try {
            if (e instanceof FusionException f) {
                synchronized (lock) {
                    fail(f);
                }
            } else {
                failUnexpected(e);
            }
        } finally {
            drainUnlocked();
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

    /** Whether a budget or spend cap bounds this ask (then every call has a spending limit). */
    boolean isBounded() {
        return bounded;
    }

    /** Now on the scheduler's clock, in nanoseconds: the time the deadline, grace and call timeouts run on. */
    private long ticks() {
        return s.scheduler().now(TimeUnit.NANOSECONDS);
    }

    /** The ask's deadline as an instant of the scheduler's clock ({@link #ticks()}). */
    long deadlineNanos() {
        return startTick + deadline.toNanos();
    }

    /** The ask's deadline in milliseconds, for messages. */
    long deadlineMillis() {
        return deadline.toMillis();
    }

    /** What is left of the ask's deadline, on the scheduler's clock. */
    Duration timeLeft() {
        return deadline.minusNanos(ticks() - startTick);
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
                    PanelRound r = currentRound;
                    r.cancelAll(CallStatus.TIMEOUT, "deadline", msg);
                    if (!r.finished) {
                        r.finish();
                    }
                } else if (judges.running()) {
                    judges.cancel(CallStatus.TIMEOUT, "deadline", msg);
                } else if (pendingAsync != null) {
                    return; // an agreement check bounded by the same deadline is about to decide
                }
                if (!done && currentRound == null && !judges.running() && pendingAsync == null) {
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
            for (PanelRound r : rounds) {
                r.cancelAll(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
            }
            judges.cancel(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
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
            for (PanelRound r : rounds) {
                r.disposeGrace();
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
        for (PanelRound round : rounds) {
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
        for (PanelRound round : rounds) {
            for (int i = 0; i < round.records.length; i++) {
                if (round.records[i] == old) {
                    round.records[i] = replacement;
                    if (old.isOk() && !replacement.isOk() && !done) {
                        // MemberAnswered went out for it: the stream learns it failed after all (see FusionEvent).
                        emit(new FusionEvent.MemberFailed(replacement));
                    }
                    return;
                }
            }
        }
        throw new IllegalStateException("no such panel record: " + old);
    }

    /**
     * As {@link #replacePanelRecord}, for a judge call: a judge answer that turns out unusable is
     * reported as {@link FusionEvent.JudgeFailed}, as any failed judge call is.
     */
    void replaceJudgeRecord(CallRecord old, CallRecord replacement) {
        judges.replace(old, replacement);
        if (old.isOk() && !replacement.isOk() && !done) {
            emit(new FusionEvent.JudgeFailed(replacement));
        }
    }

    List<CallRecord> allRecords() {
        List<CallRecord> all = panelRecords();
        all.addAll(judges.records());
        return all;
    }

    /** Stage 5: the ledger's figures into notes, and the result (empty when the ask already ended). */
    private Mono<FusionResult> assemble(FlowOutcome outcome) {
        return lockedStage(() -> {
            com.fasterxml.jackson.databind.JsonNode json = outcome.answerJson();
            if (json == null && req.responseFormat() != null && req.responseFormat().schema() != null) {
                try {
                    json = dev.fusion.structured.StructuredSchema.of(req.responseFormat().schema()).readAnswer(outcome.answer());
                } catch (dev.fusion.structured.InvalidAnswerException e) {
                    notes.add("the answer is not valid against the request's schema (" + e.getMessage() + "); json() is empty");
                }
            }
            notes.addAll(CostNotes.of(allRecords(), bounded));
            return Mono.just(new FusionResult(outcome.answer(), outcome.judged(), s.strategy().name(), panelRecords(),
                    judges.records(), judges.answerOrder(), seed, Duration.ofNanos(System.nanoTime() - t0), budget, notes,
                    Optional.ofNullable(outcome.analysis()), Optional.ofNullable(outcome.ranking()),
                    Optional.ofNullable(outcome.cascade()), Optional.ofNullable(json), outcome.agreement(),
                    outcome.toolCalls(), Optional.ofNullable(outcome.decidedBy())));
        });
    }

    /** The pipeline's end: the result, as the last event. */
    private void onResult(FusionResult result) {
        locked(() -> {
            if (done) {
                return;
            }
            done = true;
            log.debug("ask done: strategy={} judged={} calls={} costUsd={} wallMs={}", result.strategy(), result.judged(),
                    result.calls().size(), result.totalCostUsd().toPlainString(), result.wallTime().toMillis());
            emit(new FusionEvent.Completed(result));
            outbox.post(sink::complete);
        });
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
