package dev.fusion.redis;

import dev.fusion.redis.internal.RedisSpendAccount;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.shared.SharedStateUnavailableException;
import dev.fusion.shared.SpendAccount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Headroom (RedisSpendAccount): under load an instance holds room under the cap that Redis counts as its
 * own and reserves from it without a script call; it gives it back when idle or when another instance's
 * reservation is refused only because of it (a squeeze); it never reserves from it while the store is down.
 * Real redis-server; every wait is an await on a condition.
 */
class SpendHeadroomTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    static RedisSharedState open(String ns, OnUnavailable mode) {
        return RedisSharedState.open(new SharedStateOptions(REDIS.url(), ns, mode, Duration.ofSeconds(30)));
    }

    static BigDecimal usd(String s) {
        return new BigDecimal(s);
    }

    static long nano(String reply) {
        return reply == null || reply.isEmpty() || reply.startsWith("$") ? 0 : Long.parseLong(reply);
    }

    /** A burst of concurrent reservations (more than BURST), so the next publication asks for headroom. */
    static void burst(SpendAccount account, int n, BigDecimal each) {
        List<Boolean> granted = Flux.range(0, n).flatMap(i -> account.reserve(each), n).collectList()
                .block(Duration.ofSeconds(20));
        assertThat(granted).hasSize(n).containsOnly(true);
        for (int i = 0; i < n; i++) {
            account.settle(each, BigDecimal.ZERO);
        }
    }

    @Test
    void underLoadReservationsAreGrantedFromHeadroomWithoutAScriptCallAndItGoesBackWhenIdle() throws Exception {
        BigDecimal cap = usd("100");
        try (RedisSharedState a = open("head", OnUnavailable.REFUSE)) {
            RedisSpendAccount x = (RedisSpendAccount) a.spendAccount(cap, null, Clock.systemUTC());
            assertThat(x.remainingUsd().block(Duration.ofSeconds(10))).isEqualByComparingTo("100");
            // Bursts until a publication left headroom (the first burst's reservations are batched into one call
            // or a few; the publication after them asks for about twice what they reserved).
            SharedLimitsAcrossProcessesTest.await(() -> {
                burst(x, 16, usd("0.01"));
                return x.headroomNano() > 0;
            }, 20, "headroom after bursts");
            long head = nano(REDIS.command("HGET head:spend:all:res ht"));
            assertThat(head).as("Redis counts the headroom").isPositive();
            assertThat(nano(REDIS.command("HGET head:spend:all:res t")) + head).isLessThanOrEqualTo(100_000_000_000L);

            // Reservations that fit the headroom: granted in the caller's thread, with no script call (a tick
            // publishing every 100 ms could land between two reads of the counter, so one of five suffices).
            int local = 0;
            int withoutCall = 0;
            while (x.headroomNano() > 20_000_000L && local < 5) {
                long trips = a.roundTrips();
                assertThat(x.reserve(usd("0.001")).block(Duration.ofSeconds(10))).isTrue();
                if (a.roundTrips() == trips) {
                    withoutCall++;
                }
                local++;
            }
            assertThat(local).as("reservations made while headroom was held").isPositive();
            assertThat(withoutCall).as("of %d reservations from headroom, granted without a script call", local).isPositive();
            for (int i = 0; i < local; i++) {
                x.settle(usd("0.001"), usd("0.0005"));
            }
            // Idle: the next tick asks for none, so it all goes back; the spend is published.
            SharedLimitsAcrossProcessesTest.await(() -> nano(REDIS.command("HGET head:spend:all:res ht")) == 0
                    && x.headroomNano() == 0, 10, "the headroom to be given back when idle");
            String expectedSpent = Long.toString(local * 500_000L);
            SharedLimitsAcrossProcessesTest.await(() -> expectedSpent.equals(REDIS.command("HGET head:spend:all:w0 t")),
                    10, "the spend to be published: " + expectedSpent);
            assertThat(REDIS.command("HGET head:spend:all:res t")).as("nothing left reserved").isEqualTo("0");
        }
    }

    @Test
    void aReservationRefusedOnlyBecauseOfAnothersHeadroomSqueezesItOutAndIsGranted() throws Exception {
        BigDecimal cap = usd("1");
        AtomicBoolean busy = new AtomicBoolean(true);
        try (RedisSharedState a = open("squeeze", OnUnavailable.REFUSE); RedisSharedState b = open("squeeze", OnUnavailable.REFUSE)) {
            RedisSpendAccount x = (RedisSpendAccount) a.spendAccount(cap, null, Clock.systemUTC());
            SpendAccount y = b.spendAccount(cap, null, Clock.systemUTC());
            SharedLimitsAcrossProcessesTest.await(() -> {
                burst(x, 16, usd("0.01"));
                return x.headroomNano() > 0;
            }, 20, "A's headroom");
            // A stays busy (small reservations released at once), so it keeps wanting headroom.
            AtomicInteger loops = new AtomicInteger();
            Thread keepBusy = new Thread(() -> {
                while (busy.get()) {
                    if (Boolean.TRUE.equals(x.reserve(usd("0.0001")).block(Duration.ofSeconds(10)))) {
                        x.settle(usd("0.0001"), BigDecimal.ZERO);
                    }
                    loops.incrementAndGet();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            keepBusy.start();
            try {
                long head = nano(REDIS.command("HGET squeeze:spend:all:res ht"));
                long reserved = nano(REDIS.command("HGET squeeze:spend:all:res t"));
                assertThat(head).as("A holds headroom").isPositive();
                // B asks for everything but A's reservations: it fits only without A's headroom.
                BigDecimal ask = BigDecimal.valueOf(1_000_000_000L - reserved - 1_000_000L, 9);
                assertThat(y.reserve(ask).block(Duration.ofSeconds(10)))
                        .as("granted once A gave its headroom back (headroom %d, reserved %d nano)", head, reserved).isTrue();
                assertThat(nano(REDIS.command("HGET squeeze:spend:all:res t"))
                        + nano(REDIS.command("HGET squeeze:spend:all:res ht"))).isLessThanOrEqualTo(1_000_000_000L);
            } finally {
                busy.set(false);
                keepBusy.join(10_000);
            }
            assertThat(loops.get()).isPositive();
        }
    }

    @Test
    void noReservationFromHeadroomOnceTheStoreIsDown() throws Exception {
        BigDecimal cap = usd("100");
        try (RedisSharedState a = open("head-down", OnUnavailable.REFUSE)) {
            RedisSpendAccount x = (RedisSpendAccount) a.spendAccount(cap, null, Clock.systemUTC());
            SharedLimitsAcrossProcessesTest.await(() -> {
                burst(x, 16, usd("0.01"));
                return x.headroomNano() > 0;
            }, 20, "headroom after bursts");
            REDIS.stop();
            try {
                // The connection's close reaches Lettuce a moment after the kill: from then on, every
                // reservation fails typed, none is granted from the headroom Redis may still count.
                SharedLimitsAcrossProcessesTest.await(() -> {
                    try {
                        x.reserve(usd("0.001")).block(Duration.ofSeconds(10));
                        return false;
                    } catch (SharedStateUnavailableException e) {
                        return true;
                    }
                }, 10, "a reservation refused typed");
                for (int i = 0; i < 20; i++) {
                    assertThatThrownBy(() -> x.reserve(usd("0.001")).block(Duration.ofSeconds(10)))
                            .isInstanceOf(SharedStateUnavailableException.class);
                }
            } finally {
                REDIS.start();
            }
            SharedLimitsAcrossProcessesTest.await(() -> {
                try {
                    return Boolean.TRUE.equals(x.reserve(usd("0.001")).block(Duration.ofSeconds(10)));
                } catch (SharedStateUnavailableException e) {
                    return false;
                }
            }, 20, "reservations again once the store is back");
        }
    }
}
