package dev.fusion.internal;

import dev.fusion.CallError;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.CostFlag;
import dev.fusion.UsageQuality;
import dev.fusion.FusionListener;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Cost;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One call (panel member or judge) from start to record: provider-limit queueing, attempts with
 * the single retry layer, the call's timeout, streaming deltas, and exactly one {@link CallRecord}
 * whichever way it ends, including cancellation from outside. Thread-safe.
 */
public final class CallRunner implements MemberCall {

    private static final Logger log = LoggerFactory.getLogger(CallRunner.class);

    /**
     * What to run.
     *
     * @param reservationUsd  what the spend ledger reserved for this call (released when it ends), or null
     * @param round           the panel round (1..K), 0 for judge calls
     * @param step            the call's purpose ({@code answer}, {@code synthesize}, ...), or null
     * @param maxSpendUsd     the most this call may cost, all attempts together (its share of the
     *                        budget), or null when unbounded
     * @param attemptWorstUsd the worst-case cost of one attempt; a retry only starts while what
     *                        was billed so far plus this still fits {@code maxSpendUsd}; also what
     *                        the ledger is charged for a call whose usage is unknown or estimated
     * @param deadlineNanos   the ask's deadline as an instant of the scheduler's clock
     *                        ({@code scheduler.now(NANOSECONDS)}, virtual time under a virtual scheduler), or
     *                        {@link #NO_DEADLINE}: a server-requested retry delay beyond it fails at once
     */
    public record Spec(String memberId, ChatModel model, CallRole role, ModelRequest request, RetryPolicy retry,
                       Duration timeout, boolean stream, BigDecimal reservationUsd, int round, String step,
                       BigDecimal maxSpendUsd, BigDecimal attemptWorstUsd, long deadlineNanos) {

        /** No ask deadline beyond the call's own timeout. */
        public static final long NO_DEADLINE = Long.MIN_VALUE;

        /** A call with a budget and no ask deadline. */
        public Spec(String memberId, ChatModel model, CallRole role, ModelRequest request, RetryPolicy retry,
                    Duration timeout, boolean stream, BigDecimal reservationUsd, int round, String step,
                    BigDecimal maxSpendUsd, BigDecimal attemptWorstUsd) {
            this(memberId, model, role, request, retry, timeout, stream, reservationUsd, round, step, maxSpendUsd,
                    attemptWorstUsd, NO_DEADLINE);
        }

        /** A call in a round or step, without a budget. */
        public Spec(String memberId, ChatModel model, CallRole role, ModelRequest request, RetryPolicy retry,
                    Duration timeout, boolean stream, BigDecimal reservationUsd, int round, String step) {
            this(memberId, model, role, request, retry, timeout, stream, reservationUsd, round, step, null, null);
        }

        /** A round-1 panel call or a synthesize judge call, without a budget. */
        public Spec(String memberId, ChatModel model, CallRole role, ModelRequest request, RetryPolicy retry,
                    Duration timeout, boolean stream, BigDecimal reservationUsd) {
            this(memberId, model, role, request, retry, timeout, stream, reservationUsd,
                    role == CallRole.JUDGE ? 0 : 1, null);
        }
    }

    private final Spec spec;
    private final PriceBook prices;
    private final List<FusionListener> listeners;
    private final ProviderLimiter limiter;
    private final Scheduler scheduler;
    private final SpendLedger ledger;
    private final Consumer<String> onDelta;
    private final Consumer<CallRecord> onDone;
    /** Where listener calls run: the ask's serial outbox (never under its lock), or the calling thread. */
    private final java.util.concurrent.Executor notifier;

