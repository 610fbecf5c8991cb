package dev.fusion.spring.boot;

import dev.fusion.BudgetExceededException;
import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.cost.Usage;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.redis.RedisServer;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedState;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code fusion.shared.*} against a real redis-server (fusion-redis's test extension): two application
 * contexts with the same Redis and namespace share one spend cap, because the spend lives in Redis.
 */
class FusionSharedStateTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static WireServer server;

    @BeforeAll
    static void start() {
        // every call reports 100 output tokens: $0.001 at $10 per million, exactly its worst case under max-output-tokens=100
        Reply r = Reply.text("Four.").usage(Usage.of(10, 100));
        server = WireServer.start(Behaviour.builder().model("m1", r).model("m2", r).model("judge", r).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.resetStats();
        assertThat(REDIS.command("FLUSHALL")).isEqualTo("+OK");
    }

    private static ApplicationContextRunner runner(String namespace) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues(
                        "fusion.providers.sbx.kind=openai",
                        "fusion.providers.sbx.base-url=" + server.baseUrl(WireFormat.OPENAI),
                        "fusion.panel=sbx:m1,sbx:m2",
                        "fusion.judge=sbx:judge",
                        "fusion.retries=0",
                        "fusion.max-output-tokens=100",
                        "fusion.judge-max-output-tokens=100",
                        "fusion.spend-cap-usd=0.004",
                        "fusion.shared.redis=" + REDIS.url(),
                        "fusion.shared.namespace=" + namespace,
                        "fusion.shared.on-unavailable=refuse",
                        "fusion.shared.lease-ms=3000",
                        "fusion.provider-limits.sbx.max-concurrent=4",
                        "fusion.provider-limits.sbx.tokens-per-minute=100000")
                .withInitializer(context -> context.getEnvironment().getPropertySources()
                        .addFirst(new org.springframework.core.env.MapPropertySource("test-prices", Map.of(
                                "fusion.prices[sbx:m1].input", "0", "fusion.prices[sbx:m1].output", "10",
                                "fusion.prices[sbx:m2].input", "0", "fusion.prices[sbx:m2].output", "10",
                                "fusion.prices[sbx:judge].input", "0", "fusion.prices[sbx:judge].output", "10"))));
    }

    @Test
    void twoContextsWithOneRedisAndNamespaceShareOneSpendCapThatLivesInRedis() {
        runner("team-a").run(a -> runner("team-a").run(b -> {
            assertThat(a).hasNotFailed().hasSingleBean(SharedState.class);
            assertThat(b).hasNotFailed();

            assertThat(a.getBean(Fusion.class).ask("q").totalCostUsd()).isEqualByComparingTo("0.003");
            // $0.001 left of the shared $0.004: b cannot reserve an ask's worst case ($0.003); refused before any call
            assertThatThrownBy(() -> b.getBean(Fusion.class).ask("q")).isInstanceOf(BudgetExceededException.class);
            assertThat(server.requestCount()).isEqualTo(3);

            // another team's namespace on the same Redis has its own cap
            runner("team-b").run(other -> assertThat(other.getBean(Fusion.class).ask("q").totalCostUsd())
                    .isEqualByComparingTo("0.003"));

            // the spend is in Redis under the namespace: team-a's lifetime window holds a's $0.003 (in nano-dollars)
            assertThat(awaitRedis("HGET team-a:spend:all:w0 t", "3000000")).isEqualTo("3000000");
        }));
    }

    @Test
    void sharedAndTokensPerMinutePropertiesBindToTheConfigFilesKeys() {
        runner("team-a").withPropertyValues("fusion.shared.on-unavailable=local").run(context -> {
            assertThat(context).hasNotFailed();
            FusionProperties p = context.getBean(FusionProperties.class);
            FusionConfig config = PropertyTree.read(context.getEnvironment()).config(true);
            SharedStateOptions shared = config.shared();
            assertThat(shared.url()).isEqualTo(REDIS.url());
            assertThat(shared.namespace()).isEqualTo("team-a");
            assertThat(shared.onUnavailable()).isEqualTo(OnUnavailable.LOCAL);
            assertThat(shared.lease()).isEqualTo(Duration.ofMillis(3000));
            assertThat(config.providerLimits().get("sbx").tokensPerMinute()).isEqualTo(100_000);
            assertThat(config.providerLimits().get("sbx").maxConcurrent()).isEqualTo(4);
        });
    }

    @Test
    void badSharedPropertiesFailStartUpNamingTheProperty() {
        assertThat(startupMessage(runner("team-a").withPropertyValues("fusion.shared.on-unavailable=maybe")))
                .contains("property 'fusion.shared.on-unavailable'").contains("refuse or local");
        assertThat(startupMessage(runner("team-a").withPropertyValues("fusion.shared.redis=http://127.0.0.1:6379")))
                .contains("property 'fusion.shared.redis'").contains("redis://");
        assertThat(startupMessage(runner("team-a").withPropertyValues("fusion.shared.lease-ms=5")))
                .contains("fusion.shared").contains("between 100 and 3600000")
                .contains("property 'fusion.shared.lease-ms'");
        assertThat(startupMessage(runner("team-a").withPropertyValues("fusion.provider-limits.sbx.tokens-per-minute=-1")))
                .contains("property 'fusion.provider-limits.sbx.tokens-per-minute'");
        assertThat(startupMessage(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues("fusion.panel=openai:gpt-4.1", "fusion.judge=openai:gpt-4.1",
                        "fusion.shared.namespace=team-a")))
                .contains("property 'fusion.shared.redis' is required");
        assertThat(server.requestCount()).isZero();
    }

    /** The reply to {@code command} once it is {@code expected} (the spend is published just after the ask), or the last reply after 10 s. */
    private static String awaitRedis(String command, String expected) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String reply = REDIS.command(command);
        while (!expected.equals(reply) && System.nanoTime() < until) {
            Thread.sleep(10);
            reply = REDIS.command(command);
        }
        return reply;
    }

    private static String startupMessage(ApplicationContextRunner runner) {
        String[] message = new String[1];
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable t = context.getStartupFailure();
            while (t != null && !(t instanceof InvalidConfigurationException)) {
                t = t.getCause();
            }
            assertThat(t).as("an InvalidConfigurationException in %s", context.getStartupFailure()).isNotNull();
            message[0] = t.getMessage();
        });
        return message[0];
    }
}
