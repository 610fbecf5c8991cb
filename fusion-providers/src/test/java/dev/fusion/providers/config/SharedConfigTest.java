package dev.fusion.providers.config;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.providers.Providers;
import dev.fusion.shared.OnUnavailable;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The config file's {@code shared:} map and {@code providerLimits.<p>.tokensPerMinute}. */
class SharedConfigTest {

    static final String BASE = """
            panel: [openai:gpt-4o-mini, openai:gpt-4.1-mini]
            judge: openai:gpt-4o-mini
            """;

    @Test
    void sharedAndTokensPerMinuteAreRead() {
        FusionConfig c = FusionConfig.parse(BASE + """
                shared: {redis: "redis://:s3cret@127.0.0.1:6379/0", namespace: team-a, onUnavailable: local, leaseMs: 5000}
                providerLimits: {openai: {maxConcurrent: 8, requestsPerMinute: 60, tokensPerMinute: 200000}}
                """);
        assertThat(c.shared().url()).isEqualTo("redis://:s3cret@127.0.0.1:6379/0");
        assertThat(c.shared().namespace()).isEqualTo("team-a");
        assertThat(c.shared().onUnavailable()).isEqualTo(OnUnavailable.LOCAL);
        assertThat(c.shared().lease()).isEqualTo(Duration.ofMillis(5000));
        assertThat(c.shared().toString()).doesNotContain("s3cret");
        assertThat(c.providerLimits().get("openai")).isEqualTo(new FusionConfig.Limit(8, 60, 200000));
    }

    @Test
    void defaultsAreRefuseAndThirtySecondLeases() {
        FusionConfig c = FusionConfig.parse(BASE + "shared: {redis: \"redis://127.0.0.1:6379/0\"}\n");
        assertThat(c.shared().onUnavailable()).isEqualTo(OnUnavailable.REFUSE);
        assertThat(c.shared().lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.shared().namespace()).isEqualTo("fusion");
        assertThat(FusionConfig.parse(BASE).shared()).isNull();
    }

    @Test
    void badSharedValuesAreTypedErrorsNamingTheKey() {
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {namespace: a}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("shared.redis");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"http://x\"}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("shared.redis");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", onUnavailable: maybe}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("shared.onUnavailable");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", leaseMs: 5}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("leaseMs");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", leaseMs: 5}\n"))
                .hasMessageContaining("config key 'shared.leaseMs' must be between 100 and 3600000 milliseconds, was 5");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", leaseMs: 3600001}\n"))
                .hasMessageContaining("config key 'shared.leaseMs'");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", namespace: \"a b\"}\n"))
                .hasMessageContaining("config key 'shared.namespace' must be");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", namespace: \"a b\"}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "shared: {redis: \"redis://h\", ttl: 3}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("shared.ttl");
        assertThatThrownBy(() -> FusionConfig.parse(BASE + "providerLimits: {openai: {tokensPerMinute: -1}}\n"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("tokensPerMinute");
    }

    @Test
    void withoutFusionRedisOnTheClassPathTheErrorSaysWhatToAdd() {
        FusionConfig c = FusionConfig.parse(BASE + "shared: {redis: \"redis://127.0.0.1:6379/0\"}\n");
        Providers providers = Providers.builder().env(java.util.Map.of("OPENAI_API_KEY", "sk-test")).build();
        assertThatThrownBy(() -> c.toFusionBuilder(providers))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("fusion-redis");
    }
}
