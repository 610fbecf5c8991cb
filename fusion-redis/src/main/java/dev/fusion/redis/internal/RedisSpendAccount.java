package dev.fusion.redis.internal;

import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.ReserveOutcome;
import dev.fusion.shared.SpendAccount;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A spend cap on Redis ({@code spend.lua}). This instance keeps its own reservations and its spend in
 * the current window and publishes them as absolute values, with a version, in one script call that
 * also tries the new reservations: at most one call is in flight, the rest are batched into the next.
 * Absolute values make a repeated or lost call harmless and rebuild the totals after Redis lost its
 * data; the lease drops a dead instance's reservations. While Redis is unreachable, reservations are
 * refused ({@link OnUnavailable#REFUSE}) or checked against the others' usage as last seen
 * ({@link OnUnavailable#LOCAL}) and published when it returns. Thread-safe (state under this monitor).
 */
public final class RedisSpendAccount implements SpendAccount {

    /** One reservation to try; {@code outcome} set: answer with what is left when refused. */
    private record Request(BigDecimal usd, MonoSink<Boolean> sink, MonoSink<ReserveOutcome> outcome) {
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

    public RedisSpendAccount(RedisLink link, Health health, String namespace, String instance, Duration lease,
                             BigDecimal cap, Duration window, Clock clock) {
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
        return Mono.create(sink -> {
            synchronized (this) {
                pending.add(new Request(usd, sink, null));
            }
            flush();
        });
    }

    /** One script call: the reservation, or what is left when it does not fit. */
    @Override
    public Mono<ReserveOutcome> reserveOrRemaining(BigDecimal usd) {
        return Mono.create(sink -> {
            synchronized (this) {
                pending.add(new Request(usd, null, sink));
            }
            flush();
        });
    }

    @Override
    public void settle(BigDecimal reservedUsd, BigDecimal actualUsd) {
        synchronized (this) {
            roll();
            outstanding = outstanding.subtract(reservedUsd).max(BigDecimal.ZERO);
            ownSpent = ownSpent.add(actualUsd);
            dirty = true;
        }
        flush();
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

    /** Whether something is still to be published or on its way (close waits for it). */
    public synchronized boolean busy() {
        return inFlight || dirty || !pending.isEmpty() || !readers.isEmpty();
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
            sentOutstanding = Money.nanoUp(outstanding);
            sentSpent = Money.nanoUp(ownSpent);
            args = new String[8 + requests.size()];
            args[0] = instance;
            args[1] = Long.toString(++version);
            args[2] = "";
            args[3] = Long.toString(leaseMs);
            args[4] = cap == null ? "-1" : Long.toString(Money.nanoUp(cap));
            args[5] = Long.toString(sentOutstanding);
            args[6] = Long.toString(sentSpent);
            args[7] = window == null ? "0" : Long.toString(2 * window.toMillis() + leaseMs);
            for (int i = 0; i < requests.size(); i++) {
                args[8 + i] = Long.toString(Money.nanoUp(requests.get(i).usd()));
            }
            keys = new String[]{prefix + ":res", prefix + ":lease", prefix + ":w" + windowIndex};
        }
        link.eval(Script.SPEND, keys, args).subscribe(
                reply -> onReply(reply, requests, reads, sentOutstanding, sentSpent),
                e -> onError(e, requests, reads));
    }

    private void onReply(List<Object> reply, List<Request> requests, List<MonoSink<BigDecimal>> reads,
                         long sentOutstanding, long sentSpent) {
        health.up();
        boolean applied = ((Long) reply.get(0)) == 1L;
        long spent = Long.parseLong(String.valueOf(reply.get(1)));
        long reserved = Long.parseLong(String.valueOf(reply.get(2)));
        boolean[] granted = new boolean[requests.size()];
        long grantedNano = 0;
        synchronized (this) {
            inFlight = false;
            for (int i = 0; i < requests.size(); i++) {
                granted[i] = applied && ((Long) reply.get(3 + i)) == 1L;
                if (granted[i]) {
                    outstanding = outstanding.add(requests.get(i).usd());
                    grantedNano += Money.nanoUp(requests.get(i).usd());
                }
            }
            if (applied) {
                lastSpentNano = spent;
                ownSpentSentNano = sentSpent;
                othersNano = Math.max(0, spent - sentSpent) + Math.max(0, reserved - sentOutstanding - grantedNano);
            } else {
                dirty = true; // a stale version: publish again
            }
        }
        BigDecimal left = cap == null ? null : cap.subtract(Money.usd(spent)).subtract(Money.usd(reserved)).max(BigDecimal.ZERO);
        for (int i = 0; i < requests.size(); i++) {
            answer(requests.get(i), granted[i], left);
        }
        for (MonoSink<BigDecimal> r : reads) {
            deliver(r, left);
        }
        flush();
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
