package dev.fusion.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The timer in virtual time: a {@link ManualTicker} stands still until a test advances it and tells
 * exactly when the timer thread is parked with nothing to wake it ({@link ManualTicker#awaitIdle}), so
 * no test sleeps or bounds wall-clock time. Real-time waits remain only on events (latches), with
 * generous limits that are never reached when the code is right.
 */
class FusionTimerTest {

    private static final long WAIT_S = 10;

    private final ManualTicker ticker = new ManualTicker();
    /** Everything the timer hands to its task executor, counted. */
    private final AtomicInteger handed = new AtomicInteger();
    private final Executor realTasks = FusionTimer.taskExecutor("fusion-timer-test");
    /** A private timer per test, so wake-up counts are not disturbed by other tests. */
    private final FusionTimer timer = new FusionTimer("fusion-timer-test", ticker, task -> {
        handed.incrementAndGet();
        realTasks.execute(task);
    });
    private final List<Disposable> toCancel = new ArrayList<>();

    @AfterEach
    void cancelLeftovers() {
        toCancel.forEach(Disposable::dispose);
    }

    /** Waits until the timer thread has planned its next wake-up and parked; returns the plan (null: none). */
    private Duration awaitPlan() throws InterruptedException {
        return ticker.awaitIdle(timer.thread());
    }

    @Test
    void runsATaskNoEarlierThanItsDelay() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicLong ranAfterNanos = new AtomicLong();
        long start = ticker.nanoTime();
        timer.schedule(() -> {
            ranAfterNanos.set(ticker.nanoTime() - start);
            ran.countDown();
        }, 80, TimeUnit.MILLISECONDS);
        assertThat(awaitPlan()).isEqualTo(Duration.ofMillis(80));
        ticker.advance(Duration.ofMillis(79));
        assertThat(awaitPlan()).as("still parked, 1 ms before the task is due").isEqualTo(Duration.ofMillis(1));
        assertThat(handed.get()).as("nothing handed over early").isZero();
        ticker.advance(Duration.ofMillis(1));
        assertThat(ran.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(ranAfterNanos.get()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(80));
        assertThat(timer.pendingCount()).isZero();
    }

    @Test
    void aCancelledTimerNeverRunsAndIsForgotten() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        Disposable d = timer.schedule(() -> ran.set(true), 50, TimeUnit.MILLISECONDS);
        assertThat(timer.pendingCount()).isEqualTo(1);
        d.dispose();
        assertThat(d.isDisposed()).isTrue();
        assertThat(timer.pendingCount()).isZero();
        ticker.advance(Duration.ofMillis(200));
        assertThat(awaitPlan()).as("past the cancelled timer's time, nothing left to wake for").isNull();
        assertThat(handed.get()).as("nothing handed to the task executor").isZero();
        assertThat(ran).isFalse();
    }

    @Test
    void laterTimersArmedAndCancelledDoNotWakeTheTimerThread() throws Exception {
        // An early timer makes the thread plan its wake-up for 30 s from now.
        toCancel.add(timer.schedule(() -> { }, 30, TimeUnit.SECONDS));
        assertThat(awaitPlan()).isEqualTo(Duration.ofSeconds(30));
        int wakeups = ticker.unparks(timer.thread());
        for (int i = 0; i < 1_000; i++) {
            // What every call does: arm a longer timeout, then cancel it when the answer comes.
            timer.schedule(() -> { }, 60, TimeUnit.SECONDS).dispose();
        }
        assertThat(ticker.unparks(timer.thread())).as("wake-ups for timers due after the planned wake-up").isEqualTo(wakeups);
        assertThat(awaitPlan()).as("the plan is unchanged").isEqualTo(Duration.ofSeconds(30));
        assertThat(timer.pendingCount()).isEqualTo(1);
    }

    @Test
    void anEarlierTimerWakesTheThread() throws Exception {
        toCancel.add(timer.schedule(() -> { }, 30, TimeUnit.SECONDS));
        assertThat(awaitPlan()).isEqualTo(Duration.ofSeconds(30));
        CountDownLatch ran = new CountDownLatch(1);
        timer.schedule(ran::countDown, 20, TimeUnit.MILLISECONDS);
        assertThat(awaitPlan()).as("the thread woke and re-planned for the sooner timer").isEqualTo(Duration.ofMillis(20));
        ticker.advance(Duration.ofMillis(20));
        assertThat(ran.await(WAIT_S, TimeUnit.SECONDS)).as("a sooner timer fires despite the 30 s plan").isTrue();
    }

    @Test
    void aThrowingTaskDoesNotStopTheTimer() throws Exception {
        // the two throws are expected: their ERROR lines are captured and asserted, not printed by the build
        try (dev.fusion.testing.LogCapture log = dev.fusion.testing.LogCapture.start()) {
            timer.schedule(() -> {
                throw new IllegalStateException("boom");
            }, 10, TimeUnit.MILLISECONDS);
            timer.schedule(() -> {
                throw new IllegalStateException("boom");
            });
            CountDownLatch ran = new CountDownLatch(1);
            timer.schedule(ran::countDown, 60, TimeUnit.MILLISECONDS);
            assertThat(awaitPlan()).isEqualTo(Duration.ofMillis(10));
            ticker.advance(Duration.ofMillis(10));
            assertThat(awaitPlan()).as("the timer thread went on after the throwing task").isEqualTo(Duration.ofMillis(50));
            ticker.advance(Duration.ofMillis(50));
            assertThat(ran.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            // each throw is reported once, with its cause, as an error of the timer
            assertThat(log.awaitCount("a scheduled task threw; the timer goes on", 2, WAIT_S)).isEqualTo(2);
            assertThat(log.text()).contains("ERROR dev.fusion.internal.FusionTimer", "IllegalStateException: boom");
        }
    }

    @Test
    void tasksRunOffTheTimerThreadSoASlowOneDoesNotDelayTheOthers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstRunning = new CountDownLatch(1);
        timer.schedule(() -> {
            firstRunning.countDown();
            try {
                release.await(WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 5, TimeUnit.MILLISECONDS);
        CountDownLatch second = new CountDownLatch(1);
        timer.schedule(second::countDown, 30, TimeUnit.MILLISECONDS);
        try {
            assertThat(awaitPlan()).isEqualTo(Duration.ofMillis(5));
            ticker.advance(Duration.ofMillis(5));
            assertThat(firstRunning.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            ticker.advance(Duration.ofMillis(25));
            assertThat(second.await(WAIT_S, TimeUnit.SECONDS)).as("second timer fired while the first task blocks").isTrue();
        } finally {
            release.countDown();
        }
    }

    @Test
    void aWorkerRunsItsTasksOneAtATimeInOrderAndDisposeCancelsTheRest() throws Exception {
        Scheduler.Worker w = timer.createWorker();
        List<Integer> order = new CopyOnWriteArrayList<>();
        AtomicLong concurrent = new AtomicLong();
        AtomicLong maxConcurrent = new AtomicLong();
        CountDownLatch all = new CountDownLatch(50);
        for (int i = 0; i < 50; i++) {
            int n = i;
            w.schedule(() -> {
                maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                order.add(n);
                Thread.onSpinWait();
                concurrent.decrementAndGet();
                all.countDown();
            });
        }
        assertThat(all.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(maxConcurrent.get()).isEqualTo(1);
        assertThat(order).isSorted().hasSize(50);

        AtomicBoolean late = new AtomicBoolean();
        w.schedule(() -> late.set(true), 50, TimeUnit.MILLISECONDS);
        w.dispose();
        assertThat(w.isDisposed()).isTrue();
        ticker.advance(Duration.ofMillis(200));
        assertThat(awaitPlan()).as("past the cancelled task's time, nothing left to wake for").isNull();
        assertThat(late).isFalse();
        assertThat(timer.pendingCount()).isZero();
        assertThatThrownBy(() -> w.schedule(() -> { })).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @Test
    void drivesReactorsTimeoutOperator() throws Exception {
        CompletableFuture<Object> never = Mono.never().timeout(Duration.ofMillis(50), timer).toFuture();
        assertThat(awaitPlan()).isEqualTo(Duration.ofMillis(50));
        ticker.advance(Duration.ofMillis(50));
        assertThatThrownBy(() -> never.get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(Mono.just(1).timeout(Duration.ofSeconds(10), timer).block()).isEqualTo(1);
        assertThat(timer.pendingCount()).as("the answered call's timeout was cancelled and removed").isZero();
        CompletableFuture<Long> delay = Mono.delay(Duration.ofMillis(20), timer).toFuture();
        assertThat(awaitPlan()).isEqualTo(Duration.ofMillis(20));
        ticker.advance(Duration.ofMillis(20));
        assertThat(delay.get(WAIT_S, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void platformTaskThreadsRefuseBlockingLikeReactorsParallelThreads() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicBoolean nonBlocking = new AtomicBoolean();
        timer.schedule(() -> {
            nonBlocking.set(reactor.core.scheduler.Schedulers.isInNonBlockingThread());
            ran.countDown();
        }, 1, TimeUnit.MILLISECONDS);
        assertThat(awaitPlan()).isEqualTo(Duration.ofMillis(1));
        ticker.advance(Duration.ofMillis(1));
        assertThat(ran.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        // 16 platform task threads must not be held by blocking asks; virtual task threads (21+) may block.
        assertThat(nonBlocking.get()).isEqualTo(Runtime.version().feature() < 21);
    }

    @Test
    void nowIsTheTimersOwnClockAnchoredAtTheWallClock() {
        long wallMillis = System.currentTimeMillis();
        long before = timer.now(TimeUnit.NANOSECONDS);
        ticker.advance(Duration.ofMillis(250));
        assertThat(timer.now(TimeUnit.NANOSECONDS) - before).as("moves with the ticker, exactly")
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
        assertThat(timer.now(TimeUnit.MILLISECONDS)).as("reads as epoch time")
                .isBetween(wallMillis - TimeUnit.DAYS.toMillis(1), wallMillis + TimeUnit.DAYS.toMillis(1));
    }

    @Test
    void theSharedTimerRunsOnTheSystemClock() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        FusionTimer.shared().schedule(ran::countDown, 1, TimeUnit.MILLISECONDS);
        assertThat(ran.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
    }
}
