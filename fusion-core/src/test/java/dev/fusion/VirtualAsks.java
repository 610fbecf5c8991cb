package dev.fusion;

import dev.fusion.internal.VirtualTime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs an ask in virtual time: deadline and timeout tests assert how much <em>virtual</em> time passed,
 * never a wall-clock bound (a loaded machine can stall a thread for a second, which made bounds such
 * as "ends within 1,300 ms of a 300 ms deadline" fail without any bug). Every real-time wait here is
 * a bound on waiting for something that must happen, not a timing assertion.
 */
final class VirtualAsks {

    private VirtualAsks() {
    }

    /**
     * Starts {@code request} on {@code fusion} (built with {@code scheduler(time.scheduler())}), waits
     * until {@code ready} holds (the calls the test needs in flight have started), then moves virtual time
     * forward by {@code advance} and returns the ask's outcome.
     */
    static CompletableFuture<FusionResult> advanceWhen(VirtualTime time, Fusion fusion, FusionRequest request,
                                                        BooleanSupplier ready, Duration advance) throws Exception {
        CompletableFuture<FusionResult> pending = fusion.askAsync(request).toFuture();
        await(ready, pending);
        advanceToEnd(time, pending, advance);
        return pending;
    }

    /**
     * Moves virtual time forward by {@code advance} in two steps: to one nanosecond short of it, where
     * the ask must still be running with a timer due exactly one nanosecond later (the lower bound: a
     * deadline or timeout that fired early leaves no timer there and fails here), then the last nanosecond.
     */
    static void advanceToEnd(VirtualTime time, CompletableFuture<?> pending, Duration advance) throws Exception {
        time.awaitNextTimer(); // every timer armed so far is planned before time moves
        time.advance(advance.minusNanos(1));
        Duration next = time.awaitNextTimer(); // the timers due so far have run; the next is planned
        if (!Duration.ofNanos(1).equals(next) || pending.isDone()) {
            throw new AssertionError("expected the ask still running with a timer due at " + advance
                    + " of virtual time; the next timer is " + (next == null ? "none" : "due in " + next)
                    + ", the ask " + pending);
        }
        time.advance(Duration.ofNanos(1));
    }

    /** Waits (at most 30 s real time) until {@code condition} holds; fails early if the ask ended first. */
    static void await(BooleanSupplier condition, CompletableFuture<?> ask) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (ask.isDone()) {
                throw new AssertionError("the ask ended before the test could move time: " + ask);
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("the condition did not hold within 30 s (real time)");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** The ask's result, waiting at most 30 s (real time); a timeout means the ask hangs in virtual time. */
    static FusionResult result(CompletableFuture<FusionResult> pending) throws Exception {
        try {
            return pending.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
