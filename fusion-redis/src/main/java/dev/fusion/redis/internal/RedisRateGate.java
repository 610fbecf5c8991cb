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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
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
 * again, so the shared limits count them until they end.
 * <p>
 * <b>Spare permits.</b> A gate limited by concurrency only (no rate, {@code maxConcurrent >= 8}) keeps
 * some permits across calls, so a call needs no script call at all: when a call ends, its permit stays
 * counted in Redis and held here (renewed with the others) as a spare, and the next {@link #acquire}
 * that finds no queue takes it at once, in the caller's thread. A spare is kept only while the store
 * answers (health up, connection open), the pool is below {@code min(64, maxConcurrent / 4)}, the last
 * count seen in Redis plus the spares is at most {@code maxConcurrent / 2}, no instance waits on
 * concurrency (the {@code squeeze} flag {@code admit.lua} sets then; seen in any reply, the gate gives
 * all its spares back at once), and its lease is safe: by the local clock, at least half a lease is left
 * counted from the send time of the last call that extended it and answered. While spares are held, a
 * tick every {@value #TICK_MS} ms releases those not used since the previous tick and reads the count and
 * the flag; every tenth tick also renews the spares (and so finds any that Redis lost). Any failed call drops the spares (their releases are sent with the next
 * call that reaches Redis; otherwise they expire with their lease). Thread-safe (state under this
 * monitor; sinks complete and scripts are sent after leaving it).
 */
public final class RedisRateGate implements RateGate {

    private static final int BATCH = 64;
    /** How often a gate holding spares gives back the unused ones and reads the count and squeeze flag. */
    static final long TICK_MS = 100;
    /** How long the squeeze flag lasts after the last call that waited on concurrency set it. */
    private static final long SQUEEZE_MS = 3 * TICK_MS;
    private static final int MAX_SPARES = 64;
    /** A tick renews the spares once in this many ticks. */
    private static final int RENEW_EVERY_TICKS = 10;

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

    /** Pool bound; 0: this gate keeps no spares (a rate limit applies, or maxConcurrent is below 8). */
    private final int spareBound;

    private final Deque<Waiter> waiting = new ArrayDeque<>();
    /** The permits Redis counts for this instance: running calls' (adopted ones included) and spares. */
    private final Map<String, Lease> held = new LinkedHashMap<>();
    /** Spare permits, the most recently returned first (so unused ones sink to the end and are given back). */
    private final Deque<Lease> spares = new ArrayDeque<>();
    /** Calls running on the local fallback that Redis does not count yet. */
    private final List<Waiter> toAdopt = new ArrayList<>();
    private List<String> releases = new ArrayList<>();
    private boolean admitting;
    private boolean syncing;
    private boolean renewDue;
    private boolean timerArmed;
    private boolean tickArmed;
    /** A tick's sync is due: it gives unused spares back, reads the count and squeeze flag, now and then renews the spares. */
    private boolean tickDue;
    /** Ticks so far (every {@value #RENEW_EVERY_TICKS}th renews the spares). */
    private long ticks;
    /** Permits counted in Redis at the last reply. */
    private long lastCount;
    /** The squeeze flag at the last reply: some instance waits on concurrency. */
    private boolean squeezed;

    /** A permit id counted in Redis and held by this instance. Fields under the gate's monitor. */
    private static final class Lease {
        final String id;
        /** Send time (nanoTime) of the last call that extended this lease and whose reply arrived. */
        long confirmedAt;
        /** Redis no longer has it (a renewal found it gone): never kept as a spare. */
        boolean lost;
        /** Taken from or returned to the spares since the previous tick. */
        boolean used;

        Lease(String id, long confirmedAt) {
            this.id = id;
            this.confirmedAt = confirmedAt;
        }
    }

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
        this.keys = new String[]{p + ":permits", p + ":starts", p + ":tstarts", p + ":tokens", p + ":squeeze"};
        this.limit = limit;
        this.leaseMs = lease.toMillis();
        this.instance = instance;
        this.scheduler = scheduler;
        this.fallback = fallback;
        this.pollMs = Math.max(2, Math.min(25, leaseMs / 20));
        boolean concurrencyOnly = limit.requestsPerMinute() == 0 && limit.tokensPerMinute() == 0;
        this.spareBound = concurrencyOnly && limit.maxConcurrent() >= 8 ? Math.min(MAX_SPARES, limit.maxConcurrent() / 4) : 0;
    }

    @Override
    public Mono<Permit> acquire(long estimatedTokens) {
        return Mono.create(sink -> {
            long tokens = Math.max(0, estimatedTokens);
            Lease spare;
            boolean stale;
            Waiter w;
            synchronized (this) {
                int before = releases.size();
                spare = waiting.isEmpty() ? takeSpare() : null;
                stale = releases.size() > before;
                w = new Waiter(spare != null ? spare.id : instance + ":" + seq.incrementAndGet(), tokens, sink);
                if (spare != null) {
                    w.state.set(1);
                } else {
                    waiting.addLast(w);
                }
            }
            sink.onCancel(() -> cancel(w)); // runs at once if already cancelled (a granted permit goes back)
            if (spare != null) {
                sink.success(reported -> release(w, reported)); // no script call: the permit is counted already
                return;
            }
            if (stale) {
                sync(); // gives the stale spares back (sent before the admission)
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

    /** Permits this instance holds in Redis, spares included (tests). */
    public synchronized int held() {
        return held.size();
    }

    /** Spare permits this instance holds between calls (tests). */
    public synchronized int spares() {
        return spares.size();
    }

    /** Whether a release or renewal is in flight (closing waits for it). */
    public synchronized boolean busy() {
        return syncing;
    }

    /** Gives every spare back to Redis now (the store is being closed). */
    public void shedSpares() {
        synchronized (this) {
            dropSpares();
        }
        sync();
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
            args = new String[7 + 3 * adopt.size() + 2 * batch.size()];
            args[0] = "";
            args[1] = Long.toString(leaseMs);
            args[2] = Integer.toString(limit.maxConcurrent());
            args[3] = Integer.toString(limit.requestsPerMinute());
            args[4] = Long.toString(limit.tokensPerMinute());
            args[5] = Long.toString(SQUEEZE_MS);
            args[6] = Integer.toString(adopt.size());
            long now = System.nanoTime();
            for (int i = 0; i < adopt.size(); i++) {
                Waiter w = adopt.get(i);
                w.adopting = true;
                args[7 + 3 * i] = w.id;
                args[8 + 3 * i] = Long.toString(Math.max(0, TimeUnit.NANOSECONDS.toMillis(now - w.startNanos)));
                args[9 + 3 * i] = Long.toString(w.tokens);
            }
            int base = 7 + 3 * adopt.size();
            for (int i = 0; i < batch.size(); i++) {
                args[base + 2 * i] = batch.get(i).id;
                args[base + 1 + 2 * i] = Long.toString(batch.get(i).tokens);
            }
        }
        long sentAt = System.nanoTime(); // before the script runs: leases granted now end no earlier than this + lease
        link.eval(Script.ADMIT, keys, args).subscribe(r -> onAdmitted(batch, adopt, r, sentAt),
                e -> onAdmitFailed(batch, adopt, e));
    }

    private void onAdmitted(List<Waiter> batch, List<Waiter> adopt, List<Object> reply, long sentAt) {
        health.up();
        int granted = ((Long) reply.get(0)).intValue();
        long wait = Long.parseLong(String.valueOf(reply.get(1)));
        List<Waiter> ready = new ArrayList<>();
        boolean more;
        synchronized (this) {
            admitting = false;
            observe(reply);
            for (Waiter w : adopt) {
                w.adopting = false;
                if (toAdopt.remove(w)) { // not released meanwhile (a release already went to Redis)
                    w.adopted = true;
                    held.put(w.id, new Lease(w.id, sentAt)); // renewed with the others until it ends
                }
            }
            for (int i = 0; i < granted; i++) {
                Waiter w = batch.get(i);
                waiting.remove(w);
                if (w.state.compareAndSet(0, 1)) {
                    held.put(w.id, new Lease(w.id, sentAt));
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
        sync(); // releases of waiters cancelled while being admitted, and spares given back when squeezed
        if (more) {
            admit();
        }
    }

    private void onAdmitFailed(List<Waiter> batch, List<Waiter> adopt, Throwable e) {
        health.down(e);
        List<Waiter> out = new ArrayList<>();
        synchronized (this) {
            admitting = false;
            dropSpares();
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

    /** A call granted by Redis (or from a spare) ended: its permit becomes a spare or goes back to Redis. */
    private void release(Waiter w, long reported) {
        if (!w.released.compareAndSet(false, true)) {
            return;
        }
        boolean kept;
        synchronized (this) {
            Lease lease = held.get(w.id);
            kept = lease != null && mayKeep(lease);
            if (kept) {
                lease.used = true; // just in use: the next tick keeps it
                spares.push(lease);
                kept = armTick();
            }
            if (!kept) {
                spares.remove(lease);
                held.remove(w.id);
                releases.add(w.id);
                releases.add(Long.toString(reported));
            }
        }
        if (!kept) {
            sync();
        }
    }

    private void sync() {
        List<String> rel;
        List<String> renewIds;
        String[] args;
        synchronized (this) {
            if (syncing || (releases.isEmpty() && !renewDue && !tickDue)) {
                return;
            }
            rel = releases;
            releases = new ArrayList<>();
            if (renewDue) {
                renewIds = new ArrayList<>(held.keySet()); // the spares with them
            } else if (tickDue && ++ticks % RENEW_EVERY_TICKS == 0) {
                // Every tenth tick renews the spares (finding any that Redis lost, e.g. after a restart, within a
                // second); the other ticks only give unused spares back and read the count and flag: renewing
                // up to 64 ids ten times a second is encoding (a share of the connection thread's samples in a
                // profile at concurrency 64) the leases do not need. The renewal every third of a lease renews
                // them with the running calls too.
                renewIds = new ArrayList<>(spares.size());
                for (Lease l : spares) {
                    renewIds.add(l.id);
                }
            } else {
                renewIds = List.of();
            }
            renewDue = false;
            tickDue = false;
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
        long sentAt = System.nanoTime();
        link.eval(Script.PERMITS, keys, args).subscribe(r -> {
            health.up();
            synchronized (this) {
                syncing = false;
                observe(r);
                confirm(renewIds, r.subList(4, r.size()), sentAt);
            }
            sync(); // what queued meanwhile, and spares given back when squeezed
            admit(); // capacity may have been freed
        }, e -> {
            health.down(e); // the permits expire with their leases
            synchronized (this) {
                syncing = false;
                dropSpares();
            }
            admit();
        });
    }

    /**
     * The renewal of {@code renewed} answered: their leases run from {@code sentAt}, except the lost ones
     * (Redis no longer counts them: a lost spare is forgotten, a lost running call never becomes one).
     * Must hold the monitor.
     */
    private void confirm(List<String> renewed, List<Object> lost, long sentAt) {
        for (Object id : lost) {
            Lease l = held.get(String.valueOf(id));
            if (l != null) {
                l.lost = true;
                if (spares.remove(l)) {
                    held.remove(l.id);
                }
            }
        }
        for (String id : renewed) {
            Lease l = held.get(id);
            if (l != null && !l.lost && sentAt - l.confirmedAt > 0) {
                l.confirmedAt = sentAt;
            }
        }
    }

    /**
     * Notes the count and squeeze flag of a reply ({@code admit.lua} and {@code permits.lua} return them
     * third and fourth); squeezed, every spare goes back with the next call. Must hold the monitor.
     */
    private void observe(List<Object> reply) {
        lastCount = (Long) reply.get(2);
        squeezed = (Long) reply.get(3) != 0;
        if (squeezed) {
            dropSpares();
        }
    }

    /** Whether spares may be kept or used now (besides each one's lease). Must hold the monitor. */
    private boolean sparesUsable() {
        return spareBound > 0 && !squeezed && !health.isDown() && link.isOpen();
    }

    /** Whether at least half of {@code l}'s lease is left by the local clock. Must hold the monitor. */
    private boolean leaseSafe(Lease l, long now) {
        return !l.lost && now - l.confirmedAt <= TimeUnit.MILLISECONDS.toNanos(leaseMs) / 2;
    }

    /** Whether the ended call's {@code lease} may stay as a spare. Must hold the monitor. */
    private boolean mayKeep(Lease lease) {
        return sparesUsable() && spares.size() < spareBound
                && lastCount + spares.size() + 1 <= limit.maxConcurrent() / 2
                && leaseSafe(lease, System.nanoTime());
    }

    /**
     * A usable spare, marked used, or null; spares found unusable are queued for release (the caller
     * sends them). Must hold the monitor.
     */
    private Lease takeSpare() {
        if (spares.isEmpty()) {
            return null;
        }
        if (!sparesUsable()) {
            dropSpares();
            return null;
        }
        long now = System.nanoTime();
        while (!spares.isEmpty()) {
            Lease l = spares.pop();
            if (leaseSafe(l, now)) {
                l.used = true;
                return l;
            }
            giveBack(l);
        }
        return null;
    }

    /** Queues every spare for release (sent with the next call; if none reaches Redis, they expire). Must hold the monitor. */
    private void dropSpares() {
        while (!spares.isEmpty()) {
            giveBack(spares.pop());
        }
    }

    /** Must hold the monitor; {@code l} is no longer among the spares. */
    private void giveBack(Lease l) {
        held.remove(l.id);
        releases.add(l.id);
        releases.add("-1");
    }

    /** Arms the tick if it is not; false when the scheduler is closed. Must hold the monitor. */
    private boolean armTick() {
        if (tickArmed) {
            return true;
        }
        try {
            scheduler.schedule(this::tick, TICK_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            return false;
        }
        tickArmed = true;
        return true;
    }

    /**
     * Gives back the spares not used since the previous tick (and all of them when they may not be kept),
     * renews the others, and reads the count and squeeze flag; again in a tick while spares remain.
     */
    private void tick() {
        synchronized (this) {
            tickArmed = false;
            if (spares.isEmpty()) {
                return; // the next spare arms it again
            }
            boolean keep = sparesUsable();
            long now = System.nanoTime();
            int kept = 0;
            for (Iterator<Lease> it = spares.iterator(); it.hasNext(); ) {
                Lease l = it.next();
                if (keep && l.used && leaseSafe(l, now) && lastCount + kept + 1 <= limit.maxConcurrent() / 2) {
                    l.used = false;
                    kept++;
                } else {
                    it.remove();
                    giveBack(l);
                }
            }
            tickDue = true;
            if (!spares.isEmpty()) {
                armTick();
            }
        }
        sync();
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
