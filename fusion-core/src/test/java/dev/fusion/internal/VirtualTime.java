package dev.fusion.internal;

import reactor.core.scheduler.Scheduler;

import java.time.Duration;

/**
 * Virtual time for tests outside this package: a {@link FusionTimer} on a {@link FakeTicker}, to pass
 * to {@code Fusion.Builder.scheduler}. Every timeout, grace period, deadline, backoff and rate-limit
 * wait of the asks then happens only when the test {@link #advance advances} time. Thread-safe.
 */
public final class VirtualTime {

    private final FakeTicker ticker = new FakeTicker();
    private final FusionTimer timer = new FusionTimer("fusion-virtual-timer", ticker);
    private final long start = ticker.nanoTime();

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
