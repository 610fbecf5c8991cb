package dev.fusion.spring.boot;

import dev.fusion.CallRole;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.micrometer.ObservedFusion;
import dev.fusion.model.ModelRef;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.fusion.spring.boot.internal.FusionFailureAnalyzer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The auto-configuration in real application contexts, asking a real sandbox server over HTTP. */
class FusionAutoConfigurationTest {

    private static final String KEY = "sk-Sb7Qk2Wm9Xr4Lt1Vn6Pz3Hd"; // random-looking: the redactor masks any 8-char run of a key everywhere
    private static WireServer server;

    @BeforeAll
    static void start() {
        server = WireServer.start(Behaviour.builder().models(Sandbox.behaviour(0)).requireApiKey(KEY).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues(
                        "fusion.providers.sandbox.kind=openai",
                        "fusion.providers.sandbox.base-url=" + server.baseUrl(WireFormat.OPENAI),
                        "fusion.providers.sandbox.api-key-env=SANDBOX_API_KEY",
                        "SANDBOX_API_KEY=" + KEY,
                        "fusion.panel=sandbox:sandbox-swift,sandbox:sandbox-terse",
                        "fusion.judge=sandbox:sandbox-judge",
                        "fusion.retries=0")
                .withInitializer(properties(Map.of(
                        "fusion.prices[sandbox:sandbox-swift].input", "0.10",
                        "fusion.prices[sandbox:sandbox-swift].output", "0.40",
                        "fusion.prices[sandbox:sandbox-terse].input", "0.05",
                        "fusion.prices[sandbox:sandbox-terse].output", "0.20",
                        "fusion.prices[sandbox:sandbox-judge].input", "1.00",
                        "fusion.prices[sandbox:sandbox-judge].output", "5.00")));
    }

    /**
     * Properties whose keys hold a ':' (price references), which {@code withPropertyValues} would
     * split at; in an application.properties file the ':' is escaped ({@code [sandbox\:model]}).
     */
    private static org.springframework.context.ApplicationContextInitializer<org.springframework.context.ConfigurableApplicationContext> properties(
            Map<String, Object> values) {
        return context -> context.getEnvironment().getPropertySources()
                .addFirst(new org.springframework.core.env.MapPropertySource("test-prices", values));
    }

    private static String startupMessage(Throwable failure) {
        Throwable t = failure;
        while (t != null && !(t instanceof InvalidConfigurationException)) {
            t = t.getCause();
        }
        assertThat(t).as("an InvalidConfigurationException in %s", failure).isNotNull();
        FailureAnalysis analysis = new FusionFailureAnalyzer().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getAction()).contains("fusion.enabled=false");
        return analysis.getDescription();
    }

    @Test
    void propertiesMakeAFusionThatAsksOverHttpWithTheKeyFromTheEnvironmentAndRecordsMetrics() {
        runner().withBean(SimpleMeterRegistry.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Fusion.class).hasSingleBean(ObservedFusion.class);
            Fusion fusion = context.getBean(Fusion.class);
            assertThat(fusion.panel()).extracting(Member::id).containsExactly("sandbox:sandbox-swift", "sandbox:sandbox-terse");
            assertThat(fusion.judges()).extracting(Member::id).containsExactly("sandbox:sandbox-judge");
            assertThat(fusion.priceBook().find(ModelRef.parse("sandbox:sandbox-judge")).orElseThrow().base().output())
                    .isEqualByComparingTo("5.00");

            FusionResult result = context.getBean(ObservedFusion.class).ask("Why is the sky blue?");

            assertThat(result.judged()).isTrue();
            assertThat(result.costComplete()).isTrue();
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            assertThat(meters.get("gen_ai.client.token.usage").tags("gen_ai.request.model", "sandbox-judge",
                    "gen_ai.token.type", "output").summary().totalAmount())
                    .isEqualTo(result.judge().orElseThrow().usage().completionTokens()).isPositive();
            assertThat(meters.get("fusion.cost.usd").tags("fusion.call.role", CallRole.JUDGE.wireName()).counter().count())
                    .isEqualTo(result.judge().orElseThrow().cost().usd().orElseThrow().doubleValue());
            assertThat(meters.get("fusion.ask.duration").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void relaxedPropertiesBindLikeTheConfigFileKeys() {
        runner().withPropertyValues("fusion.budget-usd=0.25", "fusion.quorum=2", "fusion.strategy=select-best",
                        "fusion.max-output-tokens=300", "fusion.on-judge-failure=best-answer",
                        "fusion.spend-cap-usd=5", "fusion.spend-cap-window=24h")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FusionProperties p = context.getBean(FusionProperties.class);
                    assertThat(p.budgetUsd()).isEqualByComparingTo("0.25");
                    assertThat(p.spendCapWindow()).hasHours(24);
                    assertThat(p.providers().get("sandbox").apiKeyEnv()).isEqualTo("SANDBOX_API_KEY");
                    assertThat(p.prices().get("sandbox:sandbox-swift").input()).isEqualByComparingTo("0.10");
                    assertThat(context.getBean(Fusion.class).strategy().name()).isEqualTo("select-best");
                });
    }

    @Test
    void headerValuesNeverAppearInThePropertiesToString() {
        runner().withPropertyValues("fusion.providers.sandbox.headers.X-Api-Token=tok-secret-9876").run(context -> {
            FusionProperties p = context.getBean(FusionProperties.class);
            assertThat(p.providers().get("sandbox").headers()).containsEntry("X-Api-Token", "tok-secret-9876");
            assertThat(p.toString()).contains("X-Api-Token").doesNotContain("tok-secret-9876");
        });
    }

