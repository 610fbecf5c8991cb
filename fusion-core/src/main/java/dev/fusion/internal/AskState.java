package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.FusionEvent;
import dev.fusion.FusionException;
import dev.fusion.FusionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The state every part of one ask shares, behind the {@link AskPort} its panel rounds and judge chain
 * see: the lock, the outbox of events and listener calls, whether the ask ended, its notes, its clock and
 * deadline, and the reservation not yet handed to a call. The ask coordinates the stages;
 * this holds what they share, so no stage needs the ask itself.
 *
 * <p>All mutable state is guarded by the lock. No user code runs under it: events and listener calls
 * are queued in a {@link SerialOutbox} while it is held and delivered, in order and one at a time,
 * after it is released (on the library's event thread when the ask has user code to deliver to).
 */
final class AskState implements AskPort {

    private static final Logger log = LoggerFactory.getLogger(AskState.class);

    private final Settings s;
    private final AskSettings eff;
    private final boolean streamJudge;
    private final FluxSink<FusionEvent> sink;
    private final CallerRuns callerRuns;
    private final Object lock = new Object();
    private final SerialOutbox outbox;
    private final Executor notifier = this::notifyLater;
    /** When the ask started on the scheduler's clock: the deadline runs on it (virtual time under a virtual scheduler). */
    private final long startTick;
    private final List<String> notes = new ArrayList<>();
    /** Ends the ask on an unexpected exception (set by the ask, which knows what to cancel). */
    private Consumer<RuntimeException> onUnexpected = e -> {
        throw e;
    };
    private boolean done;
    /** Reserved in the spend ledger but not handed to a call yet; released when the ask ends. */
    private BigDecimal unsettled = BigDecimal.ZERO;
    private boolean bounded;
    private boolean unsettledReleased;
    /** What the ask's limit leaves beyond its reserved plan (research steps); null: unbounded. */
    private BigDecimal headroom;

    /** @param sink null for a plan only, which never runs */
    AskState(Settings s, AskSettings eff, boolean streamJudge, FluxSink<FusionEvent> sink) {
        this.s = s;
        this.eff = eff;
        this.streamJudge = streamJudge;
        this.sink = sink;
        this.callerRuns = sink == null ? null : sink.contextView().getOrDefault(CallerRuns.CONTEXT_KEY, null);
        // User code (a stream consumer, listeners) is delivered to on the event thread, never on a thread a
        // call or the engine needs; an ask with neither delivers its internal result subscriber inline.
        this.outbox = new SerialOutbox(streamJudge || !s.listeners().isEmpty() ? SerialOutbox.EVENT_THREADS : null);
        this.startTick = ticks();
    }

    void onUnexpected(Consumer<RuntimeException> handler) {
        this.onUnexpected = handler;
    }

    @Override
    public Settings settings() {
        return s;
    }

    @Override
    public AskSettings effective() {
        return eff;
    }

    @Override
    public CallerRuns callerRuns() {
        return callerRuns;
    }

    @Override
    public boolean streamJudge() {
        return streamJudge;
    }

    @Override
    public boolean bounded() {
        return bounded;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    /** The ask's lock, for the ask's own sections. */
    Object lock() {
        return lock;
    }

    @Override
    public void emit(FusionEvent event) {
        if (!streamJudge && !(event instanceof FusionEvent.Completed)) {
            // An ask run for its result only (askAsync, the blocking ask) keeps nothing but Completed of its
            // events: the others would be queued, delivered and filtered out again, per event, for nobody.
            return;
        }
        outbox.post(() -> sink.next(event));
    }

    @Override
    public void notifyFinished(CallRecord r) {
        if (s.listeners().isEmpty()) {
            return;
        }
        notifyLater(() -> {
            for (FusionListener l : s.listeners()) {
                try {
                    l.onCallFinished(r);
                } catch (RuntimeException e) {
                    log.warn("a FusionListener threw; ignored: {}", e.toString());
                }
            }
        });
    }

    @Override
    public Executor notifier() {
        return notifier;
    }

    /** Queues user code in the ask's event order; delivered at once unless this thread holds the lock. */
    private void notifyLater(Runnable task) {
        outbox.post(task);
        drainUnlocked();
    }

    @Override
    public void note(String note) {
        notes.add(note);
    }

    /** The notes so far, in order (the list itself: under the lock). */
    List<String> notes() {
        return notes;
    }

    @Override
    public BigDecimal takeReservation(BigDecimal amount) {
        if (amount == null) {
            return BigDecimal.ZERO;
        }
        unsettled = unsettled.subtract(amount);
        return amount;
    }

    /** The reserved plan bounds the ask: {@code unsettledPart} is what later rounds and the judge may use. */
    void bind(BigDecimal unsettledPart) {
        unsettled = unsettledPart;
        bounded = true;
    }

    /** What the ask's limit leaves beyond its reserved plan, for calls the plan did not foresee. */
    void bindHeadroom(BigDecimal beyondPlan) {
        headroom = beyondPlan.max(BigDecimal.ZERO);
    }

    @Override
    public boolean takeHeadroom(BigDecimal amount) {
        if (!bounded) {
            return true;
        }
        if (headroom == null || headroom.compareTo(amount) < 0) {
            return false;
        }
        headroom = headroom.subtract(amount);
        return true;
    }

    @Override
    public void returnHeadroom(BigDecimal amount) {
        if (bounded && headroom != null) {
            headroom = headroom.add(amount);
        }
    }

    /** Gives back what no call took of the reservation (once; when the ask ends). */
    void releaseUnsettled() {
        if (!unsettledReleased) {
            unsettledReleased = true;
            s.spendLedger().settle(unsettled.max(BigDecimal.ZERO), BigDecimal.ZERO);
        }
    }

    /** Now on the scheduler's clock, in nanoseconds: the time the deadline, grace and call timeouts run on. */
    private long ticks() {
        return s.scheduler().now(TimeUnit.NANOSECONDS);
    }

    @Override
    public Duration timeLeft() {
        return eff.deadline().minusNanos(ticks() - startTick);
    }

    @Override
    public long deadlineNanos() {
        return startTick + eff.deadline().toNanos();
    }

    @Override
    public long deadlineMillis() {
        return eff.deadline().toMillis();
    }

    @Override
    public void locked(Runnable body) {
        try {
            synchronized (lock) {
                body.run();
            }
        } catch (RuntimeException e) {
            onUnexpected.accept(e);
        } finally {
            drainUnlocked();
        }
    }

    @Override
    public <T> Mono<T> stage(Supplier<Mono<T>> body) {
        return Mono.create(out -> {
            try {
                synchronized (lock) {
                    Mono<T> next;
                    try {
                        next = body.get();
                    } catch (RuntimeException e) {
                        out.error(e);
                        return;
                    }
                    next.subscribe(out::success, out::error, out::success);
                }
            } finally {
                drainUnlocked();
            }
        });
    }

    /** Delivers the queued events and listener calls, unless this thread still holds the lock. */
    void drainUnlocked() {
        if (!Thread.holdsLock(lock)) {
            outbox.drain();
        }
    }

    /** Ends the ask with {@code e} (the first end wins). Under the lock. */
    void fail(FusionException e) {
        if (done) {
            return;
        }
        done = true;
        log.debug("ask failed: {}", e.getMessage());
        outbox.post(() -> sink.error(e));
    }

    /** Ends the ask with its result as the last event (unless it already ended). Under the lock. */
    boolean complete(dev.fusion.FusionResult result) {
        if (done) {
            return false;
        }
        done = true;
        emit(new FusionEvent.Completed(result));
        outbox.post(sink::complete);
        return true;
    }

    /** The ask was cancelled by its subscriber: it ends here. Under the lock; false when it had ended already. */
    boolean cancel() {
        if (done) {
            return false;
        }
        done = true;
        return true;
    }
}
