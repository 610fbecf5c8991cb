package dev.fusion.redis;

import dev.fusion.redis.internal.RedisRateGate;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.ProviderLimit;
import dev.fusion.shared.RateGate;
import dev.fusion.shared.SharedStateOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code onUnavailable: local}: a call the local fallback admitted while Redis was down is counted in
 * Redis once it is back (its permit and its start in the minute window), so another instance cannot
 * exceed the shared limit beside it; its release reaches Redis too.
 */
class LocalPermitsAdoptedTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static RedisSharedState open(String namespace) {
        return RedisSharedState.open(new SharedStateOptions(REDIS.url(), namespace, OnUnavailable.LOCAL,
                Duration.ofMillis(1500)));
    }

    @Test
    void aCallStartedLocallyDuringTheOutageHoldsTheSharedPermitOnceRedisIsBack() throws Exception {
        try (RedisSharedState a = open("adopt"); RedisSharedState b = open("adopt")) {
            ProviderLimit one = new ProviderLimit(1, 0, 0);
            RedisRateGate ga = (RedisRateGate) a.rateGate("p", one);
            RateGate gb = b.rateGate("p", one);
            ga.acquire(0).block(Duration.ofSeconds(10)).release(-1); // Redis answered
            REDIS.stop();
            RateGate.Permit local;
            try {
                local = ga.acquire(0).block(Duration.ofSeconds(10));
                assertThat(a.degradedNote()).isPresent();
                assertThat(ga.unadopted()).isEqualTo(1);
            } finally {
                REDIS.start(); // empty: it lost every permit
            }
            SharedLimitsAcrossProcessesTest.await(() -> ":1".equals(REDIS.command("ZCARD adopt:limit:p:permits")), 10,
                    "the locally started call to be counted in Redis");
            // Redis counts it when the script runs; this instance books it when the reply is processed, a moment later.
            SharedLimitsAcrossProcessesTest.await(() -> ga.unadopted() == 0, 10, "the adoption's reply to be processed");
            assertThat(ga.unadopted()).isZero();
            assertThat(ga.held()).isEqualTo(1);
            CompletableFuture<RateGate.Permit> other = gb.acquire(0).toFuture();
            long trips = b.roundTrips();
            SharedLimitsAcrossProcessesTest.await(() -> b.roundTrips() >= trips + 2, 10, "the other instance to ask Redis");
            assertThat(other).as("the shared maxConcurrent 1 is held by the adopted call").isNotDone();
            local.release(-1);
            RateGate.Permit second = other.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(REDIS.command("ZCARD adopt:limit:p:permits")).isEqualTo(":1");
            second.release(-1);
            SharedLimitsAcrossProcessesTest.await(() -> ":0".equals(REDIS.command("ZCARD adopt:limit:p:permits")), 10,
                    "both permits released");
        }
    }

    @Test
    void startsAndTokensOfLocalCallsCountInTheSharedMinuteOnceRedisIsBack() throws Exception {
        try (RedisSharedState a = open("adopt-rate")) {
            RedisRateGate ga = (RedisRateGate) a.rateGate("p", new ProviderLimit(0, 5, 10_000));
            ga.acquire(100).block(Duration.ofSeconds(10)).release(150);
            REDIS.stop();
            RateGate.Permit local;
            try {
                local = ga.acquire(400).block(Duration.ofSeconds(10));
            } finally {
                REDIS.start();
            }
            SharedLimitsAcrossProcessesTest.await(() -> ":1".equals(REDIS.command("ZCARD adopt-rate:limit:p:starts")), 10,
                    "the local start to be counted in the shared minute");
            assertThat(REDIS.command("HGET adopt-rate:limit:p:tokens t")).isEqualTo("400");
            local.release(250); // settled to the reported tokens in Redis
            SharedLimitsAcrossProcessesTest.await(() -> "250".equals(REDIS.command("HGET adopt-rate:limit:p:tokens t")), 10,
                    "the adopted call's tokens settled");
            assertThat(ga.held()).isZero();
        }
    }
}
