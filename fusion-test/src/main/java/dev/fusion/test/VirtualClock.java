package dev.fusion.test;

import dev.fusion.internal.VirtualTime;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Virtual time for a {@code Fusion}: pass {@link #scheduler()} to {@code Fusion.Builder.scheduler}, and
 * every deadline, call timeout, straggler grace, retry backoff and rate-limit wait of its asks happens only
 * when the test moves this clock. Models on the same clock ({@link FakeChatModel}) answer after virtual
 * latencies, so a test of code that uses Fusion needs no network and no sleeps, and a one-minute deadline
 * takes no real time at all.
 *
 * <pre>{@code
 * VirtualClock clock = new VirtualClock();
 * Fusion fusion = Fusion.builder()
 *         .panel(FakeChatModel.on(clock, "fake:a").answer("4", Duration.ofSeconds(2)).build(),
 *                FakeChatModel.on(clock, "fake:b").answer("4", Duration.ofSeconds(3)).build())
 *         .judge(FakeChatModel.on(clock, "fake:judge").answer("Four.", Duration.ofSeconds(1)).build())
 *         .scheduler(clock.scheduler())
 *         .build();
 * FusionResult result = clock.run(fusion.askAsync("2 + 2?"));   // 4 s of virtual time, no real wait
 * }</pre>
 *
 * <p>One clock per test. Thread-safe. Its timer thread is a daemon that parks while time stands still.
 */
public final class VirtualClock {

    /** How long {@link #run} waits in real time for work that runs on no timer of this clock. */
    private static final long REAL_WAIT_SECONDS = 30;

    private final VirtualTime time = new VirtualTime();

    /** A clock at zero elapsed time. */
    public VirtualClock() {
    }

    /** The scheduler whose timers run on this clock: for {@code Fusion.Builder.scheduler} and fake models. */
    public Scheduler scheduler() {
        return time.scheduler();
    }

    /** Virtual time advanced so far. */
    public Duration elapsed() {
        return time.elapsed();
    }

    /**
     * Moves time forward by {@code d}; the timers that fall due run, in order, on the clock's timer thread.
     * Returns once every timer armed so far is planned, so a test can advance again right away.
     */
    public void advance(Duration d) {
        Objects.requireNonNull(d, "d");
        if (d.isNegative()) {
            throw new IllegalArgumentException("time only moves forward: " + d);
        }
        awaitIdle();
        time.advance(d);
        awaitIdle();
    }

    /**
     * Waits (in real time, at most 10 s) until the clock has run what is due, the work that started
     * has finished, and its next wake-up is planned.
     *
     * @return the virtual time until the earliest armed timer, or null when none is armed
     */
    public Duration awaitIdle() {
        try {
            return time.awaitQuiet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the virtual clock", e);
        }
    }

    /** Moves time to the earliest armed timer and runs it; returns how far time moved, or null when none is armed. */
    public Duration advanceToNextTimer() {
        Duration next = awaitIdle();
        if (next != null) {
            time.advance(next);
            awaitIdle();
        }
        return next;
    }

    /**
     * Runs {@code work} (an ask, say) to its end in virtual time: subscribes, then moves time from timer to
     * timer until it ends, at most {@code limit} of virtual time. For work whose every wait is on this clock
     * (fake models on it): work on real threads (a real server) may not have answered yet when time moves.
     * Time may move past the instant the work ended when its result is delivered off the clock's threads:
     * to measure when it ended, read {@link #elapsed()} in the work itself ({@code doOnSuccess}).
     *
     * @throws IllegalStateException when it has not ended after {@code limit} of virtual time, or nothing is
     *                               armed on the clock and it does not end within 30 s of real time
     * @throws RuntimeException      what the work failed with
     */
    public <T> T run(Mono<T> work, Duration limit) {
        CompletableFuture<T> result = work.toFuture();
        Duration start = elapsed();
        while (!result.isDone()) {
            Duration next = awaitIdle();
            if (result.isDone()) {
                break;
            }
            if (next == null) {
                return await(result); // nothing armed: what is left runs on real threads
            }
            if (elapsed().plus(next).minus(start).compareTo(limit) > 0) {
                result.cancel(true);
                throw new IllegalStateException("not done after " + limit + " of virtual time");
            }
            time.advance(next);
        }
        return await(result);
    }

    /** As {@link #run(Mono, Duration)} with a limit of one virtual hour. */
    public <T> T run(Mono<T> work) {
        return run(work, Duration.ofHours(1));
    }

    private static <T> T await(CompletableFuture<T> result) {
        try {
            return result.get(REAL_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the work did not end within " + REAL_WAIT_SECONDS
                    + " s of real time with no timer armed on the virtual clock", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
