package dev.fusion.internal;

import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.JudgeFailedException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
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
import java.util.function.Supplier;

/**
 * One ask, as a coordinator of stages. {@link #pipeline()} lists every stage of the ask in one method,
 * the way OkHttp's {@code RealCall.getResponseWithInterceptorChain} lists its interceptors; each stage is
 * a small step with inputs and outputs, and the parts it coordinates see the ask only through ports:
 * <ul>
 *   <li>{@link AskState} ({@link AskPort}): the lock, events and listener calls, notes, the clock and
 *       deadline, the reservation not yet handed out; panel rounds and the judge chain see only the port;</li>
 *   <li>{@link BudgetPlan}: the plan, a pure function ({@code Fusion.plan} shows the same);</li>
 *   <li>{@link PanelRound}: one panel round (fan-out, quorum, grace), owning its records;</li>
 *   <li>{@link JudgeChain}: one judge step over the judges (fallbacks, the judge reservation);</li>
 *   <li>{@link Flow}: the strategy, which only chooses its next {@link FlowStep} through its
 *       {@link StrategyContext} ({@link AskRunContext}); the pipeline runs the step as a stage.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by the ask's lock; flows and stage bodies only run under it. A stage
 * subscribes to what it starts before releasing the lock, so nothing can observe the ask between two
 * stages. No user code runs under the lock: events and listener calls are queued and delivered after it is
 * released, in order, on the library's event thread when the ask has user code to deliver to.
 */
public final class AskRun {

    private static final Logger log = LoggerFactory.getLogger(AskRun.class);

    private final Settings s;
    private final FusionRequest req;
    private final FluxSink<FusionEvent> sink;
    /** The ask's effective settings (member, then request, then Fusion default), worked out once. */
    private final AskSettings eff;
    /** What every stage shares, behind the port rounds and judges see. */
    private final AskState st;
    private final JudgeChain judges;
    private final AskRecords records;
    private final AskRunContext ctx;
    private final Flow flow;
    /** When the ask started, for its wall time (a measurement: the real clock). */
    private final long t0 = System.nanoTime();
    /** Something asynchronous the ask waits for (an agreement rule, a check of a model's output); disposed on cancel. */
    private final BoundedWait pendingAsync = new BoundedWait();
    private Disposable deadlineTimer;
    /** What bounds the ask once its plan is reserved (its budget, or what was left under the cap); null: unbounded. */
    private BigDecimal limit;

