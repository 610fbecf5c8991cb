package dev.fusion.providers.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The dispatcher executor on Java 21+: the first {@code platformLimit} concurrent calls run on a
 * pool of platform threads, every call beyond them on a virtual thread.
 *
 * <p>Why both: a call blocks on its socket for its whole life. On a platform thread a blocking read
 * is one kernel wake-up when the answer arrives; on a virtual thread it is a wake-up of the JDK's
 * I/O poller, which then schedules the virtual thread on a carrier thread, about twice the CPU per
 * call at ordinary load (fusion-benchmarks/RESULTS.md, JDK 25). Virtual threads are what make
 * thousands of calls in flight cheap in memory and threads, so they take the overflow: the number
 * of platform threads stays bounded by {@code platformLimit} whatever the load.
 *
 * <p>A task that the platform pool cannot take at once (all its threads busy, or one still on its
 * way back to the pool) runs on a virtual thread instead; nothing is queued or rejected here.
 * Thread-safe.
 */
final class HybridExecutor extends AbstractExecutorService {

    private final ExecutorService platform;
    private final ExecutorService overflow;
    private final Semaphore platformPermits;

    /**
     * @param platform      runs at most {@code platformLimit} tasks at once; may reject when busy
     * @param platformLimit how many tasks may run on {@code platform} at once (0: none)
     * @param overflow      takes every other task (virtual threads); must not reject
     */
    HybridExecutor(ExecutorService platform, int platformLimit, ExecutorService overflow) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.overflow = Objects.requireNonNull(overflow, "overflow");
        if (platformLimit < 0) {
            throw new IllegalArgumentException("platformLimit must be >= 0, was " + platformLimit);
        }
        this.platformPermits = new Semaphore(platformLimit);
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (platformPermits.tryAcquire()) {
            try {
                platform.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        platformPermits.release();
                    }
                });
                return;
            } catch (RejectedExecutionException e) {
                platformPermits.release(); // no idle platform thread right now: a virtual one takes it
            } catch (Throwable t) {
                platformPermits.release(); // e.g. no memory for a new thread: give the permit back
                throw t;
            }
        }
        overflow.execute(task);
    }

    @Override
    public void shutdown() {
        platform.shutdown();
        overflow.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        List<Runnable> left = new ArrayList<>(platform.shutdownNow());
        left.addAll(overflow.shutdownNow());
        return left;
    }

    @Override
    public boolean isShutdown() {
        return platform.isShutdown() && overflow.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return platform.isTerminated() && overflow.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        return platform.awaitTermination(timeout, unit)
                && overflow.awaitTermination(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
