package dev.fusion.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Ticker} whose time only moves when told (virtual time for tests: {@link VirtualTime}, and
 * through it the {@code fusion-test} artifact's clock), in the manner of OkHttp's {@code TaskFaker}: time stands still until the
 * test {@link #advance advances} it, and the ticker knows which threads are parked on it, until when,
 * and whether a wake-up ({@link #unpark}) is pending for them. A test can therefore wait for the exact
 * moment a thread has nothing left to do ({@link #awaitIdle}) instead of guessing it from
 * {@link Thread#getState()} and a sleep, and can count wake-up calls exactly.
 *
 * <p>Time starts near {@link Long#MAX_VALUE} so that every test also checks that time is only ever
 * compared by difference (as {@link System#nanoTime()} requires). Thread-safe.
 */
final class ManualTicker implements Ticker {

    private static final long FOREVER = Long.MIN_VALUE;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long now = Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(10);
    /** Threads inside park, with the time they wake by themselves ({@link #FOREVER}: never). */
    private final Map<Thread, Long> parked = new HashMap<>();
    /** Threads with a pending wake-up: their current or next park returns at once. */
    private final Set<Thread> permits = new HashSet<>();
    private final Map<Thread, Integer> unparks = new HashMap<>();

    @Override
    public long nanoTime() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void park(Object blocker) {
        parkUntil(FOREVER);
    }

    @Override
    public void parkUntil(Object blocker, long deadline) {
        parkUntil(deadline == FOREVER ? deadline + 1 : deadline);
    }

    private void parkUntil(long until) {
        Thread me = Thread.currentThread();
        lock.lock();
        try {
            parked.put(me, until);
            changed.signalAll();
            try {
                while (!permits.contains(me) && (until == FOREVER || until - now > 0)) {
                    changed.await();
                }
            } catch (InterruptedException e) {
                me.interrupt(); // as LockSupport.park: return with the interrupt status set
            }
            permits.remove(me);
            parked.remove(me);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void unpark(Thread thread) {
        lock.lock();
        try {
            permits.add(thread);
            unparks.merge(thread, 1, Integer::sum);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Moves time forward; threads whose park is over wake up. */
    void advance(Duration d) {
        lock.lock();
        try {
            now += d.toNanos();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits (in real time, at most 10 s) until {@code thread} is parked on this ticker with nothing
     * that would wake it: no pending {@link #unpark} and its own wake-up time still ahead.
     *
     * @return how long it plans to stay parked, or {@code null} when it parked without a time limit
     * @throws IllegalStateException when the thread did not get there in time
     */
    Duration awaitIdle(Thread thread) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        lock.lock();
        try {
            while (true) {
                Long until = parked.get(thread);
                if (until != null && !permits.contains(thread) && (until == FOREVER || until - now > 0)) {
                    return until == FOREVER ? null : Duration.ofNanos(until - now);
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(thread.getName() + " did not become idle on the fake ticker within 10 s"
                            + " (parked until " + until + ", permit " + permits.contains(thread) + ")");
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** How often {@link #unpark} was called for {@code thread}. */
    int unparks(Thread thread) {
        lock.lock();
        try {
            return unparks.getOrDefault(thread, 0);
        } finally {
            lock.unlock();
        }
    }
}
