package dev.fusion.shared;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory {@link RateGate} of one provider: at most N calls in flight, R call starts and T
 * tokens per minute in this JVM. A call over a limit waits in a FIFO queue (without blocking a thread)
 * instead of being sent into a 429 storm. Thread-safe (state under the gate's monitor).
 */
final class LocalRateGate implements RateGate {

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    private final ProviderLimit limit;
    private final Scheduler scheduler;
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private final Deque<Long> starts = new ArrayDeque<>();
    private final Deque<TokenEntry> tokens = new ArrayDeque<>();
    private long tokensInWindow;
    private int inFlight;
    private boolean timerArmed;

    private final java.util.function.LongSupplier nanoClock;

    LocalRateGate(ProviderLimit limit, Scheduler scheduler) {
        this(limit, scheduler, System::nanoTime);
    }

    /** With a clock of its own (tests: a virtual-time scheduler's). */
    LocalRateGate(ProviderLimit limit, Scheduler scheduler, java.util.function.LongSupplier nanoClock) {
        this.limit = limit;
        this.scheduler = scheduler;
        this.nanoClock = nanoClock;
    }

    @Override
    public Mono<Permit> acquire(long estimatedTokens) {
        return Mono.create(sink -> enqueue(sink, Math.max(0, estimatedTokens)));
    }

    /** Calls in flight now (tests, benchmarks). */
    public synchronized int inFlight() {
        return inFlight;
    }

    private static final class Waiter {
        final MonoSink<Permit> sink;
        final long tokens;
        /** 0 waiting, 1 granted, 2 cancelled. */
        final AtomicInteger state = new AtomicInteger();
        volatile Permit permit;

        Waiter(MonoSink<Permit> sink, long tokens) {
            this.sink = sink;
            this.tokens = tokens;
        }
    }

    /** Tokens booked at one start; {@code gone} once it left the 60 s window. */
    private static final class TokenEntry {
        final long at;
        long tokens;
        boolean gone;

        TokenEntry(long at, long tokens) {
            this.at = at;
            this.tokens = tokens;
        }
    }

    private void enqueue(MonoSink<Permit> sink, long estimate) {
        Waiter w = new Waiter(sink, estimate);
        sink.onCancel(() -> {
            if (w.state.compareAndSet(0, 2)) {
                synchronized (this) {
                    waiting.remove(w);
                }
            } else if (w.permit != null) {
                w.permit.release(-1); // granted while being cancelled: give the permit back
            }
        });
        synchronized (this) {
            waiting.addLast(w);
        }
        drain();
    }

    private void drain() {
        List<Waiter> ready = new ArrayList<>();
        synchronized (this) {
            long now = nanoClock.getAsLong();
            while (!starts.isEmpty() && now - starts.peekFirst() >= MINUTE) {
                starts.pollFirst();
            }
            while (!tokens.isEmpty() && now - tokens.peekFirst().at >= MINUTE) {
                TokenEntry e = tokens.pollFirst();
                e.gone = true;
                tokensInWindow -= e.tokens;
            }
            while (!waiting.isEmpty()) {
                if (limit.maxConcurrent() > 0 && inFlight >= limit.maxConcurrent()) {
                    break;
                }
                long waitNanos = 0;
                if (limit.requestsPerMinute() > 0 && starts.size() >= limit.requestsPerMinute()) {
                    waitNanos = MINUTE - (now - starts.peekFirst());
                } else if (limit.tokensPerMinute() > 0 && tokensInWindow > 0
                        && tokensInWindow + waiting.peekFirst().tokens > limit.tokensPerMinute()) {
                    waitNanos = MINUTE - (now - tokens.peekFirst().at);
                }
                if (waitNanos > 0) {
                    armTimer(waitNanos);
                    break;
                }
                Waiter w = waiting.pollFirst();
                // The permit exists before the waiter is marked granted, so a cancel that sees
                // "granted" can always give it back.
                TokenEntry entry = limit.tokensPerMinute() > 0 ? new TokenEntry(now, w.tokens) : null;
                w.permit = permit(entry);
                if (!w.state.compareAndSet(0, 1)) {
                    continue; // cancelled while queued
                }
                inFlight++;
                if (limit.requestsPerMinute() > 0) {
                    starts.addLast(now);
                }
                if (entry != null) {
                    tokens.addLast(entry);
                    tokensInWindow += entry.tokens;
                }
                ready.add(w);
            }
        }
        for (Waiter w : ready) {
            // Delivered on the scheduler, not on this thread: a permit freed while one ask holds its
            // lock must not start another ask's call (and take that ask's lock) on the same thread.
            scheduler.schedule(() -> w.sink.success(w.permit));
        }
    }

    /** Must hold the monitor. */
    private void armTimer(long waitNanos) {
        if (!timerArmed) {
            timerArmed = true;
            scheduler.schedule(() -> {
                synchronized (this) {
                    timerArmed = false;
                }
                drain();
            }, Math.max(1, waitNanos), TimeUnit.NANOSECONDS);
        }
    }

    private Permit permit(TokenEntry entry) {
        AtomicBoolean released = new AtomicBoolean();
        return reported -> {
            if (released.compareAndSet(false, true)) {
                synchronized (this) {
                    inFlight--;
                    if (entry != null && reported >= 0 && !entry.gone) {
                        tokensInWindow += reported - entry.tokens;
                        entry.tokens = reported;
                    }
                }
                drain();
            }
        };
    }
}