    @Test
    void theInfoContributionShowsTheSpendUnderTheSpendCap() {
        runner().withPropertyValues("fusion.spend-cap-usd=5", "fusion.spend-cap-window=PT24H").run(context -> {
            Fusion fusion = context.getBean(Fusion.class);
            FusionResult result = fusion.ask("Why is the sky blue?");
            Info.Builder builder = new Info.Builder();
            context.getBean("fusionInfoContributor", InfoContributor.class).contribute(builder);

            @SuppressWarnings("unchecked")
            Map<String, Object> info = (Map<String, Object>) builder.build().getDetails().get("fusion");
            assertThat(new BigDecimal((String) info.get("spentUsd"))).isEqualByComparingTo(result.totalCostUsd()).isPositive();
            assertThat(new BigDecimal((String) info.get("remainingUsd")))
                    .isEqualByComparingTo(new BigDecimal("5").subtract(result.totalCostUsd()));
            assertThat(info).containsEntry("spendCapWindow", "PT24H").containsEntry("strategy", "synthesize");
        });
    }

    @Test
    void anApplicationsOwnFusionBeanWins() {
        Fusion own = Fusion.builder().panel(Sandbox.panel().get(0).ref() == null ? null : new dev.fusion.model.ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("own:model");
            }

            @Override
            public reactor.core.publisher.Mono<dev.fusion.model.ModelResponse> call(dev.fusion.model.ModelRequest request) {
                return reactor.core.publisher.Mono.error(new IllegalStateException("not asked in this test"));
            }
        }).judge(new dev.fusion.model.ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("own:judge");
            }

            @Override
            public reactor.core.publisher.Mono<dev.fusion.model.ModelResponse> call(dev.fusion.model.ModelRequest request) {
                return reactor.core.publisher.Mono.error(new IllegalStateException("not asked in this test"));
            }
        }).build();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withBean(Fusion.class, () -> own)
                .run(context -> assertThat(context).hasNotFailed().getBean(Fusion.class).isSameAs(own));
    }

    @Test
    void fusionEnabledFalseTurnsItOff() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues("fusion.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Fusion.class));
    }

    @Test
    void springAiGetsAChatModelWhenPresentAndNoneWhenAbsent() {
        runner().run(context -> {
            dev.fusion.springai.FusionChatModel model = context.getBean(dev.fusion.springai.FusionChatModel.class);
            assertThat(model.fusion()).isSameAs(context.getBean(Fusion.class));
            assertThat(ChatClient.create(model).prompt("Why is the sky blue?").call().content())
                    .contains("What the answers agree on");
        });
        runner().withClassLoader(new FilteredClassLoader("org.springframework.ai"))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Fusion.class)
                        .doesNotHaveBean("fusionChatModel"));
    }

    @Test
    void invalidPropertiesFailStartUpNamingThePropertyAndTheFix() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .run(context -> assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.panel' is missing"));
        runner().withPropertyValues("fusion.judge=").run(context ->
                assertThat(startupMessage(context.getStartupFailure())).contains("property 'fusion.judge' is missing"));
        runner().withPropertyValues("fusion.quorum=3").run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.quorum' is 3 but the panel has only 2 member(s)"));
        runner().withPropertyValues("fusion.quorum=0").run(context ->
                assertThat(startupMessage(context.getStartupFailure())).contains("property 'fusion.quorum' must be at least 1"));
        runner().withPropertyValues("fusion.budget-usd=-1").run(context ->
                assertThat(startupMessage(context.getStartupFailure())).contains("property 'fusion.budget-usd' cannot be negative"));
        runner().withPropertyValues("fusion.strategy=majority").run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.strategy' 'majority' is not supported").contains("synthesize"));
        runner().withPropertyValues("fusion.on-judge-failure=retry").run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.on-judge-failure' must be fail or best-answer"));
        runner().withPropertyValues("fusion.spend-cap-usd=", "fusion.spend-cap-window=24h").run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.spend-cap-window' is set without spendCapUsd"));
        runner().withPropertyValues("fusion.providers.sandbox.kind=grpc").run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("fusion.providers.sandbox").contains("openai, anthropic, gemini"));
        runner().withPropertyValues("fusion.panel=nowhere:model-x").run(context ->
                assertThat(startupMessage(context.getStartupFailure())).contains("nowhere"));
        runner().withPropertyValues("SANDBOX_API_KEY=").run(context -> {
            String message = startupMessage(context.getStartupFailure());
            assertThat(message).contains("SANDBOX_API_KEY").doesNotContain(KEY);
        });
        runner().withInitializer(properties(Map.of("fusion.prices[sandbox:sandbox-swift].input", "-2",
                "fusion.prices[sandbox:sandbox-swift].output", "0.40"))).run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.prices.sandbox:sandbox-swift'").contains("-2"));
        runner().withInitializer(properties(Map.of("fusion.prices[sandbox:sandbox-swift].output", "0.40",
                "fusion.prices[sandbox:sandbox-swift].input", ""))).run(context ->
                assertThat(startupMessage(context.getStartupFailure()))
                        .contains("property 'fusion.prices.sandbox:sandbox-swift'").contains("needs both"));
    }

    @Test
    void aPropertyOfTheWrongTypeFailsInSpringsBinder() {
        runner().withPropertyValues("fusion.quorum=two").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("two");
            assertThat(context.getStartupFailure()).hasStackTraceContaining("fusion.quorum");
        });
    }

    @Test
    void configurationMetadataIsGeneratedForIdeCompletion() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"fusion.budget-usd\"", "\"fusion.panel\"", "\"fusion.providers\"",
                    "\"fusion.prices\"", "\"fusion.spend-cap-usd\"", "per-ask budget in USD");
        }
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains(FusionAutoConfiguration.class.getName());
        }
    }
}
