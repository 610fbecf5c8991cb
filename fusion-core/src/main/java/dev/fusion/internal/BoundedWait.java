package dev.fusion.internal;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The one asynchronous wait an ask may have at a time (an agreement rule's verdict, a check of a model's output
 * on {@link AnswerChecks}' threads), bounded by what is left of the ask's deadline. While it is pending the
 * ask's deadline timer leaves the ask to it (its own timeout ends it at the same instant); a cancel of the ask
 * disposes of it. Guarded by the ask's lock: every method is called with it held.
 */
final class BoundedWait {

    /** How a wait ended: its value, or its error ({@link TimeoutException} past the deadline). */
    record Settled<T>(T value, Throwable error) {
    }

    private Disposable pending;

    /**
     * {@code source} bounded by {@code left} on {@code scheduler}'s clock, settled once (the first signal wins).
     * The wait is pending from before the subscription until its continuation calls {@link #settled()}: a source
     * that settles on another thread while this one still subscribes (its timeout fired by a clock moving on
     * another thread, say) leaves the wait pending, so the ask's deadline timer cannot take the ask as having
     * nothing running in between. A source that settles synchronously has its continuation run inside the
     * subscription, which clears it. Past the deadline already: a {@code TimeoutException} without subscribing
     * to {@code source}.
     */
    <T> Mono<Settled<T>> start(Supplier<Mono<T>> source, Duration left, Scheduler scheduler) {
        if (left.isNegative() || left.isZero()) {
            return Mono.just(new Settled<>(null, new TimeoutException("the ask deadline was reached")));
        }
        return Mono.create(out -> {
            AtomicBoolean settled = new AtomicBoolean();
            Disposable.Swap slot = Disposables.swap();
            pending = slot;
            slot.update(source.get().timeout(left, scheduler).subscribe(v -> {
                if (settled.compareAndSet(false, true)) {
                    out.success(new Settled<>(v, null));
                }
            }, e -> {
                if (settled.compareAndSet(false, true)) {
                    out.success(new Settled<>(null, e));
                }
            }));
        });
    }

    /** Whether a wait runs (the deadline then leaves the ask to it). */
    boolean pending() {
        return pending != null;
    }

    /** The wait settled and its continuation runs. */
    void settled() {
        pending = null;
    }

    /** Stops a running wait (the ask was cancelled or is cleaned up). */
    void dispose() {
        if (pending != null) {
            pending.dispose();
        }
    }
}
