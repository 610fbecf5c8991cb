package dev.fusion.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FusionTimerTest {

    /** A private timer per test, so wake-up counts are not disturbed by other tests. */
    private final FusionTimer timer = new FusionTimer("fusion-timer-test");
    private final List<Disposable> toCancel = new ArrayList<>();

    @AfterEach
    void cancelLeftovers() {
        toCancel.forEach(Disposable::dispose);
    }

    @Test
    void runsATaskNoEarlierThanItsDelay() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicLong ranAfterNanos = new AtomicLong();
        long start = System.nanoTime();
        timer.schedule(() -> {
            ranAfterNanos.set(System.nanoTime() - start);
            ran.countDown();
        }, 80, TimeUnit.MILLISECONDS);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
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
        Thread.sleep(200);
        assertThat(ran).isFalse();
    }

    @Test
    void laterTimersArmedAndCancelledDoNotWakeTheTimerThread() throws Exception {
        // An early timer makes the thread plan its wake-up for 30 s from now.
        toCancel.add(timer.schedule(() -> { }, 30, TimeUnit.SECONDS));
        awaitParked();
        long wakeups = timer.wakeups();
        for (int i = 0; i < 1_000; i++) {
            // What every call does: arm a longer timeout, then cancel it when the answer comes.
            timer.schedule(() -> { }, 60, TimeUnit.SECONDS).dispose();
        }
        Thread.sleep(100);
        assertThat(timer.wakeups()).as("wake-ups for timers due after the planned wake-up").isEqualTo(wakeups);
        assertThat(timer.pendingCount()).isEqualTo(1);
    }

    @Test
    void anEarlierTimerWakesTheThread() throws Exception {
        toCancel.add(timer.schedule(() -> { }, 30, TimeUnit.SECONDS));
        awaitParked();
        CountDownLatch ran = new CountDownLatch(1);
        timer.schedule(ran::countDown, 20, TimeUnit.MILLISECONDS);
        assertThat(ran.await(5, TimeUnit.SECONDS)).as("a sooner timer fires despite the 30 s plan").isTrue();
    }

    @Test
    void aThrowingTaskDoesNotStopTheTimer() throws Exception {
        timer.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 10, TimeUnit.MILLISECONDS);
        timer.schedule(() -> {
            throw new IllegalStateException("boom");
        });
        CountDownLatch ran = new CountDownLatch(1);
        timer.schedule(ran::countDown, 60, TimeUnit.MILLISECONDS);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void tasksRunOffTheTimerThreadSoASlowOneDoesNotDelayTheOthers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        timer.schedule(() -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 5, TimeUnit.MILLISECONDS);
        CountDownLatch second = new CountDownLatch(1);
        timer.schedule(second::countDown, 30, TimeUnit.MILLISECONDS);
        try {
            assertThat(second.await(2, TimeUnit.SECONDS)).as("second timer fired while the first task blocks").isTrue();
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
        assertThat(all.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(maxConcurrent.get()).isEqualTo(1);
        assertThat(order).isSorted().hasSize(50);

        AtomicBoolean late = new AtomicBoolean();
        w.schedule(() -> late.set(true), 50, TimeUnit.MILLISECONDS);
        w.dispose();
        assertThat(w.isDisposed()).isTrue();
        Thread.sleep(200);
        assertThat(late).isFalse();
        assertThat(timer.pendingCount()).isZero();
        assertThatThrownBy(() -> w.schedule(() -> { })).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @Test
    void drivesReactorsTimeoutOperator() {
        assertThatThrownBy(() -> Mono.never().timeout(Duration.ofMillis(50), timer).block(Duration.ofSeconds(5)))
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(Mono.just(1).timeout(Duration.ofSeconds(10), timer).block()).isEqualTo(1);
        assertThat(timer.pendingCount()).as("the answered call's timeout was cancelled and removed").isZero();
        assertThat(Mono.delay(Duration.ofMillis(20), timer).block(Duration.ofSeconds(5))).isZero();
    }

    @Test
    void platformTaskThreadsRefuseBlockingLikeReactorsParallelThreads() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicBoolean nonBlocking = new AtomicBoolean();
        timer.schedule(() -> {
            nonBlocking.set(reactor.core.scheduler.Schedulers.isInNonBlockingThread());
            ran.countDown();
        }, 1, TimeUnit.MILLISECONDS);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        // 16 platform task threads must not be held by blocking asks; virtual task threads (21+) may block.
        assertThat(nonBlocking.get()).isEqualTo(Runtime.version().feature() < 21);
    }

    private void awaitParked() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!timer.parked() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertThat(timer.parked()).as("timer thread parked").isTrue();
        Thread.sleep(20); // parked for good, not just passing through a lock
    }
}
