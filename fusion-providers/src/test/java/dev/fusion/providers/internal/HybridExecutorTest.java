package dev.fusion.providers.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Platform threads up to the limit, then the overflow executor; nothing lost or rejected. */
class HybridExecutorTest {

    @Test
    void runsTheFirstTasksOnThePlatformPoolAndTheRestOnTheOverflow() throws Exception {
        int limit = 3;
        ThreadPoolExecutor platform = new ThreadPoolExecutor(0, limit, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> new Thread(r, "platform"));
        ExecutorService overflow = Executors.newCachedThreadPool(r -> new Thread(r, "overflow"));
        HybridExecutor hybrid = new HybridExecutor(platform, limit, overflow);
        int tasks = 10;
        CountDownLatch started = new CountDownLatch(tasks);
        CountDownLatch release = new CountDownLatch(1);
        Map<String, AtomicInteger> byPool = new ConcurrentHashMap<>();
        for (int i = 0; i < tasks; i++) {
            hybrid.execute(() -> {
                byPool.computeIfAbsent(Thread.currentThread().getName(), k -> new AtomicInteger()).incrementAndGet();
                started.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).as("every task runs at once, none queued").isTrue();
        assertThat(byPool.get("platform").get()).isEqualTo(limit);
        assertThat(byPool.get("overflow").get()).isEqualTo(tasks - limit);
        release.countDown();

        // Permits come back: once the platform threads are free, new tasks use them again.
        platform.awaitTermination(200, TimeUnit.MILLISECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (platform.getActiveCount() > 0 && System.nanoTime() < end) {
            // The pool's thread count has no callback to wait on: a bounded poll, not a timing assumption.
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        CountDownLatch again = new CountDownLatch(1);
        String[] ranOn = new String[1];
        hybrid.execute(() -> {
            ranOn[0] = Thread.currentThread().getName();
            again.countDown();
        });
        assertThat(again.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn[0]).isEqualTo("platform");
        hybrid.shutdown();
        assertThat(hybrid.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aZeroLimitSendsEverythingToTheOverflow() throws Exception {
        ExecutorService platform = Executors.newSingleThreadExecutor(r -> new Thread(r, "platform"));
        ExecutorService overflow = Executors.newSingleThreadExecutor(r -> new Thread(r, "overflow"));
        HybridExecutor hybrid = new HybridExecutor(platform, 0, overflow);
        CountDownLatch ran = new CountDownLatch(1);
        String[] on = new String[1];
        hybrid.execute(() -> {
            on[0] = Thread.currentThread().getName();
            ran.countDown();
        });
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(on[0]).isEqualTo("overflow");
        hybrid.shutdownNow();
    }
}
