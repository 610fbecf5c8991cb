package dev.fusion.internal;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per-provider limits: at most N calls in flight and at most R call starts per minute. A call over
 * a limit waits in a FIFO queue (without blocking a thread) instead of being sent into a 429 storm.
 * Thread-safe.
 */
public final class ProviderLimiter {

    /** The limits of one provider; 0 means unlimited. */
    public record Limit(int maxConcurrent, int requestsPerMinute) {
    }

    private final Map<String, Limit> limits;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    private final Scheduler scheduler;

    public ProviderLimiter(Map<String, Limit> limits, Scheduler scheduler) {
        this.limits = Map.copyOf(limits);
        this.scheduler = scheduler;
    }

    public boolean isEmpty() {
        return limits.isEmpty();
    }

    /**
     * A permit for one call to {@code provider}: completes when the call may start; the returned
     * {@link Runnable} must be run exactly once when the call ends. Cancelling the Mono leaves the queue.
     */
    public Mono<Runnable> acquire(String provider) {
        Limit limit = limits.get(provider);
        if (limit == null) {
            return Mono.just(() -> { });
        }
        Gate gate = gates.computeIfAbsent(provider, p -> new Gate(limit));
        return Mono.create(sink -> gate.enqueue(sink));
    }

    private static final class Waiter {
        final MonoSink<Runnable> sink;
        /** 0 waiting, 1 granted, 2 cancelled. */
        final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
        volatile Runnable release;

        Waiter(MonoSink<Runnable> sink) {
            this.sink = sink;
        }
    }

    private final class Gate {
        private final Limit limit;
        private final Deque<Waiter> waiting = new ArrayDeque<>();
        private final Deque<Long> starts = new ArrayDeque<>();
        private int inFlight;
        private boolean timerArmed;

        Gate(Limit limit) {
            this.limit = limit;
        }

        void enqueue(MonoSink<Runnable> sink) {
            Waiter w = new Waiter(sink);
            sink.onCancel(() -> {
                if (w.state.compareAndSet(0, 2)) {
                    synchronized (this) {
                        waiting.remove(w);
                    }
                } else if (w.release != null) {
                    w.release.run(); // granted while being cancelled: give the permit back
                }
            });
            synchronized (this) {
                waiting.addLast(w);
            }
            drain();
        }

        void drain() {
            java.util.List<Waiter> ready = new java.util.ArrayList<>();
            synchronized (this) {
                long now = System.nanoTime();
                long minute = TimeUnit.MINUTES.toNanos(1);
                while (!starts.isEmpty() && now - starts.peekFirst() >= minute) {
                    starts.pollFirst();
                }
                while (!waiting.isEmpty()) {
                    if (limit.maxConcurrent() > 0 && inFlight >= limit.maxConcurrent()) {
                        break;
                    }
                    if (limit.requestsPerMinute() > 0 && starts.size() >= limit.requestsPerMinute()) {
                        if (!timerArmed) {
                            timerArmed = true;
                            long wait = Math.max(1, minute - (now - starts.peekFirst()));
                            scheduler.schedule(() -> {
                                synchronized (this) {
                                    timerArmed = false;
                                }
                                drain();
                            }, wait, TimeUnit.NANOSECONDS);
                        }
                        break;
                    }
                    Waiter w = waiting.pollFirst();
                    // The release exists before the waiter is marked granted, so a cancel that sees
                    // "granted" can always give the permit back.
                    w.release = releaseOnce();
                    if (!w.state.compareAndSet(0, 1)) {
                        continue; // cancelled while queued
                    }
                    inFlight++;
                    starts.addLast(now);
                    ready.add(w);
                }
            }
            for (Waiter w : ready) {
                // Delivered on the scheduler, not on this thread: a permit freed while one ask holds its
                // lock must not start another ask's call (and take that ask's lock) on the same thread.
                scheduler.schedule(() -> w.sink.success(w.release));
            }
        }

        private Runnable releaseOnce() {
            java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
            return () -> {
                if (released.compareAndSet(false, true)) {
                    synchronized (this) {
                        inFlight--;
                    }
                    drain();
                }
            };
        }
    }
}
