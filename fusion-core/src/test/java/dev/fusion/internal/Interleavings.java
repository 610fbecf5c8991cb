package dev.fusion.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small stress harness for races between a few threads: each round runs one action on the calling
 * thread and the others on helper threads, all released at the same moment and each delayed by a
 * seeded random spin, so that many rounds try many different interleavings of the same steps. The
 * seed makes the sequence of delays reproducible (the OS scheduler still adds its own noise).
 *
 * <p>Helper threads live as long as this object; close it to end them.
 */
final class Interleavings implements AutoCloseable {

    private final Random random;
    private final int[] maxSpins;
    private final List<Thread> helpers = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Runnable[] round;
    private volatile int[] spins;
    private volatile int generation;
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param seed     seeds the random delays
     * @param maxSpins per action (the first runs on the calling thread, one helper thread for each
     *                 other), its longest delay in {@link Thread#onSpinWait()} iterations
     */
    Interleavings(long seed, int... maxSpins) {
        this.random = new Random(seed);
        this.maxSpins = maxSpins.clone();
        for (int i = 0; i < maxSpins.length - 1; i++) {
            int index = i + 1;
            Thread t = new Thread(() -> helperLoop(index), "interleavings-" + index);
            t.setDaemon(true);
            helpers.add(t);
            t.start();
        }
    }

    /**
     * Runs {@code actions[0]} on the calling thread and the others on the helpers, all at once,
     * and returns when every one has finished. A helper's failure is rethrown here.
     */
    void run(Runnable... actions) {
        if (actions.length != helpers.size() + 1) {
            throw new IllegalArgumentException("expected " + (helpers.size() + 1) + " actions");
        }
        int[] s = new int[actions.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = random.nextInt(maxSpins[i] + 1);
        }
        finished.set(0);
        arrived.set(0);
        round = actions;
        spins = s;
        generation++; // releases the helpers
        awaitArrivals(); // all start together, so that the delays decide the order
        spin(s[0]);
        actions[0].run();
        while (finished.get() < helpers.size()) {
            Thread.yield();
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new AssertionError("a helper thread failed", t);
        }
    }

    private void helperLoop(int index) {
        int seen = 0;
        int idle = 0;
        while (!closed) {
            if (generation == seen) {
                // Between rounds: spin briefly (rounds follow each other closely), then give the CPU away.
                if (++idle < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                continue;
            }
            idle = 0;
            seen = generation;
            arrived.incrementAndGet();
            awaitArrivals();
            spin(spins[index]);
            try {
                round[index].run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
            finished.incrementAndGet();
        }
    }

    /** Spins until every helper has arrived; yields when that takes long (a thread off its CPU). */
    private void awaitArrivals() {
        for (int i = 0; arrived.get() < helpers.size(); i++) {
            if (i < 10_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private static void spin(int n) {
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
