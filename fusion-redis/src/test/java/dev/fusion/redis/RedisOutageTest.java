package dev.fusion.redis;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.sandbox.WireServer;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.shared.SharedStateUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Redis stopped and restarted (losing its data) under a running instance: {@code refuse} fails typed
 * and before any call, {@code local} degrades with a note; both recover without a new JVM or a new
 * Fusion, and the shared spend afterwards is exactly what the instance spent (nothing double-counted).
 */
class RedisOutageTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    static final BigDecimal CAP = new BigDecimal("1");

    @Test
    void refuseFailsTypedBeforeAnyCallAndRecovers() throws Exception {
        try (WireServer server = SharedLimitsAcrossProcessesTest.sandbox(10);
             RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(REDIS.url(), "refuse",
                     OnUnavailable.REFUSE, Duration.ofMillis(1500)))) {
            Fusion fusion = SharedAskMain.fusion(shared, SharedLimitsAcrossProcessesTest.base(server), CAP, 2, 0, 0, 20000);
            // The first connect may time out on a starved machine (the command timeout is a third of the
            // 1.5 s lease): ask until the store answered once, as an application would.
            BigDecimal spent = awaitOk(fusion, false, new java.util.ArrayList<>()).totalCostUsd();
            REDIS.stop();
            long before = server.requestCount();
            assertThatThrownBy(() -> fusion.ask("q")).isInstanceOf(SharedStateUnavailableException.class)
                    .hasMessageContaining(REDIS.url()).hasMessageContaining("refuse");
            assertThat(server.requestCount()).as("refused before any call").isEqualTo(before);
            // Without a cap, only the provider limit needs the store: its calls are refused (no request
            // is sent), and once the store is known down the next ask is refused up front.
            Fusion uncapped = SharedAskMain.fusion(shared, SharedLimitsAcrossProcessesTest.base(server), BigDecimal.ZERO,
                    2, 0, 0, 20000);
            assertThatThrownBy(() -> uncapped.ask("q")).isInstanceOf(dev.fusion.FusionException.class);
            assertThatThrownBy(() -> uncapped.ask("q")).isInstanceOf(SharedStateUnavailableException.class);
            assertThat(server.requestCount()).as("no call reached the provider while the store was down").isEqualTo(before);
            REDIS.start();
            spent = spent.add(awaitOk(fusion, false, new java.util.ArrayList<>()).totalCostUsd());
            BigDecimal expected = spent;
            SharedLimitsAcrossProcessesTest.await(() -> nano(expected).equals(REDIS.command("HGET refuse:spend:all:w0 t")),
                    30, "the shared spend to be republished after the restart: " + expected);
        }
    }

    @Test
    void localDegradesWithANoteAndRecovers() throws Exception {
        try (WireServer server = SharedLimitsAcrossProcessesTest.sandbox(10);
             RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(REDIS.url(), "local",
                     OnUnavailable.LOCAL, Duration.ofMillis(1500)))) {
            Fusion fusion = SharedAskMain.fusion(shared, SharedLimitsAcrossProcessesTest.base(server), CAP, 2, 0, 0, 20000);
            java.util.List<BigDecimal> meanwhile = new java.util.ArrayList<>();
            // Asks until the store answered once (the first connect may time out on a starved machine).
            FusionResult first = awaitOk(fusion, true, meanwhile);
            assertThat(first.notes()).noneMatch(n -> n.startsWith("degraded:"));
            REDIS.stop();
            FusionResult degraded = fusion.ask("q");
            assertThat(degraded.notes()).anyMatch(n -> n.startsWith("degraded:") && n.contains(REDIS.url()));
            REDIS.start();
            FusionResult recovered = awaitOk(fusion, true, meanwhile);
            BigDecimal expected = meanwhile.stream().reduce(first.totalCostUsd().add(degraded.totalCostUsd())
                    .add(recovered.totalCostUsd()), BigDecimal::add);
            SharedLimitsAcrossProcessesTest.await(() -> nano(expected).equals(REDIS.command("HGET local:spend:all:w0 t")),
                    30, "the shared spend (degraded asks included, once) after the restart: " + expected + " but Redis has "
                            + REDIS.command("HGET local:spend:all:w0 t") + " nano");
        }
    }

    /** Asks until an ask passes without the degraded note (the store answers again). */
    private static FusionResult awaitOk(Fusion fusion, boolean local, java.util.List<BigDecimal> spentMeanwhile)
            throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                FusionResult r = fusion.ask("q");
                if (r.notes().stream().noneMatch(n -> n.startsWith("degraded:"))) {
                    return r;
                }
                assertThat(local).as("only local mode answers while degraded").isTrue();
                spentMeanwhile.add(r.totalCostUsd());
            } catch (SharedStateUnavailableException e) {
                assertThat(local).as("only refuse mode refuses").isFalse();
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("the instance did not recover within 30 s of Redis returning");
            }
            Thread.sleep(50);
        }
    }

    private static String nano(BigDecimal usd) {
        return usd.movePointRight(9).setScale(0, java.math.RoundingMode.CEILING).toPlainString();
    }
}
