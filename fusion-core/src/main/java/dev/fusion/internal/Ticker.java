package dev.fusion.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * The time seam of Fusion's hand-written concurrency ({@link FusionTimer}, {@link CallerRuns}): where
 * they read the clock and where their threads wait. Production uses {@link #SYSTEM}
 * ({@link System#nanoTime()} and {@link LockSupport}); tests pass a fake whose time only moves when
 * the test advances it and which knows exactly which threads are parked, so timing logic is tested
 * in virtual time instead of with sleeps and wall-clock bounds.
 *
 * <p>The contract is {@link LockSupport}'s: {@link #park}/{@link #parkUntil} may return spuriously,
 * on an interrupt, or at once when a permit from {@link #unpark} is pending; callers re-check their
 * condition in a loop. Implementations are thread-safe.
 */
interface Ticker {

    /** The system clock and {@link LockSupport}. */
    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void park(Object blocker) {
            LockSupport.park(blocker);
        }

        @Override
        public void parkUntil(Object blocker, long deadline) {
            long nanos = deadline - System.nanoTime();
            if (nanos > 0) {
                LockSupport.parkNanos(blocker, nanos);
            }
        }

        @Override
        public void unpark(Thread thread) {
            LockSupport.unpark(thread);
        }

        @Override
        public String toString() {
            return "Ticker.SYSTEM";
        }
    };

    /** A monotonic time in nanoseconds, comparable only by difference (as {@link System#nanoTime()}). */
    long nanoTime();

    /** Parks the calling thread until {@link #unpark}ed or interrupted (or spuriously). */
    void park(Object blocker);

    /**
     * Parks the calling thread until this ticker's {@link #nanoTime()} reaches {@code deadline} at the
     * latest. An absolute time, so the time between planning a wake-up and parking is not added to it
     * (with a fake ticker, time may jump in between).
     */
    void parkUntil(Object blocker, long deadline);

    /** Wakes {@code thread} from a park, or lets its next park return at once. */
    void unpark(Thread thread);
}