    private final long createdNanos = System.nanoTime();
    private volatile long startNanos = -1;
    /**
     * When the first attempt started on the scheduler's clock: the call timeout and the ask deadline
     * run on that clock, so what is left of them is worked out on it too (virtual time in tests).
     */
    private volatile long startTick;
    private volatile Instant startedAt;
    private volatile long firstTokenNanos = -1;
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicLong retryDelayMs = new AtomicLong();
    /**
     * What failed attempts that were retried had already been billed (an empty answer after paid
     * reasoning, say): kept so the record and the ledger show every billed token, not just the last
     * attempt's. Cost is summed per attempt, since long-context tiers apply per request.
     */
    private final Object billedLock = new Object();
    private Usage billedUsage = Usage.ZERO;
    private BigDecimal billedUsd = BigDecimal.ZERO;
    private final StringBuilder partial = new StringBuilder();
    /** The largest provider-reported cost believed (USD): beyond it the figure is ignored and flagged. */
    private static final BigDecimal MAX_REPORTED_COST = new BigDecimal("1e9");
    private volatile boolean visibleOutput;
    /** Whether an attempt's request is out (sent or being sent) and has not ended yet. */
    private volatile boolean attemptInFlight;
    /** What the spend ledger was charged for this call, once it ended. */
    private volatile BigDecimal charged;
    private final AtomicReference<CallRecord> record = new AtomicReference<>();
    /**
     * The running call's subscriber, or {@link #CANCELLED} once {@link #cancel} ran: whichever of
     * subscribe and cancel comes second sees the other (a call may run inside subscribe() on a
     * blocking caller, so a cancel that missed it would leave that caller stuck in the request).
     */
    private final AtomicReference<Disposable> subscription = new AtomicReference<>();
    private static final Disposable CANCELLED = reactor.core.Disposables.disposed();
    /** The model's own subscription for the attempt in flight: a cancel reaches it even where Reactor's arbiter would miss it. */
    private final AttemptSubscription attemptSubscription = new AttemptSubscription();
    /** Receives streamed tool-call argument pieces (a judge deciding a tool step); null: ignored. */
    private volatile Consumer<ModelStreamEvent.ToolCallDelta> onToolDelta;
    /** Works out the attempt's worst case when the spec does not carry it; null: none. */
    private volatile java.util.function.Supplier<BigDecimal> lazyWorst;
    /** {@link #lazyWorst}'s value once worked out (guarded by billedLock). */
    private BigDecimal lazyWorstValue;
    /** Where the call is started, when the blocking caller runs it; null: on the starting thread. */
    private volatile CallerRuns callerRuns;

    public CallRunner(Spec spec, PriceBook prices, List<FusionListener> listeners, ProviderLimiter limiter,
                      Scheduler scheduler, SpendLedger ledger, Consumer<String> onDelta, Consumer<CallRecord> onDone) {
        this(spec, prices, listeners, limiter, scheduler, ledger, onDelta, onDone, Runnable::run);
    }

    /**
     * As the other constructor, with the listener calls handed to {@code notifier} (an ask passes
     * one that runs them after its lock is released, in order).
     */
    public CallRunner(Spec spec, PriceBook prices, List<FusionListener> listeners, ProviderLimiter limiter,
                      Scheduler scheduler, SpendLedger ledger, Consumer<String> onDelta, Consumer<CallRecord> onDone,
                      java.util.concurrent.Executor notifier) {
        this.notifier = java.util.Objects.requireNonNull(notifier, "notifier");
        this.spec = spec;
        this.prices = prices;
        this.listeners = listeners;
        this.limiter = limiter;
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.onDelta = onDelta;
        this.onDone = onDone;
    }

    @Override
    public String memberId() {
        return spec.memberId();
    }

    @Override
    public ModelRef model() {
        return spec.model().ref();
    }

    /** The record, once the call has ended. */
    @Override
    public CallRecord record() {
        return record.get();
    }

    @Override
    public boolean isDone() {
        return record.get() != null;
    }

    /**
     * What this call counts against its budget and the spend cap, once it ended (null before): the
     * higher of its computed and reported cost, and at least its worst case
     * ({@link Spec#attemptWorstUsd()}, else its reservation) when its usage is unknown or estimated.
     */
    public BigDecimal charged() {
        return charged;
    }

