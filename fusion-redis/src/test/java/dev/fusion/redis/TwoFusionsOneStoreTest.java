package dev.fusion.redis;

import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.shared.SpendAccount;
import dev.fusion.shared.RateGate;
import dev.fusion.shared.ProviderLimit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Fusion instances in one JVM sharing one {@link RedisSharedState} (two beans of one Spring
 * application, say) publish their state side by side: neither overwrites the other's reservations or
 * permits, and neither's publication makes the other's look stale. Found by {@code RedisOutageTest}
 * failing under load: a second Fusion's account published under the same instance id with its own
 * version counter, so the first one's reservation was refused as "no room" under a cap with room.
 */
class TwoFusionsOneStoreTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    @Test
    void twoAccountsOfOneStoreShareTheCapWithoutOverwritingEachOther() {
        try (RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(REDIS.url(), "two",
                OnUnavailable.REFUSE, Duration.ofSeconds(30)))) {
            BigDecimal cap = new BigDecimal("1");
            SpendAccount a = shared.spendAccount(cap, null, Clock.systemUTC());
            SpendAccount b = shared.spendAccount(cap, null, Clock.systemUTC());
            assertThat(a.reserve(new BigDecimal("0.5")).block(Duration.ofSeconds(10))).isTrue();
            assertThat(b.reserve(new BigDecimal("0.5")).block(Duration.ofSeconds(10)))
                    .as("the cap has room for the second Fusion's reservation").isTrue();
            assertThat(b.reserve(new BigDecimal("0.1")).block(Duration.ofSeconds(10)))
                    .as("but not beyond it: the first Fusion's reservation still counts").isFalse();
            assertThat(a.reserve(new BigDecimal("0.1")).block(Duration.ofSeconds(10))).isFalse();
            a.settle(new BigDecimal("0.5"), new BigDecimal("0.2"));
            assertThat(b.reserve(new BigDecimal("0.3")).block(Duration.ofSeconds(10)))
                    .as("the room the first one gave back").isTrue();
        }
    }

    @Test
    void twoGatesOfOneStoreForTheSameProviderShareItsConcurrencyLimit() {
        try (RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(REDIS.url(), "gates",
                OnUnavailable.REFUSE, Duration.ofSeconds(30)))) {
            ProviderLimit limit = new ProviderLimit(2, 0, 0);
            RateGate a = shared.rateGate("p", limit);
            RateGate b = shared.rateGate("p", limit);
            RateGate.Permit first = a.acquire(0).block(Duration.ofSeconds(10));
            RateGate.Permit second = b.acquire(0).block(Duration.ofSeconds(10));
            assertThat(first).isNotNull();
            assertThat(second).isNotNull();
            // A third permit must wait (the window only bounds the wait; a wrong grant comes at once).
            assertThat(a.acquire(0).map(p -> true).timeout(Duration.ofMillis(500), reactor.core.publisher.Mono.just(false))
                    .block(Duration.ofSeconds(10))).as("a third permit while two are held").isFalse();
            second.release(-1);
            assertThat(a.acquire(0).block(Duration.ofSeconds(10))).as("a permit freed by the other gate").isNotNull();
        }
    }
}
