package dev.fusion.redis;

import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.ReserveOutcome;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.shared.SharedStateUnavailableException;
import dev.fusion.shared.SpendAccount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SpendAccount#reserveOrRemaining} on a real redis-server: one script call reserves the amount
 * or reports what is left under the cap (across instances), refuses typed while Redis is down under
 * {@code refuse}, and decides against the last seen state under {@code local}, republishing this
 * instance's reservations when Redis returns empty.
 */
class ReserveOrRemainingTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    static final BigDecimal CAP = new BigDecimal("1");

    private static RedisSharedState open(String namespace, OnUnavailable on) {
        return RedisSharedState.open(new SharedStateOptions(REDIS.url(), namespace, on, Duration.ofMillis(1500)));
    }

    /**
     * Until the store answered once (the first connect may time out on a starved machine: the command
     * timeout is a third of the 1.5 s lease; failed once at load 51), as an application would retry.
     */
    static void contact(RedisSharedState store, SpendAccount account) throws Exception {
        SharedLimitsAcrossProcessesTest.await(() -> {
            try {
                account.remainingUsd().block(Duration.ofSeconds(10));
            } catch (SharedStateUnavailableException e) {
                return false;
            }
            return store.degradedNote().isEmpty();
        }, 30, "the store to answer once");
    }

    private static BigDecimal usd(String s) {
        return new BigDecimal(s);
    }

    @Test
    void grantsWhatFitsAndReportsWhatIsLeftInOneScriptCall() throws Exception {
        try (RedisSharedState a = open("ror", OnUnavailable.REFUSE); RedisSharedState b = open("ror", OnUnavailable.REFUSE)) {
            SpendAccount x = a.spendAccount(CAP, null, Clock.systemUTC());
            SpendAccount y = b.spendAccount(CAP, null, Clock.systemUTC());
            contact(a, x);
            contact(b, y);
            assertThat(x.remainingUsd().block()).isEqualByComparingTo("1"); // loads the script
            assertThat(y.remainingUsd().block()).isEqualByComparingTo("1");
            long tripsA = a.roundTrips();
            assertThat(x.reserveOrRemaining(usd("0.4")).block()).isEqualTo(ReserveOutcome.reserved());
            assertThat(a.roundTrips() - tripsA).as("one script call").isEqualTo(1);
            assertThat(REDIS.command("HGET ror:spend:all:res t")).isEqualTo("400000000");

            long tripsB = b.roundTrips();
            ReserveOutcome refused = y.reserveOrRemaining(usd("0.7")).block();
            assertThat(b.roundTrips() - tripsB).as("refused and what is left, in one script call").isEqualTo(1);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.remainingUsd()).isEqualByComparingTo("0.6");
            assertThat(REDIS.command("HGET ror:spend:all:res t")).as("nothing reserved when refused").isEqualTo("400000000");

            x.settle(usd("0.4"), usd("0.1"));
            SharedLimitsAcrossProcessesTest.await(() -> "0".equals(REDIS.command("HGET ror:spend:all:res t")), 10,
                    "the settle to be published");
            assertThat(y.reserveOrRemaining(usd("0.7")).block()).isEqualTo(ReserveOutcome.reserved());
            ReserveOutcome full = x.reserveOrRemaining(usd("0.2000000001")).block();
            assertThat(full.granted()).isFalse();
            assertThat(full.remainingUsd()).isEqualByComparingTo("0.2");
            assertThat(REDIS.command("HGET ror:spend:all:res t")).isEqualTo("700000000");
        }
    }

    @Test
    void refuseFailsTypedWhileRedisIsDownAndRecovers() throws Exception {
        try (RedisSharedState a = open("ror-refuse", OnUnavailable.REFUSE)) {
            SpendAccount x = a.spendAccount(CAP, null, Clock.systemUTC());
            contact(a, x);
            assertThat(x.reserveOrRemaining(usd("0.3")).block()).isEqualTo(ReserveOutcome.reserved());
            REDIS.stop();
            try {
                assertThatThrownBy(() -> x.reserveOrRemaining(usd("0.1")).block())
                        .isInstanceOf(SharedStateUnavailableException.class).hasMessageContaining(REDIS.url());
                assertThat(a.degradedNote()).as("refuse mode has no degraded results").isEmpty();
            } finally {
                REDIS.start();
            }
            SharedLimitsAcrossProcessesTest.await(() -> {
                try {
                    return x.reserveOrRemaining(usd("0.1")).block().granted();
                } catch (SharedStateUnavailableException e) {
                    return false;
                }
            }, 30, "a reservation once Redis is back");
            // Redis came back empty: this instance's reservations (0.3 + 0.1) are published again, once.
            SharedLimitsAcrossProcessesTest.await(() -> "400000000".equals(REDIS.command("HGET ror-refuse:spend:all:res t")),
                    10, "the reservations to be republished");
        }
    }

    @Test
    void localDecidesAgainstTheLastSeenStateWhileRedisIsDownAndRepublishesWhenItReturns() throws Exception {
        try (RedisSharedState a = open("ror-local", OnUnavailable.LOCAL); RedisSharedState b = open("ror-local", OnUnavailable.LOCAL)) {
            SpendAccount x = a.spendAccount(CAP, null, Clock.systemUTC());
            SpendAccount y = b.spendAccount(CAP, null, Clock.systemUTC());
            contact(a, x);
            contact(b, y);
            assertThat(x.reserveOrRemaining(usd("0.3")).block()).isEqualTo(ReserveOutcome.reserved());
            assertThat(y.reserveOrRemaining(usd("0.5")).block()).isEqualTo(ReserveOutcome.reserved());
            assertThat(x.remainingUsd().block()).isEqualByComparingTo("0.2"); // x now knows y's 0.5
            REDIS.stop();
            try {
                ReserveOutcome refused = x.reserveOrRemaining(usd("0.3")).block();
                assertThat(refused.granted()).as("0.3 + 0.5 seen + 0.3 > 1").isFalse();
                assertThat(refused.remainingUsd()).isEqualByComparingTo("0.2");
                assertThat(x.degradedNote()).hasValueSatisfying(n -> assertThat(n).startsWith("degraded:")
                        .contains("onUnavailable: local"));
                assertThat(x.reserveOrRemaining(usd("0.2")).block()).isEqualTo(ReserveOutcome.reserved());
            } finally {
                REDIS.start();
            }
            // Redis came back empty: both instances publish their reservations again (x 0.5, y 0.5).
            SharedLimitsAcrossProcessesTest.await(() -> "1000000000".equals(REDIS.command("HGET ror-local:spend:all:res t")),
                    15, "both instances' reservations to be republished, but Redis has "
                            + REDIS.command("HGET ror-local:spend:all:res t"));
            SharedLimitsAcrossProcessesTest.await(() -> x.degradedNote().isEmpty(), 10, "the degraded note to clear");
            ReserveOutcome none = x.reserveOrRemaining(usd("0.000000001")).block();
            assertThat(none.granted()).isFalse();
            assertThat(none.remainingUsd()).isEqualByComparingTo("0");
        }
    }
}
