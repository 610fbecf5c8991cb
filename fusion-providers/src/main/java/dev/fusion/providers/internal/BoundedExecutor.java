package dev.fusion.providers.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java 17-20 executor of blocking calls: at most {@code maxRunning} tasks run at once, the rest
 * wait in a FIFO queue (never rejected). Threads come from a cached pool (idle threads die after
 * 60 s), so a light load keeps only as many threads as it has calls running; a worker that finishes
 * a task takes the next queued one on the same thread, without a hand-off.
 *
 * <p>Thread bound: {@code maxRunning} threads run tasks; a worker that has just given its slot back
 * is briefly still alive on its way back to the pool, hence the pool's hard cap of
 * {@code maxThreads} (≥ {@code maxRunning}). Thread-safe.
 */
final class BoundedExecutor implements Executor {

    private static final Logger log = LoggerFactory.getLogger(BoundedExecutor.class);

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Free running slots. */
    private final AtomicInteger free;
    private final ThreadPoolExecutor threads;
    private final ThreadFactory factory;

    BoundedExecutor(int maxRunning, int maxThreads, ThreadFactory factory) {
        if (maxRunning < 1 || maxThreads < maxRunning) {
            throw new IllegalArgumentException("maxRunning " + maxRunning + ", maxThreads " + maxThreads);
        }
        this.free = new AtomicInteger(maxRunning);
        this.factory = factory;
        this.threads = new ThreadPoolExecutor(0, maxThreads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
    }

    @Override
    public void execute(Runnable task) {
        queue.offer(task);
        if (takeSlot()) {
            startWorker();
        }
    }

    /** Takes a running slot if one is free and something waits for it. */
    private boolean takeSlot() {
        for (;;) {
            int f = free.get();
            if (f == 0 || queue.isEmpty()) {
                return false;
            }
            if (free.compareAndSet(f, f - 1)) {
                return true;
            }
        }
    }

    private void startWorker() {
        try {
            threads.execute(this::work);
        } catch (RejectedExecutionException e) {
            // Only when maxThreads threads are alive, most of them on their way back to the pool
            // after giving their slots back. The slot is held: run the worker on a thread of its
            // own rather than strand the queued task.
            log.debug("call pool at its thread cap; starting a transient worker");
            factory.newThread(this::work).start();
        }
    }

    /** Holds one slot: runs queued tasks until the queue is empty, then gives the slot back. */
    private void work() {
        for (;;) {
            Runnable task;
            while ((task = queue.poll()) != null) {
                try {
                    task.run();
                } catch (Throwable t) {
                    log.warn("a call task threw; ignored: {}", t.toString());
                }
            }
            free.incrementAndGet();
            // A task queued after the last poll may have found no free slot: take one back for it.
            if (!takeSlot()) {
                return;
            }
        }
    }
}