    /**
     * Has the call started by the thread waiting in a blocking ask (call before {@link #start}):
     * {@code start} hands it over, and the model may run the request on that thread.
     */
    /**
     * Has streamed tool-call argument pieces handed to {@code consumer} (call before {@link #start}); once one
     * reached it, the call is not retried (as with text deltas).
     */
    public CallRunner onToolCallDelta(Consumer<ModelStreamEvent.ToolCallDelta> consumer) {
        this.onToolDelta = consumer;
        return this;
    }

    /**
     * The worst case of one attempt, worked out only if it is needed (call before {@link #start}, for a
     * spec without {@link Spec#attemptWorstUsd()}): by a retry's budget check, or when the call ends with
     * usage the provider did not report. The value is the one the spec would have carried.
     */
    CallRunner attemptWorst(java.util.function.Supplier<BigDecimal> worst) {
        this.lazyWorst = worst;
        return this;
    }

    /** {@link Spec#attemptWorstUsd()}, or the lazily worked-out one (once), or null. */
    private BigDecimal attemptWorstUsd() {
        BigDecimal w = spec.attemptWorstUsd();
        if (w != null) {
            return w;
        }
        java.util.function.Supplier<BigDecimal> lazy = lazyWorst;
        if (lazy == null) {
            return null;
        }
        synchronized (billedLock) {
            if (lazyWorstValue == null) {
                lazyWorstValue = lazy.get();
            }
            return lazyWorstValue;
        }
    }

    @Override
    public CallRunner runOn(CallerRuns runs) {
        this.callerRuns = runs;
        return this;
    }

    /** Starts the call (or hands it to the caller, see {@link #runOn}). The record is delivered to {@code onDone} exactly once. */
    @Override
    public void start() {
        CallerRuns runs = callerRuns;
        if (runs != null) {
            runs.execute(() -> subscribe(runs));
        } else {
            subscribe(null);
        }
    }

    private void subscribe(CallerRuns runs) {
        if (record.get() != null) {
            return; // cancelled before it started
        }
        // Named: Reactor's timeout operator describes its source by name on every subscribe,
        // and an unnamed source costs a stream walk and a regex over class names per call.
        Mono<ModelResponse> call = !limiter.limits(model())
                ? attemptsWithRetry().name("fusion.call").timeout(spec.timeout(), scheduler) // no permit to take or give back
                : limiter.acquire(model(), spec.request())
                .flatMap(permit -> {
                    long[] reported = {-1}; // the token bucket keeps the estimate unless usage is reported
                    return attemptsWithRetry().name("fusion.call").timeout(spec.timeout(), scheduler)
                            .doOnNext(r -> reported[0] = r.usageReported() ? r.usage().totalTokens() : -1)
                            .doFinally(s -> permit.release(reported[0]));
                });
        if (runs != null) {
            call = call.contextWrite(reactor.util.context.Context.of(ChatModel.MAY_BLOCK_KEY, runs.owner()));
        }
        // The subscriber is published before subscribing: a model may run the request inside
        // subscribe() (on a blocking caller), and cancel() must be able to abort it meanwhile.
        Outcome outcome = new Outcome();
        if (!subscription.compareAndSet(null, outcome)) {
            return; // cancelled first
        }
        try {
            call.subscribe(outcome);
        } catch (Throwable e) {
            ProviderException linkage = ProviderException.linkage(e);
            if (linkage == null) {
                reactor.core.Exceptions.throwIfJvmFatal(e);
            }
            // a broken model must not leave the ask waiting; a class path conflict is a configuration failure
            finish(CallStatus.FAILED, null, linkage != null ? linkage : e);
        }
    }

    /** Records the call's one outcome. */
    private final class Outcome extends BaseSubscriber<ModelResponse> {
        private boolean answered;

        @Override
        protected void hookOnNext(ModelResponse r) {
            answered = true;
            finish(CallStatus.OK, r, null);
        }

