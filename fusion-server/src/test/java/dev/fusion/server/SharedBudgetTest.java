package dev.fusion.server;

import dev.fusion.redis.RedisServer;
import dev.fusion.redis.RedisSharedState;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Two gateway instances share a key's budget through a real redis-server: what one spent, the other refuses. */
class SharedBudgetTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    static final String KEY = "sk-fusion-shared-budget-6c2d90e1a7b4f358";
    static final String ASK = "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}";

    @Test
    void aKeysBudgetSpentOnOneInstanceIsSpentOnTheOther() throws Exception {
        GatewayKey key = new GatewayKey("team", GatewayKey.hash(KEY), Set.of(), new BigDecimal("0.000001"), null, 0, 0);
        SharedStateOptions options = new SharedStateOptions(REDIS.url(), "gw-test", OnUnavailable.REFUSE, Duration.ofSeconds(30));
        try (SandboxGateway a = new SandboxGateway(b -> b.key(key).keyState(k -> RedisSharedState.open(
                new SharedStateOptions(options.url(), options.namespace() + ".key." + k.name(), options.onUnavailable(), options.lease()))));
             SandboxGateway.Closing bGw = new SandboxGateway.Closing(FusionServer.builder().port(0)
                     .fusion("default", SandboxGateway.fusion(a.sandbox, a.sandbox.panel())).key(key)
                     .keyState(k -> RedisSharedState.open(new SharedStateOptions(options.url(), options.namespace() + ".key." + k.name(),
                             options.onUnavailable(), options.lease()))).start())) {
            SandboxGateway.Client onB = new SandboxGateway.Client(bGw.server().baseUrl());
            assertThat(onB.post("/v1/chat/completions", ASK, "authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
            // the spend settles into Redis asynchronously: wait until the store shows it, without asking A
            try (RedisSharedState probe = RedisSharedState.open(new SharedStateOptions(options.url(),
                    options.namespace() + ".key.team", options.onUnavailable(), options.lease()))) {
                var account = probe.spendAccount(key.dailyUsd(), dev.fusion.server.internal.KeyRing.DAY, java.time.Clock.systemUTC());
                for (int i = 0; i < 600 && account.remainingUsd().block(Duration.ofSeconds(10)).signum() > 0; i++) {
                    Thread.sleep(50);
                }
            }
            // A's very first ask with the key: A spent nothing itself
            HttpResponse<String> r = a.post("/v1/chat/completions", ASK, "authorization", "Bearer " + KEY);
            assertThat(r.statusCode()).as("instance A refuses what B spent").isEqualTo(429);
            assertThat(r.body()).contains("daily budget");
        }
    }
}
