package dev.fusion.redis;

import dev.fusion.redis.internal.RedisRateGate;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.ProviderLimit;
import dev.fusion.shared.RateGate;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.shared.SharedStateUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static dev.fusion.redis.SharedLimitsAcrossProcessesTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Spare permits of a concurrency-only gate: an ended call's permit stays counted in Redis and serves the
 * next acquire without a script call; idle spares go back, an instance waiting on concurrency elsewhere
 * (the squeeze flag) makes them go back, a failed call drops them, permits Redis lost are forgotten, and
 * gates with a rate limit keep none. Against a real redis-server.
 */
class SparePermitsTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static RedisSharedState open(String namespace, OnUnavailable onUnavailable) {
        return RedisSharedState.open(new SharedStateOptions(REDIS.url(), namespace, onUnavailable, Duration.ofSeconds(30)));
    }

    private static long zcard(String namespace) {
        String r = REDIS.command("ZCARD " + namespace + ":limit:p:permits");
        assertThat(r).as("ZCARD reply").startsWith(":");
        return Long.parseLong(r.substring(1));
    }

    @Test
    void sequentialCallsReuseOneCountedPermitAndIdleSparesGoBack() throws Exception {
        try (RedisSharedState shared = open("spare-seq", OnUnavailable.REFUSE)) {
            RedisRateGate g = (RedisRateGate) shared.rateGate("p", new ProviderLimit(1000, 0, 0));
            g.acquire(0).block(WAIT).release(-1); // connects and loads the scripts
            long before = shared.roundTrips();
            for (int i = 0; i < 200; i++) {
                RateGate.Permit p = g.acquire(0).block(WAIT);
                if (i % 25 == 0) {
                    assertThat(zcard("spare-seq")).as("one call at a time holds one counted permit").isEqualTo(1);
                }
                p.release(-1);
            }
            long trips = shared.roundTrips() - before;
            // Without spares every call is one admission and one release: 400 script calls.
            assertThat(trips).as("script calls for 200 sequential calls (ticks included)").isLessThanOrEqualTo(40);
            System.out.println("SparePermitsTest: 200 sequential calls made " + trips + " script calls (400 without spares)");
            await(() -> zcard("spare-seq") == 0, 30, "the idle spare to be given back to Redis");
            await(() -> g.held() == 0 && g.spares() == 0, 30, "the gate to hold nothing once idle");
        }
    }

    @Test
    void anInstanceWaitingOnConcurrencyGetsThePermitsAnotherKeepsAsSpares() throws Exception {
        String ns = "spare-squeeze";
        try (RedisSharedState a = open(ns, OnUnavailable.REFUSE); RedisSharedState b = open(ns, OnUnavailable.REFUSE)) {
            ProviderLimit eight = new ProviderLimit(8, 0, 0);
            RedisRateGate ga = (RedisRateGate) a.rateGate("p", eight);
            RedisRateGate gb = (RedisRateGate) b.rateGate("p", eight);
            RateGate.Permit a1 = ga.acquire(0).block(WAIT);
            RateGate.Permit a2 = ga.acquire(0).block(WAIT);
            a1.release(-1);
            a2.release(-1);
            assertThat(ga.spares()).as("A keeps both permits as spares (2 of 8 counted)").isEqualTo(2);
            assertThat(zcard(ns)).isEqualTo(2);
            AtomicInteger inUse = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // A keeps using its spares (two calls at a time), so they are never idle.
            Thread busyA = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        RateGate.Permit p1 = take(ga, inUse, peak);
                        RateGate.Permit p2 = take(ga, inUse, peak);
                        give(p1, inUse);
                        give(p2, inUse);
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "busy-a");
            busyA.start();
            List<RateGate.Permit> bs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                bs.add(take(gb, inUse, peak));
            }
            // A's spares and B's 6 calls (A gives its spares back once it sees more than half the limit counted).
            assertThat(zcard(ns)).isLessThanOrEqualTo(8);
            CompletableFuture<RateGate.Permit> seventh = gb.acquire(0).toFuture();
            RateGate.Permit b7 = seventh.get(30, TimeUnit.SECONDS); // once A gives its spares back
            inUse.incrementAndGet();
            peak.accumulateAndGet(inUse.get(), Math::max);
            assertThat(zcard(ns)).as("counted permits vs the limit").isLessThanOrEqualTo(8);
            stop.set(true);
            give(b7, inUse);
            for (RateGate.Permit p : bs) {
                give(p, inUse);
            }
            busyA.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(busyA.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
            assertThat(peak.get()).as("calls running at once in both instances vs the shared limit").isLessThanOrEqualTo(8);
            await(() -> zcard(ns) == 0, 30, "every permit back once both are idle");
        }
    }

    @Test
    void aWaitOnConcurrencySetsTheSqueezeFlagAndASqueezedGateKeepsNoSpares() throws Exception {
        String ns = "spare-flag";
        String flag = ns + ":limit:p:squeeze";
        try (RedisSharedState a = open(ns, OnUnavailable.REFUSE); RedisSharedState b = open(ns, OnUnavailable.REFUSE)) {
            // B at its limit: a waiting call sets the flag (and keeps it set while it polls).
            RedisRateGate gb = (RedisRateGate) b.rateGate("p", new ProviderLimit(8, 0, 0));
            List<RateGate.Permit> bs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                bs.add(gb.acquire(0).block(WAIT));
            }
            assertThat(REDIS.command("EXISTS " + flag)).isEqualTo(":0");
            reactor.core.Disposable waiting = gb.acquire(0).subscribe();
            await(() -> ":1".equals(REDIS.command("EXISTS " + flag)), 30, "the squeeze flag set by the waiting call");
            waiting.dispose();
            bs.forEach(p -> p.release(-1));
            await(() -> zcard(ns) == 0, 30, "B's permits released");
            await(() -> ":0".equals(REDIS.command("EXISTS " + flag)), 30, "the flag to expire once nobody waits");

            // A (a large limit) keeps spares while it is in use; the flag (set here for long) makes it give
            // them all back although one is used every few ms (an idle tick alone would keep that one).
            RedisRateGate ga = (RedisRateGate) a.rateGate("p", new ProviderLimit(1000, 0, 0));
            ga.acquire(0).block(WAIT).release(-1);
            assertThat(ga.spares()).isEqualTo(1);
            assertThat(REDIS.command("SET " + flag + " 1 PX 600000")).isEqualTo("+OK");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ga.spares() > 0 || zcard(ns) > 0) {
                assertThat(System.nanoTime()).as("A to give its spare back while squeezed").isLessThan(until);
                ga.acquire(0).block(WAIT).release(-1);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            // Squeezed (seen in the admission's reply), an ended call's permit goes back to Redis.
            RateGate.Permit p = ga.acquire(0).block(WAIT);
            p.release(-1);
            assertThat(ga.held()).as("no spare kept while the flag is seen").isZero();
            assertThat(REDIS.command("DEL " + flag)).isEqualTo(":1");
            ga.acquire(0).block(WAIT).release(-1); // the admission's reply shows the flag gone
            assertThat(ga.spares()).as("spares again once the flag is gone").isEqualTo(1);
        }
    }

    @Test
    void permitsRedisLostAreForgottenNotUsedUncounted() throws Exception {
        String ns = "spare-lost";
        try (RedisSharedState shared = open(ns, OnUnavailable.REFUSE)) {
            RedisRateGate g = (RedisRateGate) shared.rateGate("p", new ProviderLimit(1000, 0, 0));
            g.acquire(0).block(WAIT).release(-1);
            assertThat(g.spares()).isEqualTo(1);
            // As a restart without persistence would: Redis no longer counts the spare.
            assertThat(REDIS.command("DEL " + ns + ":limit:p:permits")).isEqualTo(":1");
            // The spare is used every few ms, so only the tick's renewal finding it gone retires it: from
            // then on, a running call is counted again.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                RateGate.Permit p = g.acquire(0).block(WAIT);
                long counted = zcard(ns);
                p.release(-1);
                if (counted == 1) {
                    break;
                }
                assertThat(System.nanoTime()).as("the lost spare to be retired by a renewal").isLessThan(until);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    @Test
    void aStoppedRedisDropsTheSparesAndRefusesTypedThenRecovers() throws Exception {
        String ns = "spare-outage";
        try (RedisSharedState shared = open(ns, OnUnavailable.REFUSE)) {
            RedisRateGate g = (RedisRateGate) shared.rateGate("p", new ProviderLimit(100, 0, 0));
            List<RateGate.Permit> ps = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ps.add(g.acquire(0).block(WAIT));
            }
            ps.forEach(p -> p.release(-1));
            assertThat(g.spares()).isEqualTo(3);
            REDIS.stop();
            try {
                // The next tick's call fails: the spares are dropped (Redis lets them expire with their lease).
                await(() -> g.spares() == 0, 30, "the spares dropped after a failed call");
                for (int i = 0; i < 3; i++) {
                    assertThatThrownBy(() -> g.acquire(0).block(WAIT))
                            .as("refused typed, not granted from a spare")
                            .isInstanceOf(SharedStateUnavailableException.class).hasMessageContaining(REDIS.url());
                }
                assertThat(g.held()).isZero();
            } finally {
                REDIS.start(); // empty
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            RateGate.Permit back = null;
            while (back == null) {
                try {
                    back = g.acquire(0).block(WAIT);
                } catch (SharedStateUnavailableException e) {
                    assertThat(System.nanoTime()).as("the gate to recover after the restart").isLessThan(until);
                    Thread.sleep(50);
                }
            }
            assertThat(zcard(ns)).isEqualTo(1);
            back.release(-1);
            assertThat(g.spares()).as("spares again once Redis answers").isEqualTo(1);
            assertThat(zcard(ns)).isEqualTo(1);
        }
    }

    @Test
    void gatesWithARateLimitOrASmallConcurrencyKeepNoSpares() {
        try (RedisSharedState shared = open("spare-none", OnUnavailable.REFUSE)) {
            List<ProviderLimit> limits = List.of(new ProviderLimit(1000, 6000, 0), new ProviderLimit(1000, 0, 10_000_000),
                    new ProviderLimit(7, 0, 0));
            for (int k = 0; k < limits.size(); k++) {
                RedisRateGate g = (RedisRateGate) shared.rateGate("p" + k, limits.get(k));
                g.acquire(10).block(WAIT).release(10); // connects and loads the scripts
                long before = shared.roundTrips();
                int calls = 20;
                for (int i = 0; i < calls; i++) {
                    g.acquire(10).block(WAIT).release(10);
                    assertThat(g.held()).as("permits held after a release, " + limits.get(k)).isZero();
                    assertThat(g.spares()).isZero();
                }
                assertThat(shared.roundTrips() - before).as("an admission and a release per call, " + limits.get(k))
                        .isGreaterThanOrEqualTo(2L * calls);
            }
        }
    }

    @Test
    void twoInstancesWithSparesNeverRunMoreThanTheLimit() throws Exception {
        String ns = "spare-mixed";
        try (RedisSharedState a = open(ns, OnUnavailable.REFUSE); RedisSharedState b = open(ns, OnUnavailable.REFUSE)) {
            ProviderLimit limit = new ProviderLimit(12, 0, 0);
            RedisRateGate[] gates = {(RedisRateGate) a.rateGate("p", limit), (RedisRateGate) b.rateGate("p", limit)};
            AtomicInteger inUse = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                RedisRateGate g = gates[t % 2];
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < 60; i++) {
                            RateGate.Permit p = take(g, inUse, peak);
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                            give(p, inUse);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "caller-" + t);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis(60));
                assertThat(th.isAlive()).as(th.getName() + " finished").isFalse();
            }
            assertThat(failure.get()).isNull();
            assertThat(peak.get()).as("calls running at once in both instances vs the shared limit 12").isLessThanOrEqualTo(12);
            await(() -> zcard(ns) == 0, 30, "every permit back once both are idle");
        }
    }

    private static RateGate.Permit take(RedisRateGate g, AtomicInteger inUse, AtomicInteger peak) {
        RateGate.Permit p = g.acquire(0).block(Duration.ofSeconds(30));
        peak.accumulateAndGet(inUse.incrementAndGet(), Math::max);
        return p;
    }

    private static void give(RateGate.Permit p, AtomicInteger inUse) {
        inUse.decrementAndGet();
        p.release(-1);
    }
}