        @Override
        protected void hookOnError(Throwable e) {
            finish(e instanceof TimeoutException ? CallStatus.TIMEOUT : CallStatus.FAILED, null,
                    e instanceof TimeoutException ? new TimeoutException("call timeout of "
                            + spec.timeout().toMillis() + " ms reached after " + attempts.get() + " attempt(s)") : e);
        }

        @Override
        protected void hookOnComplete() {
            if (!answered) {
                finish(CallStatus.FAILED, null, ProviderException.malformed(spec.memberId()
                        + ": the model completed without an answer", null));
            }
        }
    }

    private Mono<ModelResponse> attemptsWithRetry() {
        Mono<ModelResponse> attempt = Mono.defer(() -> {
            if (startNanos < 0) {
                startTick = ticks();
                startNanos = System.nanoTime();
                startedAt = Instant.now();
                notifyListeners(l -> l.onCallStarted(spec.memberId(), model(), spec.role()));
                if (log.isDebugEnabled()) {
                    log.debug("call started: {} {} ({})", spec.role().wireName(), spec.memberId(), model());
                }
            }
            attempts.incrementAndGet();
            synchronized (partial) {
                partial.setLength(0);
            }
            attemptInFlight = true;
            try {
                if (!spec.stream()) {
                    // One operator for both: the attempt is over, and a LinkageError becomes the call's typed failure.
                    return attemptSubscription.watch(spec.model().call(spec.request()))
                            .onErrorMap(e -> {
                                attemptInFlight = false;
                                return e instanceof LinkageError l ? ProviderException.linkage(l) : e;
                            });
                }
                // One stage per event, and the text kept once (in partial, which a cut-off needs anyway):
                // ChatModel.collect would keep a second copy of every delta.
                ModelResponse[] completed = new ModelResponse[1];
                return attemptSubscription.watch(spec.model().stream(spec.request()))
                        .doOnNext(e -> {
                            if (e instanceof ModelStreamEvent.Completed c) {
                                completed[0] = c.response();
                            } else {
                                onStreamEvent(e);
                            }
                        })
                        .then(Mono.fromSupplier(() -> {
                            if (completed[0] == null) {
                                String text;
                                synchronized (partial) {
                                    text = partial.toString();
                                }
                                throw ProviderException.truncated("stream ended without its terminal event", text);
                            }
                            return completed[0];
                        }))
                        .onErrorMap(e -> { // one operator: the attempt is over; a typed failure keeping the text so far
                            attemptInFlight = false;
                            Throwable mapped = e instanceof LinkageError l ? ProviderException.linkage(l) : e;
                            return mapped instanceof ProviderException p && p.partialText() == null
                                    ? p.withPartialText(partialText()) : mapped;
                        });
            } catch (LinkageError e) {
                // Reactor rethrows a LinkageError as JVM-fatal instead of signalling it: caught here, where the
                // model was asked, it becomes this call's typed failure (not retried) instead of escaping the ask.
                attemptInFlight = false;
                return Mono.error(ProviderException.linkage(e));
            }
        });
        return RetryLayer.around(attempt, this::afterFailure, scheduler);
    }

