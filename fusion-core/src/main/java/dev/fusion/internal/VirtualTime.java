package dev.fusion.internal;

import reactor.core.scheduler.Scheduler;

import java.time.Duration;

/**
 * Virtual time for tests: a {@link FusionTimer} on a {@link ManualTicker}, to pass to
 * {@code Fusion.Builder.scheduler}. Not API: applications use the {@code fusion-test} artifact's
 * {@code VirtualClock}, which is built on this. Every timeout, grace period, deadline, backoff and rate-limit
 * wait of the asks then happens only when the test {@link #advance advances} time. Thread-safe.
 */
public final class VirtualTime {

    private final ManualTicker ticker = new ManualTicker();
    /** Tasks of the timer running or queued, and how many were ever handed over (to see new work). */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong handedOver = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.Executor counted = counting(FusionTimer.taskExecutor("fusion-virtual-timer"));
    private final FusionTimer timer = new FusionTimer("fusion-virtual-timer", ticker, counted);
    private final long start = ticker.nanoTime();

    /** A new virtual time, at zero elapsed; its timer thread is a daemon, parked until time moves. */
    public VirtualTime() {
    }

    private java.util.concurrent.Executor counting(java.util.concurrent.Executor tasks) {
        return task -> {
            active.incrementAndGet();
            handedOver.incrementAndGet();
            try {
                tasks.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        active.decrementAndGet();
                    }
                });
            } catch (RuntimeException e) {
                active.decrementAndGet();
                throw e;
            }
        };
    }

    /**
     * As {@link #awaitNextTimer}, and also until no task of the timer runs or waits to run (what fell due,
     * and what that work scheduled at once), so nothing on this clock is left to do before time moves.
     * Waits at most 10 s of real time for the tasks.
     *
     * <p>The next timer is read only once the tasks are done, and returned only when no task ran or was
     * handed over meanwhile: a task that is still running may yet arm a timer (a retry's backoff armed by
     * the failure of an attempt, say), and a next timer read before it did would be stale, so time would
     * jump past the new timer to a later one (the call's timeout) and the retry would never run.
     *
     * @return the virtual time until the earliest armed timer, or null when none is armed
     */
    public Duration awaitQuiet() throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long seen = handedOver.get();
            while (active.get() > 0) {
                if (System.nanoTime() - end > 0) {
                    throw new IllegalStateException("the virtual timer's tasks did not finish within 10 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            Duration next = ticker.awaitIdle(timer.thread());
            if (active.get() == 0 && handedOver.get() == seen) {
                return next;
            }
        }
    }

    /** The scheduler whose timers run in this virtual time. */
    public Scheduler scheduler() {
        return timer;
    }

    /**
     * Waits (in real time, at most 10 s) until the timer has planned its next wake-up and parked,
     * so that every timer armed so far is in the plan.
     *
     * @return the virtual time until the earliest armed timer, or null when none is armed
     */
    public Duration awaitNextTimer() throws InterruptedException {
        return ticker.awaitIdle(timer.thread());
    }

    /** Moves virtual time forward; the timers that fall due run. */
    public void advance(Duration d) {
        ticker.advance(d);
    }

    /** Virtual time advanced so far. */
    public Duration elapsed() {
        return Duration.ofNanos(ticker.nanoTime() - start);
    }
}
