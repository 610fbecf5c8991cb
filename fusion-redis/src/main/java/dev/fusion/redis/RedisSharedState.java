package dev.fusion.redis;

import dev.fusion.redis.internal.Health;
import dev.fusion.redis.internal.RedisLink;
import dev.fusion.redis.internal.RedisRateGate;
import dev.fusion.redis.internal.RedisSpendAccount;
import dev.fusion.shared.ProviderLimit;
import dev.fusion.shared.RateGate;
import dev.fusion.shared.SharedState;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.shared.SpendAccount;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The spend cap and provider limits of every Fusion instance using the same Redis and namespace:
 * <pre>{@code
 * try (RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(
 *         "redis://127.0.0.1:6379/0", "team-a", OnUnavailable.REFUSE, Duration.ofSeconds(30)))) {
 *     Fusion fusion = Fusion.builder()....spendCapUsd(new BigDecimal("50"), Duration.ofHours(24))
 *             .providerLimit("openrouter", 8, 60, 200_000).sharedState(shared).build();
 * }
 * }</pre>
 * Connects lazily (the first ask) and reconnects by itself. Every reservation and permit carries a
 * lease of {@link SharedStateOptions#lease()}, renewed every third of it while held, so an instance that
 * dies leaks nothing beyond one lease. Thread-safe; close it after the last ask (it publishes this
 * instance's spend and closes the connection).
 */
public final class RedisSharedState implements SharedState {

    private final SharedStateOptions options;
    private final String instance = UUID.randomUUID().toString().substring(0, 13);
    /**
     * Numbers this store's accounts and gates: each publishes its absolute state under its own id
     * ({@code <instance>.<n>}), since two Fusions sharing one store (two beans of one application) hold
     * separate reservations and permits; one id for both made each overwrite the other's state and see
     * the other's version as its own (a reservation refused under a cap with room, a third permit
     * granted under a limit of two; TwoFusionsOneStoreTest).
     */
    private final java.util.concurrent.atomic.AtomicInteger members = new java.util.concurrent.atomic.AtomicInteger();
    private final Scheduler scheduler;
    private final RedisLink link;
    private final Health health;
    private final List<RedisSpendAccount> accounts = new CopyOnWriteArrayList<>();
    private final List<RedisRateGate> gates = new CopyOnWriteArrayList<>();
    private final Disposable renewal;

    private RedisSharedState(SharedStateOptions options) {
        this.options = options;
        this.scheduler = Schedulers.newSingle("fusion-redis", true);
        Duration lease = options.lease();
        Duration timeout = lease.dividedBy(3).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : lease.dividedBy(3);
        this.link = new RedisLink(options.url(), timeout);
        this.health = new Health(describe(), options.onUnavailable());
        long every = Math.max(10, lease.toMillis() / 3);
        link.warmUp();
        this.renewal = scheduler.schedulePeriodically(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Opens the store (connecting on first use). */
    public static RedisSharedState open(SharedStateOptions options) {
        return new RedisSharedState(options);
    }

    @Override
    public String describe() {
        return options.safeUrl() + " namespace " + options.namespace();
    }

    @Override
    public SpendAccount spendAccount(BigDecimal capUsd, Duration window, Clock clock) {
        RedisSpendAccount a = new RedisSpendAccount(link, health, options.namespace(), memberId(), options.lease(),
                capUsd, window, clock, scheduler);
        accounts.add(a);
        return a;
    }

    @Override
    public RateGate rateGate(String provider, ProviderLimit limit) {
        RedisRateGate g = new RedisRateGate(link, health, options.namespace(), provider, limit, memberId(),
                options.lease(), scheduler, SharedState.local(scheduler).rateGate(provider, limit));
        gates.add(g);
        return g;
    }

    /** The degraded note while Redis is unreachable with {@code onUnavailable: local}. */
    public Optional<String> degradedNote() {
        return health.note();
    }

    /** Script calls sent to Redis so far (benchmarks). */
    public long roundTrips() {
        return link.roundTrips();
    }

    /**
     * Script calls sent so far, per script ({@code spend}: spend accounts; {@code admit} and {@code permits}:
     * provider gates' admissions and their releases, renewals and ticks), for benchmarks; an ordered map.
     */
    public java.util.Map<String, Long> roundTripsByScript() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (dev.fusion.redis.internal.Script s : dev.fusion.redis.internal.Script.values()) {
            m.put(s.name().toLowerCase(java.util.Locale.ROOT), link.roundTrips(s));
        }
        return m;
    }

    private String memberId() {
        return instance + "." + members.incrementAndGet();
    }

    /** This instance's id in Redis (logs, tests); its accounts and gates publish as {@code <id>.<n>}. */
    public String instanceId() {
        return instance;
    }

    private void renew() {
        for (RedisSpendAccount a : accounts) {
            a.renew();
        }
        for (RedisRateGate g : gates) {
            g.renew();
        }
    }

    /**
     * Publishes this instance's spend one last time, gives back its headroom and the spare permits its gates keep between
     * calls (waiting at most one command timeout, as the store may be down), then closes the connection.
     * Call it from an application thread, not a Reactor one.
     */
    @Override
    public void close() {
        renewal.dispose();
        for (RedisSpendAccount a : accounts) {
            a.shed(); // other instances need not wait a lease for the headroom this one held
        }
        for (RedisRateGate g : gates) {
            g.shedSpares(); // other instances need not wait a lease for the permits this one kept between calls
        }
        renew();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        List<java.util.function.BooleanSupplier> busy = new java.util.ArrayList<>();
        accounts.forEach(a -> busy.add(a::busy));
        gates.forEach(g -> busy.add(g::busy));
        for (java.util.function.BooleanSupplier b : busy) {
            while (b.getAsBoolean() && !health.isDown() && System.nanoTime() < until) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        health.closing();
        link.close();
        scheduler.dispose();
    }

    @Override
    public String toString() {
        return "RedisSharedState[" + describe() + "]";
    }
}