    /**
     * The retry rules of this call, after a failed attempt: no retry once text reached the subscriber, none
     * past the call's budget, none whose server-requested wait runs into the timeout or the ask's deadline
     * (failed with the provider's cause), else the policy's delay ({@link RetryDecision}).
     */
    private RetryLayer.Decision afterFailure(Throwable failure, int retry) {
        if (visibleOutput && (onDelta != null || onToolDelta != null)) {
            // Text already reached the subscriber: a retry would repeat it. Fail; a fallback may follow.
            return RetryLayer.Decision.fail(failure);
        }
        long nowTick = ticks();
        Duration left = spec.timeout().minusNanos(nowTick - startTick);
        boolean askBound = false;
        if (spec.deadlineNanos() != Spec.NO_DEADLINE && spec.deadlineNanos() - nowTick < left.toNanos()) {
            left = Duration.ofNanos(spec.deadlineNanos() - nowTick);
            askBound = true;
        }
        Usage billed = failure instanceof ProviderException p ? p.usage().orElse(Usage.ZERO) : Usage.ZERO;
        if (!retryFitsBudget(billed)) {
            log.debug("not retrying {}: another attempt could pass its budget of ${} after: {}", spec.memberId(),
                    spec.maxSpendUsd().toPlainString(), failure.getMessage());
            return RetryLayer.Decision.fail(failure);
        }
        if (failure instanceof ProviderException p && p.retryable() && p.retryAfter().isPresent()
                && retry <= spec.retry().maxRetries() && p.retryAfter().get().compareTo(left) >= 0) {
            // Waiting would only run into the deadline and hide the provider's cause behind a timeout.
            return RetryLayer.Decision.fail(retryAfterBeyond(p, left, askBound));
        }
        return RetryDecision.delay(spec.retry(), failure, retry, left)
                .map(d -> {
                    addBilled(billed);
                    retryDelayMs.addAndGet(d.toMillis());
                    log.debug("retrying {} in {} ms after: {}", spec.memberId(), d.toMillis(), failure.getMessage());
                    return RetryLayer.Decision.retryAfter(d);
                })
                .orElseGet(() -> RetryLayer.Decision.fail(failure));
    }

