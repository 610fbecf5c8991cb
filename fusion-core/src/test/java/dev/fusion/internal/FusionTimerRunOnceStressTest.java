package dev.fusion.internal;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stress test for the timer's run-once guarantee (fixed in 1e1ea7d): a task handed to the task
 * executor runs at most once, however its {@code run()} calls and a {@code dispose()} interleave.
 * Before the fix, run() read the task and then cleared it in two steps, so two runs that overlapped
 * there both saw the task and it ran twice.
 *
 * <p>Each round hands a batch of tasks over, then two threads, released together after seeded random
 * delays, go through the batch in the same order: both running every task (each must run exactly
 * once), or one running and one disposing them (each at most once). Racing through a batch gives
 * each round many chances to overlap. Immediate tasks and armed timers (in virtual time) alternate.
 * Nothing about timing is asserted, only how often each task ran.
 */
class FusionTimerRunOnceStressTest {

    private static final int BATCH = 1_024;
    private static final int ROUNDS = 500;
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * Rounds run whatever the clock says: the time budget only bounds how many more are run. With both
     * cores busy a cold JVM managed a single round in the budget, and the test failed for that alone.
     */
    private static final int MIN_ROUNDS = 20;

    @Test
    void aHandedOverTaskRunsAtMostOnceUnderConcurrentRunsAndDispose() throws Exception {
        ManualTicker ticker = new ManualTicker();
        LinkedBlockingQueue<Runnable> handed = new LinkedBlockingQueue<>();
        FusionTimer timer = new FusionTimer("fusion-timer-stress", ticker, handed::add);
        int wrong = 0;
        int rounds = 0;
        long end = System.nanoTime() + BUDGET_NANOS;
        try (Interleavings race = new Interleavings(1_213L, 8, 8)) {
            for (; rounds < ROUNDS && (rounds < MIN_ROUNDS || System.nanoTime() - end < 0); rounds++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(BATCH);
                Disposable[] disposables = new Disposable[BATCH];
                boolean armed = rounds % 2 == 1;
                for (int i = 0; i < BATCH; i++) {
                    int n = i;
                    disposables[i] = armed ? timer.schedule(() -> runs.incrementAndGet(n), 1, TimeUnit.MILLISECONDS)
                            : timer.schedule(() -> runs.incrementAndGet(n));
                }
                if (armed) {
                    ticker.advance(Duration.ofMillis(1)); // the timer thread hands them over when due
                }
                Runnable[] tasks = new Runnable[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    tasks[i] = handed.poll(10, TimeUnit.SECONDS);
                    assertThat(tasks[i]).as("task %d of round %d was handed to the executor", i, rounds).isNotNull();
                }
                boolean twoRuns = rounds % 4 < 2;
                race.run(() -> runAll(tasks), twoRuns ? () -> runAll(tasks) : () -> disposeAll(disposables));
                for (int i = 0; i < BATCH; i++) {
                    if (twoRuns ? runs.get(i) != 1 : runs.get(i) > 1) {
                        wrong++;
                    }
                    disposables[i].dispose();
                    assertThat(disposables[i].isDisposed()).isTrue();
                }
            }
        }
        System.out.printf("FusionTimerRunOnceStressTest: %d rounds of %d tasks, %d ran twice (or, with two runs, not once)%n",
                rounds, BATCH, wrong);
        assertThat(wrong).as("tasks that ran twice (or, with two runs, not once) in %d rounds of %d", rounds, BATCH).isZero();
        assertThat(timer.pendingCount()).isZero();
        assertThat(rounds).as("rounds run within the time budget").isGreaterThanOrEqualTo(MIN_ROUNDS);
    }

    private static void runAll(Runnable[] tasks) {
        for (Runnable t : tasks) {
            t.run();
        }
    }

    private static void disposeAll(Disposable[] disposables) {
        for (Disposable d : disposables) {
            d.dispose();
        }
    }
}
