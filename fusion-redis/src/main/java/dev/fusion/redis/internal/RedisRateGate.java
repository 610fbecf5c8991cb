package dev.fusion.redis.internal;

import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.ProviderLimit;
import dev.fusion.shared.RateGate;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One provider's limits on Redis. Waiters queue here in FIFO order; one {@code admit.lua} call at a
 * time admits a batch of them (checking concurrency, requests and tokens per minute atomically), and
 * one {@code permits.lua} call at a time releases ended calls and renews the leases of running ones.
 * A permit whose holder died expires after one lease. Blocked by concurrency, the gate asks again after
 * a release of its own or a short poll; blocked by a rate, when the oldest start leaves the window.
 * While Redis is unreachable, waiters fail ({@link OnUnavailable#REFUSE}) or go through an in-memory
 * gate with the same limits ({@link OnUnavailable#LOCAL}); the calls that fallback started are adopted
 * into Redis (their permits, starts and tokens) with the first admission or renewal that reaches it
 * again, so the shared limits count them until they end. Thread-safe (state under this monitor).
 */
public final class RedisRateGate implements RateGate {

    private static final int BATCH = 64;

    private final RedisLink link;
    private final Health health;
    private final String[] keys;
    private final ProviderLimit limit;
    private final long leaseMs;
    private final String instance;
    private final Scheduler scheduler;
    private final RateGate fallback;
    private final long pollMs;
    private final AtomicLong seq = new AtomicLong();

    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private final Map<String, Waiter> held = new LinkedHashMap<>();
    /** Calls running on the local fallback that Redis does not count yet. */
    private final List<Waiter> toAdopt = new ArrayList<>();
    private List<String> releases = new ArrayList<>();
    private boolean admitting;
    private boolean syncing;
    private boolean renewDue;
    private boolean timerArmed;

    private final class Waiter {
        final String id;
        final long tokens;
        final MonoSink<Permit> sink;
        /** 0 waiting, 1 granted, 2 cancelled, 3 handed to the local fallback. */
        final AtomicInteger state = new AtomicInteger();
        final AtomicBoolean released = new AtomicBoolean();
        volatile Disposable delegate;
        /** The fallback's permit, when the local gate admitted this call (state 3). */
        volatile Permit localPermit;
        volatile long startNanos;
        volatile boolean cancelled;
        /** In an admission call that adopts it into Redis (under the gate's monitor). */
        boolean adopting;
        /** Adopted: Redis counts it, so its release goes there too (under the gate's monitor). */
        boolean adopted;

        Waiter(String id, long tokens, MonoSink<Permit> sink) {
            this.id = id;
            this.tokens = tokens;
            this.sink = sink;
        }
    }

    public RedisRateGate(RedisLink link, Health health, String namespace, String provider, ProviderLimit limit,
                         String instance, java.time.Duration lease, Scheduler scheduler, RateGate fallback) {
        this.link = link;
        this.health = health;
        String p = namespace + ":limit:" + provider;
        this.keys = new String[]{p + ":permits", p + ":starts", p + ":tstarts", p + ":tokens"};
        this.limit = limit;
        this.leaseMs = lease.toMillis();
        this.instance = instance;
        this.scheduler = scheduler;
        this.fallback = fallback;
        this.pollMs = Math.max(2, Math.min(25, leaseMs / 20));
    }

    @Override
    public Mono<Permit> acquire(long estimatedTokens) {
        return Mono.create(sink -> {
            Waiter w = new Waiter(instance + ":" + seq.incrementAndGet(), Math.max(0, estimatedTokens), sink);
            sink.onCancel(() -> cancel(w));
            synchronized (this) {
                waiting.addLast(w);
            }
            admit();
        });
    }

    private void cancel(Waiter w) {
        if (w.state.compareAndSet(0, 2)) {
            synchronized (this) {
                waiting.remove(w);
            }
        } else if (w.state.get() == 1) {
            release(w, -1); // granted while being cancelled: give the permit back
        } else if (w.state.get() == 3) {
            w.cancelled = true;
            if (w.delegate != null) {
                w.delegate.dispose();
            }
            if (w.localPermit != null) {
                releaseFallback(w, -1); // granted by the fallback while being cancelled: give it back
            }
        }
    }

    /** Renews the leases of the permits held by this instance (call every third of a lease). */
    public void renew() {
        boolean adopt;
        synchronized (this) {
            adopt = !toAdopt.isEmpty();
            if (held.isEmpty() && !adopt) {
                return;
            }
            renewDue = !held.isEmpty();
        }
        sync();
        if (adopt) {
            admit(true); // also probes the store: calls started locally are counted once it answers
        }
    }

    /** Calls started on the local fallback that Redis does not count yet (tests). */
    public synchronized int unadopted() {
        return toAdopt.size();
    }

    /** Permits this instance holds (tests). */
    public synchronized int held() {
        return held.size();
    }

    private void admit() {
        admit(false);
    }

    /**
     * Sends the next admission: the waiters at the head of the queue, with the calls to adopt (started
     * on the local fallback) in front of them. {@code probe}: also when only adoptions are due.
     */
    private void admit(boolean probe) {
        List<Waiter> batch = new ArrayList<>();
        List<Waiter> adopt;
        String[] args;
        synchronized (this) {
            if (admitting || (waiting.isEmpty() && !(probe && !toAdopt.isEmpty()))) {
                return;
            }
            for (Waiter w : waiting) {
                if (batch.size() == BATCH) {
                    break;
                }
                batch.add(w);
            }
            adopt = new ArrayList<>(toAdopt.subList(0, Math.min(BATCH, toAdopt.size())));
            admitting = true;
            args = new String[6 + 3 * adopt.size() + 2 * batch.size()];
            args[0] = "";
            args[1] = Long.toString(leaseMs);
            args[2] = Integer.toString(limit.maxConcurrent());
            args[3] = Integer.toString(limit.requestsPerMinute());
            args[4] = Long.toString(limit.tokensPerMinute());
            args[5] = Integer.toString(adopt.size());
            long now = System.nanoTime();
            for (int i = 0; i < adopt.size(); i++) {
                Waiter w = adopt.get(i);
                w.adopting = true;
                args[6 + 3 * i] = w.id;
                args[7 + 3 * i] = Long.toString(Math.max(0, TimeUnit.NANOSECONDS.toMillis(now - w.startNanos)));
                args[8 + 3 * i] = Long.toString(w.tokens);
            }
            int base = 6 + 3 * adopt.size();
            for (int i = 0; i < batch.size(); i++) {
                args[base + 2 * i] = batch.get(i).id;
                args[base + 1 + 2 * i] = Long.toString(batch.get(i).tokens);
            }
        }
        link.eval(Script.ADMIT, keys, args).subscribe(r -> onAdmitted(batch, adopt, r), e -> onAdmitFailed(batch, adopt, e));
    }

    private void onAdmitted(List<Waiter> batch, List<Waiter> adopt, List<Object> reply) {
        health.up();
        int granted = ((Long) reply.get(0)).intValue();
        long wait = Long.parseLong(String.valueOf(reply.get(1)));
        List<Waiter> ready = new ArrayList<>();
        boolean more;
        synchronized (this) {
            admitting = false;
            for (Waiter w : adopt) {
                w.adopting = false;
                if (toAdopt.remove(w)) { // not released meanwhile (a release already went to Redis)
                    w.adopted = true;
                    held.put(w.id, w); // renewed with the others until it ends
                }
            }
            for (int i = 0; i < granted; i++) {
                Waiter w = batch.get(i);
                waiting.remove(w);
                if (w.state.compareAndSet(0, 1)) {
                    held.put(w.id, w);
                    ready.add(w);
                } else {
                    releases.add(w.id); // cancelled while being admitted
                    releases.add("-1");
                }
            }
            // Cancelled waiters of the batch that were not admitted are already out of the queue.
            more = !waiting.isEmpty();
            if (more && wait != 0) {
                armTimer(wait > 0 ? wait : pollMs);
                more = false;
            }
        }
        for (Waiter w : ready) {
            // Each call starts on a worker of its own, not on the connection's thread one after another.
            Permit permit = reported -> release(w, reported);
            reactor.core.scheduler.Schedulers.parallel().schedule(() -> w.sink.success(permit));
        }
        sync(); // releases of waiters cancelled while being admitted
        if (more) {
            admit();
        }
    }

    private void onAdmitFailed(List<Waiter> batch, List<Waiter> adopt, Throwable e) {
        health.down(e);
        List<Waiter> out = new ArrayList<>();
        synchronized (this) {
            admitting = false;
            for (Waiter w : adopt) {
                w.adopting = false; // still to adopt (the renewal tries again); a repeat is harmless
            }
            for (Waiter w : batch) {
                if (waiting.remove(w)) {
                    out.add(w);
                }
            }
        }
        for (Waiter w : out) {
            if (health.onUnavailable() == OnUnavailable.REFUSE) {
                if (w.state.compareAndSet(0, 2)) {
                    Throwable refusal = health.refusal(e);
                    reactor.core.scheduler.Schedulers.parallel().schedule(() -> w.sink.error(refusal));
                }
            } else if (w.state.compareAndSet(0, 3)) {
                w.delegate = fallback.acquire(w.tokens).subscribe(p -> onFallbackGranted(w, p), w.sink::error);
            }
        }
        admit(); // the rest of the queue fails (or falls back) fast too
    }

    /** The local fallback admitted {@code w}: it runs, and Redis is to count it once it answers. */
    private void onFallbackGranted(Waiter w, Permit local) {
        w.localPermit = local;
        w.startNanos = System.nanoTime();
        synchronized (this) {
            if (!w.released.get()) { // released under the monitor after its flag is set: never left here
                toAdopt.add(w);
            }
        }
        if (w.cancelled) {
            releaseFallback(w, -1);
            return;
        }
        w.sink.success(reported -> releaseFallback(w, reported));
    }

    private void releaseFallback(Waiter w, long reported) {
        if (!w.released.compareAndSet(false, true)) {
            return;
        }
        w.localPermit.release(reported);
        boolean counted;
        synchronized (this) {
            toAdopt.remove(w);
            counted = w.adopted || w.adopting;
            if (counted) {
                held.remove(w.id);
                releases.add(w.id);
                releases.add(Long.toString(reported));
            }
        }
        if (counted) {
            sync();
        }
    }

    private void release(Waiter w, long reported) {
        if (!w.released.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            held.remove(w.id);
            releases.add(w.id);
            releases.add(Long.toString(reported));
        }
        sync();
    }

    private void sync() {
        List<String> rel;
        String[] args;
        synchronized (this) {
            if (syncing || (releases.isEmpty() && !renewDue)) {
                return;
            }
            rel = releases;
            releases = new ArrayList<>();
            List<String> renewIds = renewDue ? new ArrayList<>(held.keySet()) : List.of();
            renewDue = false;
            syncing = true;
            args = new String[3 + rel.size() + renewIds.size()];
            args[0] = "";
            args[1] = Long.toString(leaseMs);
            args[2] = Integer.toString(rel.size() / 2);
            for (int i = 0; i < rel.size(); i++) {
                args[3 + i] = rel.get(i);
            }
            for (int i = 0; i < renewIds.size(); i++) {
                args[3 + rel.size() + i] = renewIds.get(i);
            }
        }
        link.eval(Script.PERMITS, keys, args).subscribe(r -> {
            health.up();
            synchronized (this) {
                syncing = false;
            }
            sync();
            admit(); // capacity may have been freed
        }, e -> {
            health.down(e); // the permits expire with their leases
            synchronized (this) {
                syncing = false;
            }
            admit();
        });
    }

    /** Must hold the monitor. */
    private void armTimer(long ms) {
        if (!timerArmed) {
            timerArmed = true;
            scheduler.schedule(() -> {
                synchronized (this) {
                    timerArmed = false;
                }
                admit();
            }, Math.max(1, ms), TimeUnit.MILLISECONDS);
        }
    }
}