    /** Now on the scheduler's clock, in nanoseconds: the time the call's timeout and retry delays run on. */
    private long ticks() {
        return scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The provider's failure, its message saying which delay was asked and how much time was left. */
    private static ProviderException retryAfterBeyond(ProviderException p, Duration left, boolean askBound) {
        String msg = p.getMessage() + "; not retried: the provider asked to wait " + p.retryAfter().get().toMillis()
                + " ms (Retry-After) but only " + Math.max(0, left.toMillis()) + " ms "
                + (askBound ? "are left before the ask deadline" : "are left of the call timeout");
        return new ProviderException(p.kind(), p.status(), p.errorType(), p.errorCode(), p.retryable(),
                p.retryAfter().orElse(null), p.partialText(), p.usage().orElse(null), msg, p);
    }

    /** Whether a worst-case attempt still fits the call's budget after this failure's billed usage. */
    private boolean retryFitsBudget(Usage billedNow) {
        BigDecimal worst = spec.maxSpendUsd() == null ? null : attemptWorstUsd();
        if (worst == null) {
            return true;
        }
        BigDecimal now = prices.cost(model(), billedNow, null).usd().orElse(BigDecimal.ZERO);
        synchronized (billedLock) {
            return billedUsd.add(now).add(worst).compareTo(spec.maxSpendUsd()) <= 0;
        }
    }

    private void addBilled(Usage u) {
        if (u.equals(Usage.ZERO)) {
            return;
        }
        synchronized (billedLock) {
            billedUsage = billedUsage.plus(u);
            billedUsd = billedUsd.add(prices.cost(model(), u, null).usd().orElse(BigDecimal.ZERO));
        }
    }

    private void onStreamEvent(ModelStreamEvent e) {
        Consumer<ModelStreamEvent.ToolCallDelta> tools = onToolDelta;
        if (tools != null && e instanceof ModelStreamEvent.ToolCallDelta t && record.get() == null) {
            visibleOutput = true;
            tools.accept(t);
            return;
        }
        if (e instanceof ModelStreamEvent.TextDelta d && !d.text().isEmpty()) {
            // Kept before anyone hears of it: a cancel prompted by the first token must find it in the partial text.
            synchronized (partial) {
                partial.append(d.text());
            }
            if (firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime();
                Duration ttft = Duration.ofNanos(firstTokenNanos - startNanos);
                notifyListeners(l -> l.onFirstToken(spec.memberId(), model(), spec.role(), ttft));
            }
            if (onDelta != null && record.get() == null) {
                visibleOutput = true;
                onDelta.accept(d.text());
            }
        }
    }

    private String partialText() {
        synchronized (partial) {
            return partial.length() == 0 ? null : partial.toString();
        }
    }

    /**
     * Ends a running call from outside (grace expired, deadline, caller cancelled): disposes the
     * subscription, which cancels the HTTP call, and records the given status.
     *
     * @return false when the call had already ended
     */
    @Override
    public boolean cancel(CallStatus status, String errorType, String message) {
        if (record.get() != null) {
            return false;
        }
        // Cancel the HTTP call first, then record: recording can complete the whole ask, and by
        // then nothing of this call may still be running.
        Disposable s = subscription.getAndSet(CANCELLED);
        if (s != null) {
            s.dispose();
        }
        attemptSubscription.cancel();
        return finish(status, null, null, CallError.of(errorType, message));
    }

    private void finish(CallStatus status, ModelResponse response, Throwable error) {
        finish(status, response, error, error == null ? null : CallError.of(error));
    }

    private boolean finish(CallStatus status, ModelResponse response, Throwable error, CallError callError) {
        long now = System.nanoTime();
        boolean cutOff = attemptInFlight && response == null;
        String text = response != null ? response.text()
                : error instanceof ProviderException p && p.partialText() != null ? p.partialText() : partialText();
        UsageQuality quality = UsageQuality.REPORTED;
        Set<CostFlag> flags = EnumSet.noneOf(CostFlag.class);
        BigDecimal reported = response != null ? response.reportedCostUsd() : null;
        if (response != null && response.reportedCostIgnored()) {
            log.warn("{} ({}) reported a cost that is not a believable figure; ignored", spec.memberId(), model());
            flags.add(CostFlag.REPORTED_COST_IGNORED);
        }
        if (reported != null && (reported.signum() < 0 || reported.compareTo(MAX_REPORTED_COST) > 0)) {
            // Never toPlainString(): a 1e999999999 would be printed digit by digit.
            String shown = reported.signum() < 0 && reported.compareTo(MAX_REPORTED_COST.negate()) >= 0
                    ? "a negative cost of $" + reported.toPlainString() : "a cost beyond $1e9 (or not a number)";
            log.warn("{} ({}) reported {}; ignored", spec.memberId(), model(), shown);
            flags.add(CostFlag.REPORTED_COST_IGNORED);
            reported = null;
        }
        Usage last;
        if (response != null) {
            last = response.usage();
            if (!response.usageReported()) {
                quality = UsageQuality.UNKNOWN;
            }
        } else if (error instanceof ProviderException p && p.usage().isPresent()) {
            last = p.usage().get();
        } else if (cutOff || (status == CallStatus.FAILED && text != null && !text.isEmpty())) {
            // Cut off after the request was sent (or a stream broken mid-answer): the provider bills
            // the prompt and what it generated.
            last = estimateCutOff(text);
            quality = UsageQuality.ESTIMATED;
        } else {
            last = Usage.ZERO;
        }
        if (last.completionTokens() > spec.request().maxOutputTokens()
                + CallRecord.outputSlack(spec.request().maxOutputTokens())) {
            log.warn("{} ({}) reported {} generated tokens, beyond the request's max of {}; charged in full",
                    spec.memberId(), model(), last.completionTokens(), spec.request().maxOutputTokens());
            flags.add(CostFlag.OUTPUT_OVER_MAX);
        }
        Cost lastCost = quality == UsageQuality.UNKNOWN ? Cost.of(null, reported) : prices.cost(model(), last, reported);
        Usage usage;
        Cost cost;
        synchronized (billedLock) {
            usage = billedUsage.plus(last);
            cost = billedUsage.equals(Usage.ZERO) || lastCost.computedUsd() == null ? lastCost
                    : Cost.of(lastCost.computedUsd().add(billedUsd), lastCost.reportedUsd());
        }
        long started = startNanos;
        Duration latency = started < 0 ? Duration.ZERO : Duration.ofNanos(now - started);
        Duration queued = Duration.ofNanos((started < 0 ? now : started) - createdNanos);
        Duration ttft = firstTokenNanos < 0 || started < 0 ? null : Duration.ofNanos(firstTokenNanos - started);
        CallRecord r = new CallRecord(spec.memberId(), model(), spec.role(), status, text, usage, cost, startedAt,
                latency, ttft, queued, attempts.get(), Duration.ofMillis(retryDelayMs.get()),
                response != null ? response.finishReason() : null, callError, spec.round(), spec.step(), quality, flags,
                response != null ? response.toolCalls() : java.util.List.of());
        if (!record.compareAndSet(null, r)) {
            return false;
        }
        BigDecimal charge = cost.usd().orElse(BigDecimal.ZERO)
                .max(cost.reportedUsd() != null ? cost.reportedUsd() : BigDecimal.ZERO);
        if (quality != UsageQuality.REPORTED) {
            // Unknown or estimated usage: the call keeps its worst case, so the ledger never under-counts it.
            BigDecimal attemptWorst = attemptWorstUsd();
            BigDecimal worst = attemptWorst != null ? attemptWorst : spec.reservationUsd();
            if (worst != null) {
                charge = charge.max(worst);
            }
        }
        charged = charge;
        if (ledger != null && spec.reservationUsd() != null) {
            ledger.settle(spec.reservationUsd(), charge);
        }
        if (log.isDebugEnabled()) { // the arguments (an array, boxed numbers) are built only when logged
            log.debug("call ended: {} {} {} attempts={} latencyMs={} usage={} cost={}{}", spec.role().wireName(),
                    spec.memberId(), status.wireName(), r.attempts(), latency.toMillis(), usage, cost,
                    callError != null ? " error=" + callError : "");
        }
        notifyListeners(l -> l.onCallFinished(r));
        onDone.accept(r);
        return true;
    }

    /** The usage of a call cut off after its request was sent: the prompt and the text streamed so far. */
    private Usage estimateCutOff(String streamed) {
        ModelRequest rq = spec.request();
        StringBuilder sent = new StringBuilder();
        if (rq.system() != null) {
            sent.append(rq.system()).append('\n');
        }
        rq.messages().forEach(m -> sent.append(m.content()).append('\n'));
        return Usage.of(CutOffTokens.count(model(), sent.toString()), CutOffTokens.count(model(), streamed));
    }

    /** A record for a call that never ran (skipped by the budget). */
    public static CallRecord skipped(String memberId, ModelRef model, CallRole role, PriceBook prices, String reason) {
        return skipped(memberId, model, role, prices, reason, role == CallRole.JUDGE ? 0 : 1, null);
    }

    /** A record for a call that was never started because the ask's deadline had passed. */
    public static CallRecord notStarted(String memberId, ModelRef model, CallRole role, PriceBook prices, String reason,
                                        int round, String step) {
        return new CallRecord(memberId, model, role, CallStatus.TIMEOUT, null, Usage.ZERO,
                prices.find(model).isPresent() ? Cost.of(BigDecimal.ZERO, null) : Cost.unpriced(), null,
                Duration.ZERO, null, Duration.ZERO, 0, Duration.ZERO, null, CallError.of("deadline", reason), round, step);
    }

    /** A record for a call that never ran (skipped by the budget), in a given round and step. */
    public static CallRecord skipped(String memberId, ModelRef model, CallRole role, PriceBook prices, String reason,
                                     int round, String step) {
        return new CallRecord(memberId, model, role, CallStatus.SKIPPED, null, Usage.ZERO,
                prices.find(model).isPresent() ? Cost.of(BigDecimal.ZERO, null) : Cost.unpriced(), null,
                Duration.ZERO, null, Duration.ZERO, 0, Duration.ZERO, null, CallError.of("budget", reason), round, step);
    }

    private void notifyListeners(Consumer<FusionListener> action) {
        if (listeners.isEmpty()) {
            return;
        }
        notifier.execute(() -> {
            for (FusionListener l : listeners) {
                try {
                    action.accept(l);
                } catch (RuntimeException e) {
                    log.warn("a FusionListener threw; ignored: {}", e.toString());
                }
            }
        });
    }
}
