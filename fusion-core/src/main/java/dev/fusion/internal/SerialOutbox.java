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
 * consumer sees. A thread that finds another one draining leaves at once: a slow consumer holds up
 * only the thread delivering to it, never a call completing on another thread.
 *
 * <p>Thread-safe; lock-free. A task that throws is logged and skipped.
 */
final class SerialOutbox {

    private static final Logger log = LoggerFactory.getLogger(SerialOutbox.class);

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Drain requests not yet served; non-zero while a thread drains. */
    private final AtomicInteger wip = new AtomicInteger();

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