    /** @param sink null for a plan only ({@link #plan(Settings, FusionRequest, BigDecimal)}), which never runs */
    private AskRun(Settings s, FusionRequest req, boolean streamJudge, FluxSink<FusionEvent> sink) {
        this.s = s;
        this.req = req;
        this.sink = sink;
        this.eff = AskSettings.of(s, req);
        this.st = new AskState(s, eff, streamJudge, sink);
        this.judges = new JudgeChain(st);
        this.records = new AskRecords(st, judges);
        this.ctx = new AskRunContext(st, req, records);
        this.flow = req.hasTools() ? new ToolStepFlow(ctx) : StrategyRegistry.flow(s.strategy(), ctx);
        st.onUnexpected(this::failUnexpected);
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
        return run.budgetPlan(capLeft).toPublic(s.strategy().name(), s.panel(), run.flow.flagships(), run.eff.quorum());
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
            st.drainUnlocked();
        });
        sink.onDispose(() -> {
            cleanup();
            st.drainUnlocked();
        });
        pipeline().subscribe(this::onResult, this::onFailure);
    }

    /** The request checked against the panel and the strategy (pure): a typed error before any call, or null. */
    private FusionException validate() {
        return AskChecks.validate(s, req, eff.quorum(), flow, ctx);
    }

    /**
     * The whole ask, stage after stage. Nothing starts before subscription; a stage that finds the ask
     * ended (cancelled, deadline) stops the chain. Every stage body runs under the ask's lock; events are
     * delivered after it is released.
     */
    private Mono<FusionResult> pipeline() {
        return budget()                                                    // 1. the plan (BudgetPlan, pure), reserved
                .flatMap(plan -> panelRound(firstRound(plan))              // 2. panel round 1: its successful records
                        .flatMap(this::requireQuorum)                      //    ... or QuorumNotMetException
                        .flatMap(this::readAnswers)                        //    read against the schema, off the lock
                        .flatMap(answers -> decide(() -> flow.start(plan, answers)))) // 3. the strategy's first step
                .flatMap(this::steps)                                      // 4. its steps: later rounds, judge steps, waits
                .onErrorResume(Flow.JudgesExhausted.class, this::onJudgeFailure) // 5. every judge failed: the policy
                .flatMap(this::readFinal)                                  // 6. an unread answer read, off the lock
                .flatMap(this::assemble);                                  //    the ledger's figures and the FusionResult
    }

    /**
     * Stage 4: the flow's steps, one after another, each run as a stage, its result handed to the step's
     * continuation, which chooses the next; until the flow is done or fails.
     */
    private Mono<FlowOutcome> steps(FlowStep step) {
        if ((step instanceof FlowStep.Round || step instanceof FlowStep.Judge)) {
            Mono<FlowOutcome> stop = spentPastLimit();                    // no paid call past the budget
            if (stop != null) {
                return stop;
            }
        }
        if (step instanceof FlowStep.Round round) {                       // a later panel round
            return panelRound(round).flatMap(this::readAnswers).flatMap(ok -> decide(() -> round.then().accept(ok)))
                    .flatMap(this::steps);
        }
        if (step instanceof FlowStep.Judge judge) {                       // a judge step: the judge chain
            JudgeStep j = judge.step();
            return lockedStage(() -> judges.run(j))
                    .flatMap(r -> decide(() -> r.ifPresentOrElse(j.onOk(), j.onAllFailed())))
                    .flatMap(this::steps);
        }
        if (step instanceof FlowStep.Await<?> wait) {                     // an agreement rule's verdict
            return awaited(wait).flatMap(this::steps);
        }
        if (step instanceof FlowStep.Done done) {
            return Mono.just(done.outcome());
        }
        return Mono.error(((FlowStep.Failed) step).error());
    }

    /**
     * Whether what the calls so far were charged (the higher of computed and reported cost) already passed
     * what bounds the ask: then no further paid call starts, and the ask ends with
     * {@code AskFailedException} carrying every record and saying why; else null. Under the lock.
     */
    private Mono<FlowOutcome> spentPastLimit() {
        if (limit == null) {
            return null;
        }
        List<CallRecord> all = records.all();
        BigDecimal spent = all.stream().map(BudgetPlan::charged).reduce(BigDecimal.ZERO, BigDecimal::add);
        if (spent.compareTo(limit) <= 0) {
            return null;
        }
        String why = "the calls so far were charged $" + spent.toPlainString() + ", past the limit of $"
                + limit.toPlainString() + " (a provider reported more than its price allows for); no further paid"
                + " call was started";
        st.note(why);
        List<String> costs = CostNotes.of(all, st.bounded());
        // Not BudgetExceededException: that one means "refused before any call" (nothing spent).
        return Mono.error(new dev.fusion.AskFailedException(costs.isEmpty() ? why : why + ". " + String.join("; ", costs),
                all));
    }

    /** Runs one call of the flow under the lock: the step it chose. */
    private Mono<FlowStep> decide(Runnable flowCall) {
        return lockedStage(() -> {
            flowCall.run();
            return Mono.just(ctx.takeStep());
        });
    }

    /** A stage of the ask's own: empty once the ask ended (see {@link AskPort#stage}). */
    private <T> Mono<T> lockedStage(Supplier<Mono<T>> body) {
        return st.stage(() -> st.isDone() ? Mono.<T>empty() : body.get());
    }

    /**
     * What a flow waits for asynchronously: the step's source bounded by what is left of the deadline; its
     * continuation runs once, under the lock, unless the ask ended first.
     */
    private <T> Mono<FlowStep> awaited(FlowStep.Await<T> wait) {
        return offLock(wait.source(), r -> {
            wait.then().accept(r.value(), r.error());
            return Mono.just(ctx.takeStep());
        });
    }

    /**
     * {@code source} (an asynchronous wait, a check on {@link AnswerChecks}' threads) bounded by what is left of
     * the deadline ({@link BoundedWait}); {@code then} takes how it settled, under the lock, unless the ask ended.
     */
    private <T, R> Mono<R> offLock(Supplier<Mono<T>> source,
                                   java.util.function.Function<BoundedWait.Settled<T>, Mono<R>> then) {
        return lockedStage(() -> pendingAsync.start(source, st.timeLeft(), s.scheduler())).flatMap(r -> lockedStage(() -> {
            pendingAsync.settled();
            return then.apply(r);
        }));
    }

    // ---------------------------------------------------------------- stage 1: the plan

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

    private BudgetPlan budgetPlan(BigDecimal capLeft) {
        return BudgetPlan.of(s.panel(), s.priceBook(), s.strategy().name(), flow, eff.budgetUsd(), capLeft, eff.quorum(), eff.maxOutputTokens());
    }

    /** The whole-cap plan was reserved: it applies (unless the ask ended meanwhile: then it is given back). */
    private Mono<BudgetPlan> reservedWhole(BudgetPlan full) {
        return this.<BudgetPlan>lockedStage(() -> {
            s.spendLedger().degradedNote().ifPresent(st::note);
            apply(full);
            bind(full);
            return Mono.just(full);
        }).switchIfEmpty(Mono.<BudgetPlan>fromRunnable(() -> s.spendLedger().settle(full.total(), BigDecimal.ZERO)));
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
            s.spendLedger().degradedNote().ifPresent(st::note);
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
                .flatMap(ok -> st.stage(() -> {
                    if (ok && st.isDone()) {
                        s.spendLedger().settle(plan.total(), BigDecimal.ZERO); // cancelled meanwhile: give it all back
                        return Mono.<BudgetPlan>empty();
                    }
                    if (!ok) {
                        return Mono.<BudgetPlan>error(new BudgetExceededException("the spend cap has no room left"
                                + " for this ask (worst case $" + plan.total().toPlainString() + ")",
                                plan.limit(), plan.total()));
                    }
                    bind(plan);
                    return Mono.just(plan);
                }));
    }

    /** The reserved plan bounds the ask: what later rounds and the judge may still use of it. Under the lock. */
    private void bind(BudgetPlan plan) {
        st.bind(plan.total().subtract(plan.firstRound()));
        st.bindHeadroom(plan.limit().subtract(plan.total()));
        limit = plan.limit();
        judges.bound(plan.judgeWorst());
    }

    /** Takes a plan's notes into this ask and reports its skipped members now. Under the lock. */
    private void apply(BudgetPlan plan) {
        plan.notes().forEach(st::note);
        for (CallRecord skipped : plan.skippedMembers()) {
            if (skipped != null) {
                st.notifyFinished(skipped);
            }
        }
    }

    // ---------------------------------------------------------------- stage 2: panel rounds

    /** Round 1: every panel member the plan admitted, with the ask's conversation; the deadline starts. */
    private FlowStep.Round firstRound(BudgetPlan plan) {
        List<Member> members = s.panel();
        List<ModelRequest> requests = new ArrayList<>();
        BigDecimal[] res = new BigDecimal[members.size()];
        for (int i = 0; i < members.size(); i++) {
            requests.add(ctx.memberRequest(members.get(i), req.messages()));
            res[i] = plan.memberReservations()[i] == null ? null : plan.memberReservations()[i][0];
        }
        return new FlowStep.Round(1, dev.fusion.CallStep.ANSWER, members, requests, res, plan.skippedMembers().clone(),
                eff.quorum(), ok -> { });
    }

    /**
     * Stage 2 (and every later round): a panel round, its successful records in member order once it ends
     * (quorum with grace, the deadline), whether or not its quorum was met. Round 1 also starts the deadline.
     */
    private Mono<List<CallRecord>> panelRound(FlowStep.Round spec) {
        return lockedStage(() -> Mono.<List<CallRecord>>create(out -> {
            if (spec.number() == 1) {
                deadlineTimer = s.scheduler().schedule(this::onDeadline, eff.deadline().toNanos(), TimeUnit.NANOSECONDS);
            }
            PanelRound round = new PanelRound(st, spec.number(), spec.members(), spec.quorum(), eff.grace(), out::success);
            records.add(round);
            round.start(spec.step(), spec.requests(), spec.reservations(), spec.preRecords());
        }));
    }

    /**
     * A round's answers read against the flow's member schema ({@link Flow#memberAnswerSchema}) on
     * {@link AnswerChecks}' threads, not under the lock nor on a model's thread, bounded by what is left of
     * the deadline: past it the reading thread is interrupted (a {@code pattern} that backtracks for
     * minutes stops) and the ask fails as at any deadline with nothing running. A cancel stops it too.
     */
    private Mono<List<CallRecord>> readAnswers(List<CallRecord> ok) {
        dev.fusion.structured.StructuredSchema schema = flow.memberAnswerSchema();
        if (schema == null || ok.isEmpty()) {
            return Mono.just(ok);
        }
        return offLock(() -> AnswerChecks.readAll(schema, ok), r -> {
            if (r.error() != null) {
                return Mono.error(!(r.error() instanceof java.util.concurrent.TimeoutException) ? r.error()
                        : new dev.fusion.AskFailedException("the ask deadline of " + eff.deadline().toMillis()
                        + " ms was reached while the answers were read against the schema", records.all()));
            }
            flow.answersRead(r.value());
            return Mono.just(ok);
        });
    }

    /** Round 1's answers, or {@code QuorumNotMetException} when fewer than the quorum answered. */
    private Mono<List<CallRecord>> requireQuorum(List<CallRecord> ok) {
        return ok.size() < eff.quorum()
                ? Mono.error(new dev.fusion.QuorumNotMetException(eff.quorum(), ok.size(), records.all()))
                : Mono.just(ok);
    }

    // ---------------------------------------------------------------- stages 5 and 6: the end

    /**
     * Stage 5: every judge failed: the configured {@link OnJudgeFailure} policy over the flow's candidates
     * (the unjudged answer agreeing most with the others), or {@code JudgeFailedException}.
     */
    private Mono<FlowOutcome> onJudgeFailure(Flow.JudgesExhausted e) {
        return lockedStage(() -> {
            List<CallRecord> candidates = e.partial().candidates();
            if (s.onJudgeFailure() == OnJudgeFailure.BEST_ANSWER && !candidates.isEmpty()) {
                CallRecord best = candidates.get(BestAnswer.pick(candidates));
                st.note("every judge failed; returning the unjudged answer of " + best.memberId()
                        + " (the answer agreeing most with the others)");
                return Mono.just(e.partial().withAnswer(best.text(), false));
            }
            return Mono.error(new JudgeFailedException(records.all()));
        });
    }

    /**
     * Stage 6: an answer under a schema that no flow read against it (a member's answer that select-best or the
     * cascade chose, the unjudged best answer when every judge failed) read on {@link AnswerChecks}' threads,
     * bounded by what is left of the deadline. When it does not match, or the deadline comes first, the answer
     * stands and {@code json()} is empty (noted).
     */
    private Mono<FlowOutcome> readFinal(FlowOutcome outcome) {
        if (outcome.answerJson() != null || !ctx.hasSchema()) {
            return Mono.just(outcome);
        }
        com.fasterxml.jackson.databind.JsonNode schema = req.responseFormat().schema();
        return offLock(() -> AnswerChecks.onPool(() -> AnswerChecks.read(dev.fusion.structured.StructuredSchema.of(schema),
                outcome.answer())), r -> {
            if (r.error() != null && !(r.error() instanceof java.util.concurrent.TimeoutException)) {
                return Mono.error(r.error());
            }
            if (r.error() == null && r.value().invalid() == null) {
                return Mono.just(outcome.withJson(r.value().json(), outcome.agreement()));
            }
            st.note(r.error() != null ? "the ask deadline was reached while the answer was read against the request's schema;"
                    + " json() is empty" : "the answer is not valid against the request's schema ("
                    + r.value().invalid().getMessage() + "); json() is empty");
            return Mono.just(outcome);
        });
    }

    /** Stage 6, continued: the ledger's figures into notes, and the result (empty when the ask already ended). */
    private Mono<FusionResult> assemble(FlowOutcome outcome) {
        return lockedStage(() -> {
            com.fasterxml.jackson.databind.JsonNode json = outcome.answerJson();
            CostNotes.of(records.all(), st.bounded()).forEach(st::note);
            return Mono.just(new FusionResult(outcome.answer(), outcome.judged(), s.strategy().name(), records.panel(),
                    judges.records(), judges.answerOrder(), eff.seed(), Duration.ofNanos(System.nanoTime() - t0),
                    eff.budgetUsd(), st.notes(), Optional.ofNullable(outcome.analysis()),
                    Optional.ofNullable(outcome.ranking()), Optional.ofNullable(outcome.cascade()),
                    Optional.ofNullable(json), outcome.agreement(), outcome.toolCalls(),
                    Optional.ofNullable(outcome.decidedBy())));
        });
    }

    /** The pipeline's end: the result, as the last event. */
    private void onResult(FusionResult result) {
        st.locked(() -> {
            if (st.complete(result)) {
                log.debug("ask done: strategy={} judged={} calls={} costUsd={} wallMs={}", result.strategy(),
                        result.judged(), result.calls().size(), result.totalCostUsd().toPlainString(),
                        result.wallTime().toMillis());
            }
        });
    }

    /** The pipeline's end: a typed failure, or an unexpected exception. */
    private void onFailure(Throwable e) {
        try {
            if (e instanceof FusionException f) {
                synchronized (st.lock()) {
                    st.fail(f);
                }
            } else {
                failUnexpected(e);
            }
        } finally {
            st.drainUnlocked();
        }
    }

    /** An unexpected exception ends the ask with a typed failure carrying every record, cancelling what still runs. */
    private void failUnexpected(Throwable e) {
        synchronized (st.lock()) {
            if (st.isDone()) {
                log.warn("ignored after the ask ended: {}", e.toString());
                return;
            }
            log.warn("ask failed on an unexpected error: {}", e.toString());
            records.cancelAll(CallStatus.CANCELLED, "cancelled", "the ask failed: " + e);
            st.fail(new dev.fusion.AskFailedException("the ask failed on an unexpected error: " + e, records.all()));
        }
    }

    /** The ask's deadline: the running round or judge ends with {@code timeout}; with nothing running, the ask fails. */
    private void onDeadline() {
        st.locked(() -> {
            if (st.isDone()) {
                return;
            }
            String msg = "ask deadline of " + eff.deadline().toMillis() + " ms reached";
            PanelRound round = records.running();
            if (round != null) {
                round.deadline(msg);
            } else if (judges.running()) {
                judges.cancel(CallStatus.TIMEOUT, "deadline", msg);
            } else if (pendingAsync.pending()) {
                return; // an agreement check bounded by the same deadline is about to decide
            }
            if (!st.isDone() && records.running() == null && !judges.running() && !pendingAsync.pending()) {
                // Nothing runs and nothing will: end the ask rather than leave the caller waiting.
                st.fail(new dev.fusion.AskFailedException("the " + msg + " with no call running", records.all()));
            }
        });
    }

    private void abort() {
        synchronized (st.lock()) {
            if (!st.cancel()) {
                return;
            }
            records.cancelAll(CallStatus.CANCELLED, "cancelled", "the ask was cancelled by its caller");
            pendingAsync.dispose();
        }
    }

    private void cleanup() {
        synchronized (st.lock()) {
            if (deadlineTimer != null) {
                deadlineTimer.dispose();
            }
            records.disposeTimers();
            pendingAsync.dispose();
            st.releaseUnsettled();
        }
    }
}
