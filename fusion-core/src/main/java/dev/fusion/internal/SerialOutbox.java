package dev.fusion.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * User code an ask must run (event delivery, listener calls), queued in the order the engine decided
 * it and run one at a time, never under the ask's lock. The engine {@link #post posts} while it holds
 * the lock (so the queue order is the order of the state changes), then {@link #drain drains} after
 * releasing it: whichever thread finds the queue idle runs every queued task, including tasks other
 * threads post meanwhile, so two threads leaving the lock can neither reorder nor interleave what a
 * consumer sees. A thread that finds another one draining leaves at once.
 *
 * <p>An outbox made with an executor ({@link #EVENT_THREADS} for an ask with user code to deliver to)
 * does not drain on the posting thread at all: the drain runs on that executor, so a consumer that
 * blocks holds up only its own later events, never the thread that completed a call (a Reactor worker
 * or an HTTP thread another member's answer, or the judge, needs).
 *
 * <p>Thread-safe; lock-free. A task that throws is logged and skipped.
 */
final class SerialOutbox {

    private static final Logger log = LoggerFactory.getLogger(SerialOutbox.class);

    /**
     * The library's event threads: daemon threads, one per ask that has events waiting (an outbox drains
     * on one at a time), idle ones kept for a minute.
     */
    static final java.util.concurrent.Executor EVENT_THREADS = eventThreads();

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Where the drain runs; null: on the thread calling {@link #drain}. */
    private final java.util.concurrent.Executor deliverOn;
    private final Runnable drainLoop = this::drainLoop;
    /** Drain requests not yet served; non-zero while a thread drains. */
    private final AtomicInteger wip = new AtomicInteger();

    /** An outbox drained by the thread calling {@link #drain}. */
    SerialOutbox() {
        this(null);
    }

    /** An outbox drained on {@code deliverOn} (null: on the thread calling {@link #drain}). */
    SerialOutbox(java.util.concurrent.Executor deliverOn) {
        this.deliverOn = deliverOn;
    }

    private static java.util.concurrent.Executor eventThreads() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE,
                60, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "fusion-events-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        return pool;
    }

    /** Queues a task; it runs on the next {@link #drain}. */
    void post(Runnable task) {
        queue.add(task);
    }

    /**
     * Runs the queued tasks in order, unless another thread is doing so (it then runs these too).
     * Must not be called while holding a lock the tasks' code could need.
     */
    void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        if (deliverOn != null) {
            deliverOn.execute(drainLoop);
        } else {
            drainLoop();
        }
    }

    private void drainLoop() {
        int missed = 1;
        do {
            for (Runnable task = queue.poll(); task != null; task = queue.poll()) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("an event consumer or listener threw; ignored: {}", e.toString());
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }
}
