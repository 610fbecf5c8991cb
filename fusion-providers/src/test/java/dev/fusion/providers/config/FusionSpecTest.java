package dev.fusion.providers.config;

import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The spec: keys from its components, errors with key path and place, overrides and the builder mapping. */
class FusionSpecTest {

    static final String CONFIG = """
            providers:
              local: {kind: openai, baseUrl: "http://127.0.0.1:8080/v1"}
            panel: [local:a, local:b, local:c]
            judge: local:j
            quorum: 2
            graceMs: 2000
            deadlineMs: 60000
            budgetUsd: 0.05
            allowUnpriced: true
            providerLimits:
              local: {maxConcurrent: 4, requestsPerMinute: 60}
            prices:
              local:a: {input: 0.27, output: 1.10}
            """;

    static final Providers PROVIDERS = Providers.builder().env(Map.of()).build();

    @Test
    void theKeysAreTheRecordsComponentsInDocumentationOrder() {
        assertThat(FusionConfig.KEYS).containsExactly("providers", "panel", "judge", "onJudgeFailure", "quorum",
                "graceMs", "memberTimeoutMs", "judgeTimeoutMs", "deadlineMs", "maxOutputTokens", "judgeMaxOutputTokens",
                "budgetUsd", "allowUnpriced", "retries", "providerLimits", "strategy", "strategyOptions", "samples",
                "rounds", "agree", "flagships", "spendCapUsd", "spendCapWindow", "prices", "shared", "sandbox");
        assertThat(FusionSpec.keysOf(FusionSpec.Provider.class))
                .containsExactly("kind", "baseUrl", "apiKeyEnv", "apiKey", "maxTokensParam", "headers", "extraBody",
                        "capabilities"); // the last two: issue 14
        assertThat(FusionSpec.keysOf(FusionSpec.PanelEntry.class)).containsExactly("model", "reasoning", "extraBody");
        assertThat(FusionSpec.keysOf(FusionSpec.CapabilitiesEntry.class))
                .containsExactly("structuredOutput", "images", "reasoning");
        assertThat(FusionSpec.keysOf(FusionSpec.Limit.class)).containsExactly("maxConcurrent", "requestsPerMinute", "tokensPerMinute");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // a value of the wrong type, at the place it was written
            "quorum: 2|quorum: two|config key 'quorum' must be a whole number, was the string 'two' (line 5, column 9)",
            "graceMs: 2000|graceMs: 2.5|config key 'graceMs' must be a whole number of milliseconds, was number 2.5 (line 6, column 10)",
            "graceMs: 2000|graceMs: [1]|config key 'graceMs' must be a whole number of milliseconds, was a list (line 6, column 10)",
            "allowUnpriced: true|allowUnpriced: yes please|config key 'allowUnpriced' must be true or false, was the string 'yes please' (line 9, column 16)",
            "budgetUsd: 0.05|budgetUsd: {a: 1}|config key 'budgetUsd' must be a number of US dollars, was a mapping (line 8, column 12)",
            "maxConcurrent: 4|maxConcurrent: four|config key 'providerLimits.local.maxConcurrent' must be a whole number, was the string 'four' (line 11, column 26)",
            "local: {maxConcurrent|local: 7\\n  x: {maxConcurrent|config key 'providerLimits.local' must be {maxConcurrent: 8, requestsPerMinute: 60}, was number 7 (line 11, column 10)",
            "providerLimits:|providerLimits: [1]\\nx:|config key 'providerLimits' must be a mapping of provider name to {maxConcurrent, requestsPerMinute}, was a list (line 10, column 17)",
            "kind: openai|kind: cohere|config key 'providers.local.kind' must be one of openai, anthropic, gemini; was 'cohere' (line 2, column 17)",
            "input: 0.27|input: cheap|config key 'prices.local:a.input' must be a number of US dollars, was 'cheap' (line 13, column 20)",
            "judge: local:j|judge: [local:j, 3]|config key 'judge' entries must be provider:model strings, found number 3 (line 4, column 8)",
            // an impossible value, at the place it was written
            "quorum: 2|quorum: 0|config key 'quorum' must be at least 1, was 0 (line 5, column 9)",
            "quorum: 2|quorum: 4|config key 'quorum' is 4 but the panel has only 3 member(s); lower quorum or add panel members (line 5, column 9)",
            "deadlineMs: 60000|deadlineMs: 0|config key 'deadlineMs' must be positive (milliseconds), was 0 (line 7, column 13)",
            "requestsPerMinute: 60|requestsPerMinute: -1|config key 'providerLimits.local.requestsPerMinute' must be zero or positive, was -1 (line 11, column 48)",
            "panel: [local:a, local:b, local:c]|panel: [local:a, local:a]|config key 'panel' lists a model twice; each panel entry must be distinct (line 3, column 8)",
            "quorum: 2|quorum: 99999999999|config key 'quorum' is too large: 99999999999 (line 5, column 9)",
            "budgetUsd: 0.05|spendCapWindow: P1D|config key 'spendCapWindow' is set without spendCapUsd; add spendCapUsd or remove the window (line 8, column 17)",
            "budgetUsd: 0.05|spendCapUsd: 1\\nspendCapWindow: soon|config key 'spendCapWindow' must be an ISO-8601 duration like PT24H or P7D, was 'soon' (line 9, column 17)",
            // unknown keys, with the valid ones at that level
            "graceMs: 2000|gracems: 2000|unknown config key 'gracems'; valid keys: [providers, panel, judge, onJudgeFailure, quorum, graceMs, memberTimeoutMs, judgeTimeoutMs, deadlineMs, maxOutputTokens, judgeMaxOutputTokens, budgetUsd, allowUnpriced, retries, providerLimits, strategy, strategyOptions, samples, rounds, agree, flagships, spendCapUsd, spendCapWindow, prices, shared, sandbox] (line 6, column 1)",
            "requestsPerMinute: 60|rpm: 60|unknown config key 'providerLimits.local.rpm'; valid keys under providerLimits.local: [maxConcurrent, requestsPerMinute, tokensPerMinute] (line 11, column 29)",
    })
    void everyProblemNamesTheKeyWhatIsWrongAndWhere(String from, String to, String expected) {
        String text = CONFIG.replace(from, to.replace("\\n", "\n"));
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage(expected);
    }

    @Test
    void aKeyErrorIsTypedWithItsPathAndPlace() {
        assertThatThrownBy(() -> FusionConfig.parse(CONFIG.replace("maxConcurrent: 4", "maxConcurrent: -4")))
                .isInstanceOfSatisfying(ConfigKeyException.class, e -> {
                    assertThat(e.key()).isEqualTo("providerLimits.local.maxConcurrent");
                    assertThat(e.problem()).isEqualTo("must be zero or positive, was -4");
                    assertThat(e.line()).isEqualTo(11);
                    assertThat(e.column()).isEqualTo(26);
                });
    }

    @Test
    void jsonErrorsHaveTheirPlaceToo() {
        String json = "{\"panel\": [\"local:a\"],\n \"judge\": \"local:j\",\n \"quorum\": \"one\"}";
        assertThatThrownBy(() -> FusionConfig.parse(json))
                .hasMessage("config key 'quorum' must be a whole number, was the string 'one' (line 3, column 12)");
    }

    @Test
    void aLiteralApiKeyNeverAppearsInToStringOrErrors() {
        String text = CONFIG.replace("baseUrl: \"http://127.0.0.1:8080/v1\"",
                "baseUrl: \"http://127.0.0.1:8080/v1\", apiKey: sk-canary-1234567890");
        FusionConfig c = FusionConfig.parse(text);
        assertThat(c.toString() + c.spec() + c.spec().providers() + c.providers()).doesNotContain("canary");
        assertThatThrownBy(() -> FusionConfig.parse(text.replace("quorum: 2", "quorum: 9")))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("canary"));
    }

    @Test
    void theSpecMapsOntoTheBuilder() {
        FusionSpec spec = FusionConfig.parse(CONFIG).spec();
        Fusion f = spec.toFusionBuilder(PROVIDERS).build();
        assertThat(f.panel()).extracting(Member::id).containsExactly("local:a", "local:b", "local:c");
        assertThat(f.judges()).extracting(Member::id).containsExactly("local:j");
        assertThat(f.settings().quorum()).isEqualTo(2);
        assertThat(f.settings().grace()).isEqualTo(Duration.ofSeconds(2));
        assertThat(f.settings().deadline()).isEqualTo(Duration.ofMinutes(1));
        assertThat(f.settings().budgetUsd()).isEqualByComparingTo("0.05");
        assertThat(f.priceBook().find(dev.fusion.model.ModelRef.parse("local:a")).orElseThrow().source()).isEqualTo("config");
    }

    @Test
    void theSpecsPricesGoOverTheBaseBookPassedIn() {
        PriceBook base = PriceBook.empty().with(dev.fusion.model.ModelRef.parse("local:b"), Price.of("1", "2"));
        Fusion f = FusionConfig.parse(CONFIG).spec().toFusionBuilder(PROVIDERS, base).build();
        assertThat(f.priceBook().find(dev.fusion.model.ModelRef.parse("local:b"))).isPresent();
        assertThat(f.priceBook().find(dev.fusion.model.ModelRef.parse("local:a")).orElseThrow().base().input())
                .isEqualByComparingTo("0.27");
        assertThat(f.priceBook().find(dev.fusion.model.ModelRef.parse("local:c"))).isEmpty();
    }

    @Test
    void overridesReplaceTheConfigsValuesAndNothingElse() {
        FusionSpec spec = FusionConfig.parse(CONFIG + "strategy: layered\nrounds: 3\n").spec();
        FusionSpec.Overrides o = new FusionSpec.Overrides(List.of("local:x"), null, 1, new BigDecimal("0.01"), 5000L,
                null);
        FusionSpec s = spec.with(o).validate();
        assertThat(s.panel()).containsExactly("local:x");
        assertThat(s.judge()).containsExactly("local:j");
        assertThat(s.quorum()).isEqualTo(1);
        assertThat(s.budgetUsd()).isEqualByComparingTo("0.01");
        assertThat(s.deadlineMs()).isEqualTo(5000L);
        assertThat(s.graceMs()).isEqualTo(2000L);
        assertThat(s.effectiveStrategy()).isEqualTo(new FusionSpec.StrategySpec("layered", Map.of("rounds", 3)));
        assertThat(o.keys()).containsExactlyInAnyOrder("panel", "quorum", "budgetUsd", "deadlineMs");
        // The original is unchanged.
        assertThat(spec.panel()).hasSize(3);
    }

    @Test
    void aStrategyOverrideReplacesTheStrategyAndAllItsOptions() {
        FusionSpec spec = FusionConfig.parse(CONFIG + "strategy: {name: layered, rounds: 3}\nstrategyOptions: {rounds: 4}\n")
                .spec();
        FusionSpec s = spec.with(new FusionSpec.Overrides(null, null, null, null, null,
                new FusionSpec.StrategySpec("select-best", Map.of("rounds", 1))));
        assertThat(s.effectiveStrategy()).isEqualTo(new FusionSpec.StrategySpec("select-best", Map.of("rounds", 1)));
        assertThat(s.toFusionBuilder(PROVIDERS).build().strategy()).isEqualTo(dev.fusion.judge.Strategy.selectBest(false));
    }

    @Test
    void anOverrideThatBreaksARuleIsCaughtByTheSameValidation() {
        FusionSpec spec = FusionConfig.parse(CONFIG).spec();
        assertThatThrownBy(() -> spec.with(new FusionSpec.Overrides(List.of("local:x"), null, null, null, null, null))
                .validate())
                .isInstanceOfSatisfying(ConfigKeyException.class, e -> {
                    assertThat(e.key()).isEqualTo("quorum");
                    assertThat(e.line()).isZero();
                    assertThat(e.getMessage()).isEqualTo("config key 'quorum' is 2 but the panel has only 1 member(s);"
                            + " lower quorum or add panel members");
                });
    }

    @Test
    void aSpecBuiltInCodeIsValidatedWhenMapped() {
        FusionSpec spec = FusionSpec.of(List.of("local:a", "local:b"), List.of("local:j")).withQuorum(2)
                .withAllowUnpriced(true);
        Fusion f = spec.toFusionBuilder(PROVIDERS.with(Map.of("local",
                dev.fusion.providers.ProviderSpec.keyless(dev.fusion.providers.ProviderKind.OPENAI, "http://127.0.0.1:1/v1"))))
                .build();
        assertThat(f.settings().quorum()).isEqualTo(2);
        assertThatThrownBy(() -> FusionSpec.empty().toFusionBuilder(PROVIDERS))
                .isInstanceOf(ConfigKeyException.class).hasMessageContaining("'panel' is missing");
        assertThatThrownBy(() -> spec.withQuorum(0).validate()).hasMessage("config key 'quorum' must be at least 1, was 0");
    }

    @Test
    void underSelfMoaTheQuorumCountsSamples() {
        String cfg = """
                providers:
                  local: {kind: openai, baseUrl: "http://127.0.0.1:8080/v1"}
                panel: [local:a]
                judge: local:j
                strategy: self-moa
                samples: 3
                """;
        Fusion f = FusionConfig.parse(cfg + "quorum: 2\n").build(PROVIDERS);
        assertThat(f.panel()).hasSize(3);
        assertThat(f.settings().quorum()).isEqualTo(2);
        assertThatThrownBy(() -> FusionConfig.parse(cfg + "quorum: 4\n"))
                .hasMessage("config key 'quorum' is 4 but the panel has only 3 member(s); lower quorum or add panel members"
                        + " (line 7, column 9)");
    }

    @Test
    void priceTiersAndDatesAreReadAsInTheBundledBook() {
        String text = CONFIG.replace("local:a: {input: 0.27, output: 1.10}", """
                local:a:
                    input: 1.25
                    output: 10
                    asOf: 2026-11-20
                    source: https://example.test/pricing
                    tiers: [{aboveInputTokens: 200000, input: 2.50, output: 15}]""");
        Price p = FusionConfig.parse(text).prices().get("local:a");
        assertThat(p.source()).isEqualTo("https://example.test/pricing");
        assertThat(p.asOf()).isEqualTo(java.time.LocalDate.of(2026, 11, 20));
        assertThat(p.tiers()).hasSize(1);
        assertThat(p.ratesFor(300_000).input()).isEqualByComparingTo("2.50");
        assertThatThrownBy(() -> FusionConfig.parse(text.replace("output: 10", "output: -10")))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessageStartingWith("prices.local:a: output rate cannot be negative: -10; rates are USD per million tokens");
    }

    @Test
    void strategyOptionValuesAreImmutable() {
        FusionSpec spec = FusionConfig.parse(CONFIG.replace("quorum: 2", "quorum: 2\nstrategy: cascade\nflagships: [local:big]"))
                .spec();
        assertThat(spec.flagships()).isEqualTo(List.of("local:big"));
        assertThatThrownBy(() -> ((List<Object>) spec.flagships()).add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> spec.effectiveStrategy().options().put("agree", 2))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
