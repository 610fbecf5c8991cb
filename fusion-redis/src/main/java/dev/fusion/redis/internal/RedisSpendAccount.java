package dev.fusion.redis.internal;

import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.ReserveOutcome;
import dev.fusion.shared.SpendAccount;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A spend cap on Redis ({@code spend.lua}). This instance keeps its own reservations and its spend in
 * the current window and publishes them as absolute values, with a version, in one script call that
 * also tries the new reservations: at most one call is in flight, the rest are batched into the next.
 * Absolute values make a repeated or lost call harmless and rebuild the totals after Redis lost its
 * data; the lease drops a dead instance's reservations. While Redis is unreachable, reservations are
 * refused ({@link OnUnavailable#REFUSE}) or checked against the others' usage as last seen
 * ({@link OnUnavailable#LOCAL}) and published when it returns.
 *
 * <p><b>Headroom.</b> Under load (at least {@value #BURST} reservations asked for between two publications)
 * the instance also asks Redis for headroom: room under the cap that Redis counts as this instance's (like
 * a reservation, under the same lease), about twice what it reserved since the previous publication and at
 * most a quarter of the room left. While it holds headroom, a reservation that fits what Redis counts for
 * this instance (reservations + headroom + published spend) is granted locally, with no call; the state is
 * published every {@value #TICK_MS} ms instead of after every settlement, and the headroom follows the
 * demand (none when idle). So Redis always counts at least what this instance has reserved and spent, and
 * the cap holds across instances exactly as without headroom. Headroom is used only while the connection
 * is open, the store healthy and the claim renewed within half a lease. When a reservation is refused only
 * because of headroom others hold, the script raises a squeeze: every instance gives its headroom back at
 * its next publication (within a tick) and asks for none while it lasts, and the reservation is tried again
 * (up to {@value #RETRIES} times, every {@value #RETRY_MS} ms) before it is refused.
 * Thread-safe (state under this monitor; sinks are completed outside it, on other workers).
 */
public final class RedisSpendAccount implements SpendAccount {

    /** Publication period while this instance holds headroom (ms). */
    static final long TICK_MS = 100;
    /** How long a squeeze lasts once raised (ms): a few ticks, so every holder publishes once meanwhile. */
    static final long SQUEEZE_MS = 3 * TICK_MS;
    /** A reservation refused only because of headroom held is tried again after this (ms)... */
    static final long RETRY_MS = 150;
    /** ...at most this many times. */
    static final int RETRIES = 6;
    /** Reservations asked for between two publications before this instance asks for headroom. */
    static final int BURST = 4;

    /**
     * One reservation to try; {@code outcome} set: answer with what is left when refused. {@code tries}:
     * how often it was refused only because of headroom held.
     */
    private record Request(BigDecimal usd, MonoSink<Boolean> sink, MonoSink<ReserveOutcome> outcome, int tries) {
        Request again() {
            return new Request(usd, sink, outcome, tries + 1);
        }

        void answer(boolean granted, BigDecimal left) {
            if (outcome != null) {
                outcome.success(granted ? ReserveOutcome.reserved() : ReserveOutcome.refused(left));
            } else {
                sink.success(granted);
            }
        }

        void fail(Throwable e) {
            if (outcome != null) {
                outcome.error(e);
            } else {
                sink.error(e);
            }
        }
    }

    private final RedisLink link;
    private final Health health;
    private final String prefix;
    private final String instance;
    private final long leaseMs;
    private final BigDecimal cap;
    private final Duration window;
    private final Clock clock;
    private final Scheduler scheduler;

    private BigDecimal outstanding = BigDecimal.ZERO;
    private BigDecimal ownSpent = BigDecimal.ZERO;
    private long windowIndex;
    private long version;
    private List<Request> pending = new ArrayList<>();
    private List<MonoSink<BigDecimal>> readers = new ArrayList<>();
    private boolean inFlight;
    private boolean dirty;
    /** The other instances' spend plus reservations as last seen, in nano-dollars. */
    private long othersNano;
    private long lastSpentNano;
    private long ownSpentSentNano;
    /** What Redis counts as this instance's reservations + headroom, as of the last applied publication. */
    private long claimNano;
    /** Whether that publication left this instance headroom (local grants only then). */
    private boolean claimHeld;
    /** When that publication was sent ({@link System#nanoTime()}): Redis renewed the lease no earlier. */
    private long claimSentAt;
    /** While a publication is in flight: the least Redis will count once it lands (reservations + headroom). */
    private long flightFloorNano;
    /** While a publication is in flight: the spend it publishes. */
    private long flightSpentNano;
    /** Reservations asked for since the last publication was sent (count and nano). */
    private int demandCount;
    private long demandNano;
    /** A squeeze was seen: no local grants and no headroom until {@link #squeezeEnds}. */
    private boolean squeezed;
    private long squeezeEnds;
    private boolean tickArmed;
    private int retrying;
    /** Closing: give the headroom back, ask for none. */
    private boolean shedding;

    public RedisSpendAccount(RedisLink link, Health health, String namespace, String instance, Duration lease,
                             BigDecimal cap, Duration window, Clock clock, Scheduler scheduler) {
        if (cap != null && cap.compareTo(Money.MAX_USD) > 0) {
            throw new IllegalArgumentException("a shared spend cap can be at most $" + Money.MAX_USD.toPlainString());
        }
        this.link = link;
        this.health = health;
        this.prefix = namespace + ":spend:" + (window == null ? "all" : window.toMillis() + "ms");
        this.instance = instance;
        this.leaseMs = lease.toMillis();
        this.cap = cap;
        this.window = window;
        this.clock = clock;
        this.scheduler = scheduler;
        this.windowIndex = currentWindow();
    }

    private long currentWindow() {
        return window == null ? 0 : Math.floorDiv(clock.millis(), window.toMillis());
    }

    @Override
    public Mono<BigDecimal> remainingUsd() {
        if (cap == null && !(health.isDown() && health.onUnavailable() == OnUnavailable.REFUSE)) {
            return Mono.empty(); // nothing to check; while the store is down under refuse, asks probe it first
        }
        return Mono.<BigDecimal>create(sink -> {
            synchronized (this) {
                readers.add(sink);
            }
            flush();
        });
    }

    @Override
    public Mono<Boolean> reserve(BigDecimal usd) {
        return Mono.defer(() -> grantLocally(usd) ? Mono.just(Boolean.TRUE) : Mono.create(sink -> {
            synchronized (this) {
                pending.add(new Request(usd, sink, null, 0));
            }
            flush();
        }));
    }

    /** One script call at most: the reservation, or what is left when it does not fit. */
    @Override
    public Mono<ReserveOutcome> reserveOrRemaining(BigDecimal usd) {
        return Mono.defer(() -> grantLocally(usd) ? Mono.just(ReserveOutcome.reserved()) : Mono.create(sink -> {
            synchronized (this) {
                pending.add(new Request(usd, null, sink, 0));
            }
            flush();
        }));
    }

    /**
     * Counts the demand and grants {@code usd} from what Redis already counts as this instance's, when it
     * holds headroom and the reservation fits both what Redis counts now and the least it will count once
     * the publication in flight lands. Nothing here calls out.
     */
    private synchronized boolean grantLocally(BigDecimal usd) {
        demandCount++;
        long a = Money.nanoUp(usd);
        demandNano += a;
        if (!claimHeld || shedding || !pending.isEmpty() || health.isDown() || !link.isOpen()) {
            return false;
        }
        long now = System.nanoTime();
        if ((squeezed && now - squeezeEnds < 0) || now - claimSentAt >= TimeUnit.MILLISECONDS.toNanos(leaseMs) / 2) {
            return false;
        }
        roll();
        if (!claimHeld) {
            return false; // a new window began: wait for the next publication
        }
        long exposure = Money.nanoUp(outstanding) + Money.nanoUp(ownSpent) + a;
        if (exposure > claimNano + ownSpentSentNano || (inFlight && exposure > flightFloorNano + flightSpentNano)) {
            return false;
        }
        outstanding = outstanding.add(usd);
        return true;
    }

    @Override
    public void settle(BigDecimal reservedUsd, BigDecimal actualUsd) {
        boolean later;
        synchronized (this) {
            roll();
            outstanding = outstanding.subtract(reservedUsd).max(BigDecimal.ZERO);
            ownSpent = ownSpent.add(actualUsd);
            dirty = true;
            // Holding headroom, the next tick publishes it: Redis still counts the settled reservation,
            // which covers what it cost unless the provider reported more (then local grants stop at once).
            later = claimHeld && tickArmed && !shedding;
        }
        if (!later) {
            flush();
        }
    }

    @Override
    public synchronized BigDecimal spentUsd() {
        roll();
        return Money.usd(Math.max(0, lastSpentNano - ownSpentSentNano) + Money.nanoUp(ownSpent));
    }

    @Override
    public Optional<String> degradedNote() {
        return health.note();
    }

    /** Publishes this instance's state (and so renews its lease) when it holds reservations or has news. */
    public void renew() {
        synchronized (this) {
            if (outstanding.signum() > 0 || health.isDown()) {
                dirty = true;
            }
        }
        flush();
    }

    /** Gives the headroom back and asks for none from now on (close). */
    public void shed() {
        synchronized (this) {
            shedding = true;
            dirty = true;
        }
        flush();
    }

    /** Whether something is still to be published or on its way (close waits for it). */
    public synchronized boolean busy() {
        return inFlight || dirty || !pending.isEmpty() || !readers.isEmpty() || retrying > 0 || (claimHeld && !health.isDown());
    }

    /** The headroom Redis counts for this instance as last published (tests), in nano-dollars. */
    public synchronized long headroomNano() {
        return claimHeld ? claimNano - Money.nanoUp(outstanding) : 0;
    }

    /** This instance's reservations not yet settled (tests). */
    public synchronized BigDecimal outstanding() {
        return outstanding;
    }

    private void roll() {
        long w = currentWindow();
        if (w != windowIndex) {
            windowIndex = w;
            ownSpent = BigDecimal.ZERO;
            ownSpentSentNano = 0;
            lastSpentNano = 0;
            claimHeld = false; // the claim's spend part was the old window's: no local grants until republished
        }
    }

    private void flush() {
        flush(true);
    }

    /** Sends what is pending; {@code publish}: also when only this instance's state changed. */
    private void flush(boolean publish) {
        List<Request> requests;
        List<MonoSink<BigDecimal>> reads;
        String[] args;
        String[] keys;
        long sentOutstanding;
        long sentSpent;
        long sentAt;
        synchronized (this) {
            if (inFlight || (pending.isEmpty() && readers.isEmpty() && !(dirty && publish))) {
                return;
            }
            roll();
            requests = pending;
            reads = readers;
            pending = new ArrayList<>();
            readers = new ArrayList<>();
            dirty = false;
            inFlight = true;
            sentAt = System.nanoTime();
            sentOutstanding = Money.nanoUp(outstanding);
            sentSpent = Money.nanoUp(ownSpent);
            if (squeezed && sentAt - squeezeEnds >= 0) {
                squeezed = false;
            }
            long wanted = shedding || squeezed || demandCount < BURST ? 0 : 2 * demandNano;
            // Unused headroom is kept as far as the demand still wants it; the rest goes back.
            long keep = claimHeld ? Math.max(0, Math.min(claimNano + ownSpentSentNano - sentOutstanding - sentSpent, wanted)) : 0;
            flightFloorNano = sentOutstanding + keep;
            flightSpentNano = sentSpent;
            demandCount = 0;
            demandNano = 0;
            args = new String[11 + requests.size()];
            args[0] = instance;
            args[1] = Long.toString(++version);
            args[2] = "";
            args[3] = Long.toString(leaseMs);
            args[4] = cap == null ? "-1" : Long.toString(Money.nanoUp(cap));
            args[5] = Long.toString(sentOutstanding);
            args[6] = Long.toString(sentSpent);
            args[7] = window == null ? "0" : Long.toString(2 * window.toMillis() + leaseMs);
            args[8] = Long.toString(keep);
            args[9] = Long.toString(wanted);
            args[10] = Long.toString(SQUEEZE_MS);
            for (int i = 0; i < requests.size(); i++) {
                args[11 + i] = Long.toString(Money.nanoUp(requests.get(i).usd()));
            }
            keys = new String[]{prefix + ":res", prefix + ":lease", prefix + ":w" + windowIndex, prefix + ":squeeze"};
        }
        link.eval(Script.SPEND, keys, args).subscribe(
                reply -> onReply(reply, requests, reads, sentSpent, sentAt),
                e -> onError(e, requests, reads));
    }

    private static long num(Object o) {
        return o instanceof Long l ? l : Long.parseLong(String.valueOf(o));
    }

    private void onReply(List<Object> reply, List<Request> requests, List<MonoSink<BigDecimal>> reads,
                         long sentSpent, long sentAt) {
        health.up();
        boolean applied = num(reply.get(0)) == 1L;
        long spent = num(reply.get(1));
        long reserved = num(reply.get(2));
        long head = num(reply.get(3));
        long ownR = num(reply.get(4));
        long ownH = num(reply.get(5));
        boolean squeeze = num(reply.get(6)) == 1L;
        int[] codes = new int[requests.size()];
        List<Request> retry = new ArrayList<>();
        boolean tick = false;
        boolean publishNow;
        synchronized (this) {
            inFlight = false;
            for (int i = 0; i < requests.size(); i++) {
                codes[i] = applied ? (int) num(reply.get(7 + i)) : 0;
                if (codes[i] == 1) {
                    outstanding = outstanding.add(requests.get(i).usd());
                } else if (codes[i] == 2 && requests.get(i).tries() < RETRIES) {
                    retry.add(requests.get(i).again());
                }
            }
            retrying += retry.size();
            if (applied) {
                lastSpentNano = spent;
                ownSpentSentNano = sentSpent;
                othersNano = Math.max(0, spent - sentSpent) + Math.max(0, reserved + head - ownR - ownH);
                claimNano = ownR + ownH;
                claimSentAt = sentAt;
                claimHeld = ownH > 0;
            } else {
                dirty = true; // a stale version: publish again
            }
            if (squeeze) {
                squeezed = true;
                squeezeEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SQUEEZE_MS);
                if (claimHeld) {
                    dirty = true; // give the headroom back now
                }
            }
            if (claimHeld && !tickArmed) {
                tickArmed = tick = true;
            }
            // Holding headroom, settlements wait for the tick; a stale version, a squeeze to answer or the
            // end of the headroom publish at once.
            publishNow = !claimHeld || !applied || squeeze || shedding;
        }
        // What this instance could still reserve: the room left, with its own headroom.
        BigDecimal left = cap == null ? null
                : cap.subtract(Money.usd(spent)).subtract(Money.usd(reserved + head - ownH)).max(BigDecimal.ZERO);
        for (int i = 0; i < requests.size(); i++) {
            if (codes[i] != 2 || requests.get(i).tries() >= RETRIES) {
                answer(requests.get(i), codes[i] == 1, left);
            }
        }
        for (MonoSink<BigDecimal> r : reads) {
            deliver(r, left);
        }
        if (!retry.isEmpty()) {
            later(RETRY_MS, () -> {
                synchronized (this) {
                    retrying -= retry.size();
                    pending.addAll(0, retry);
                }
                flush();
            }, () -> {
                synchronized (this) {
                    retrying -= retry.size();
                }
                for (Request r : retry) {
                    r.fail(new IllegalStateException("the shared state was closed"));
                }
            });
        }
        if (tick) {
            later(TICK_MS, this::tick, () -> { });
        }
        flush(publishNow);
    }

    /** Publishes while this instance holds headroom: its spend, its claim, and the headroom the demand wants. */
    private void tick() {
        synchronized (this) {
            tickArmed = false;
            if (claimHeld) {
                dirty = true;
            }
        }
        flush();
    }

    /** Runs {@code task} after {@code ms} on the store's scheduler, or {@code closed} when it is shut down. */
    private void later(long ms, Runnable task, Runnable closed) {
        try {
            scheduler.schedule(task, ms, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            synchronized (this) {
                tickArmed = false;
            }
            closed.run();
        }
    }

    /**
     * Completes one waiting ask on a worker of its own: what an ask does next (plan, start its calls) must
     * not run on the connection's thread, nor one ask after another.
     */
    private <T> void deliver(MonoSink<T> sink, T value) {
        Schedulers.parallel().schedule(() -> sink.success(value));
    }

    private <T> void fail(MonoSink<T> sink, Throwable e) {
        Schedulers.parallel().schedule(() -> sink.error(e));
    }

    /** {@link #deliver} for a reservation; {@code left}: what is left under the cap (null: no cap). */
    private void answer(Request r, boolean granted, BigDecimal left) {
        Schedulers.parallel().schedule(() -> r.answer(granted, left));
    }

    private void onError(Throwable e, List<Request> requests, List<MonoSink<BigDecimal>> reads) {
        health.down(e);
        boolean local = health.onUnavailable() == OnUnavailable.LOCAL;
        boolean[] granted = new boolean[requests.size()];
        BigDecimal left = null;
        synchronized (this) {
            inFlight = false;
            claimHeld = false; // no local grants until a publication lands again (the lease may run out)
            dirty = true; // publish this instance's state once the store answers again
            if (local) {
                for (int i = 0; i < requests.size(); i++) {
                    BigDecimal a = requests.get(i).usd();
                    granted[i] = cap == null || othersNano + Money.nanoUp(ownSpent) + Money.nanoUp(outstanding)
                            + Money.nanoUp(a) <= Money.nanoUp(cap);
                    if (granted[i]) {
                        outstanding = outstanding.add(a);
                    }
                }
                if (cap != null) {
                    left = cap.subtract(Money.usd(othersNano)).subtract(ownSpent).subtract(outstanding).max(BigDecimal.ZERO);
                }
            }
        }
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            if (local) {
                answer(r, granted[i], left);
            } else {
                Throwable refusal = health.refusal(e);
                Schedulers.parallel().schedule(() -> r.fail(refusal));
            }
        }
        for (MonoSink<BigDecimal> r : reads) {
            if (local) {
                deliver(r, left);
            } else {
                fail(r, health.refusal(e));
            }
        }
        // Asks that queued meanwhile try (and fail fast) now; the state itself is published again by the
        // renewal timer, which also probes the store, within a third of a lease.
        flush(false);
    }
}
