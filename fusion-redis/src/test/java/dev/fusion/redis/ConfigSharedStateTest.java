package dev.fusion.redis;

import dev.fusion.BudgetExceededException;
import dev.fusion.Fusion;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A config file's {@code shared:} selects the Redis store through ServiceLoader: two instances share one cap. */
class ConfigSharedStateTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    @Test
    void twoInstancesFromOneConfigShareTheCap() {
        try (WireServer server = SharedLimitsAcrossProcessesTest.sandbox(10)) {
            String yaml = """
                    providers: {sbx: {kind: openai, baseUrl: "%s", apiKey: "sk-local-test"}}
                    panel: [sbx:m1, sbx:m2]
                    judge: sbx:judge
                    maxOutputTokens: 100
                    judgeMaxOutputTokens: 100
                    prices: {"sbx:m1": {input: 0, output: 10}, "sbx:m2": {input: 0, output: 10}, "sbx:judge": {input: 0, output: 10}}
                    spendCapUsd: 0.004
                    shared: {redis: "%s", namespace: "cfg", onUnavailable: refuse, leaseMs: 3000}
                    providerLimits: {sbx: {maxConcurrent: 4, requestsPerMinute: 600, tokensPerMinute: 100000}}
                    """.formatted(SharedLimitsAcrossProcessesTest.base(server), REDIS.url());
            FusionConfig config = FusionConfig.parse(yaml);
            Providers providers = Providers.builder().env(Map.of()).build();
            Fusion a = config.toFusionBuilder(providers).build();
            Fusion b = config.toFusionBuilder(providers).build();
            assertThat(a.ask("q").totalCostUsd()).isEqualByComparingTo("0.003");
            // $0.001 left of the shared $0.004: instance b can reserve the judge but no panel member.
            assertThatThrownBy(() -> b.ask("q")).isInstanceOf(BudgetExceededException.class);
            assertThat(server.requestCount()).isEqualTo(3);
        }
    }
}
