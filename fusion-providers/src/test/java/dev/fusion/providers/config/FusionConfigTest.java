package dev.fusion.providers.config;

import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.cost.Price;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FusionConfigTest {

    /** The contract example, verbatim. */
    static final String CONTRACT = """
            providers:                 # extra or overridden providers; presets exist without this
              local: {kind: openai, baseUrl: "http://127.0.0.1:8080/v1", apiKeyEnv: LOCAL_KEY}
              claude: {kind: anthropic, baseUrl: "http://127.0.0.1:8081"}
              gem: {kind: gemini, baseUrl: "http://127.0.0.1:8082"}
            panel: [local:cheap-a, claude:claude-haiku-4-5, gem:gemini-3-flash]
            judge: local:judge-model      # a model, or a list = fallback order
            onJudgeFailure: fail          # fail | best-answer
            quorum: 2            # min successful panel answers
            graceMs: 2000        # wait for stragglers after the quorum
            memberTimeoutMs: 30000
            deadlineMs: 120000
            maxOutputTokens: 1024
            budgetUsd: 0.05      # optional
            prices:              # USD per million tokens; overrides the bundled book
              local:cheap-a: {input: 0.27, output: 1.10, cacheRead: 0.07, cacheWrite: 0.30, reasoning: 1.10}
            """;

    static final Providers PROVIDERS = Providers.builder().env(Map.of("LOCAL_KEY", "sk-local-test")).build();

    @Test
    void contractYamlParses() {
        FusionConfig c = FusionConfig.parse(CONTRACT);
        assertThat(c.panel()).containsExactly("local:cheap-a", "claude:claude-haiku-4-5", "gem:gemini-3-flash");
        assertThat(c.judges()).containsExactly("local:judge-model");
        assertThat(c.onJudgeFailure()).isEqualTo(OnJudgeFailure.FAIL);
        assertThat(c.quorum()).isEqualTo(2);
        assertThat(c.grace()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.memberTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.deadline()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.maxOutputTokens()).isEqualTo(1024);
        assertThat(c.budgetUsd()).isEqualByComparingTo("0.05");
        assertThat(c.strategy()).isEqualTo("synthesize");
        assertThat(c.providers().get("local").kind()).isEqualTo(ProviderKind.OPENAI);
        assertThat(c.providers().get("local").apiKeyEnv()).isEqualTo("LOCAL_KEY");
        assertThat(c.providers().get("claude").needsKey()).isFalse();
        Price p = c.prices().get("local:cheap-a");
        assertThat(p.source()).isEqualTo("config");
        assertThat(p.base().input()).isEqualByComparingTo("0.27");
        assertThat(p.base().output()).isEqualByComparingTo("1.10");
        assertThat(p.base().cacheRead()).isEqualByComparingTo("0.07");
        assertThat(p.base().cacheWrite()).isEqualByComparingTo("0.30");
        assertThat(p.base().reasoning()).isEqualByComparingTo("1.10");
    }

    @Test
    void contractYamlBuildsAFusionWithMemberIdsAsWritten() {
        // The contract sets budgetUsd but prices only local:cheap-a; the core rightly refuses a budget
        // over unpriced models, so the caller opts in (or adds prices) before build().
        Fusion f = FusionConfig.parse(CONTRACT).toFusionBuilder(PROVIDERS).allowUnpriced(true).build();
        assertThat(f.panel()).extracting(Member::id)
                .containsExactly("local:cheap-a", "claude:claude-haiku-4-5", "gem:gemini-3-flash");
        assertThat(f.judges()).extracting(Member::id).containsExactly("local:judge-model");
        assertThat(f.settings().quorum()).isEqualTo(2);
        assertThat(f.priceBook().find(dev.fusion.model.ModelRef.parse("local:cheap-a")).orElseThrow().source())
                .isEqualTo("config");
        assertThat(f.panel().get(1).model().toString()).contains("127.0.0.1:8081");
    }

    @Test
    void jsonWithAdditionsAndFallbackJudges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fusion.json");
        Files.writeString(file, """
                {"panel": ["ollama:qwen3:8b", "vllm:llama"],
                 "judge": ["lmstudio:judge-a", "ollama:judge-b"],
                 "onJudgeFailure": "best-answer", "judgeMaxOutputTokens": 4096, "judgeTimeoutMs": 60000,
                 "allowUnpriced": true, "retries": 4, "strategy": "synthesize",
                 "providerLimits": {"ollama": {"maxConcurrent": 8, "requestsPerMinute": 60}},
                 "spendCapUsd": 5, "spendCapWindow": "PT24H"}""");
        FusionConfig c = FusionConfig.load(file);
        assertThat(c.judges()).containsExactly("lmstudio:judge-a", "ollama:judge-b");
        assertThat(c.onJudgeFailure()).isEqualTo(OnJudgeFailure.BEST_ANSWER);
        assertThat(c.retries()).isEqualTo(4);
        assertThat(c.providerLimits().get("ollama")).isEqualTo(new FusionConfig.Limit(8, 60));
        assertThat(c.spendCapWindow()).isEqualTo(Duration.ofHours(24));
        Fusion f = c.build(PROVIDERS);
        assertThat(f.panel()).extracting(Member::id).containsExactly("ollama:qwen3:8b", "vllm:llama");
        assertThat(f.judges()).extracting(Member::id).containsExactly("lmstudio:judge-a", "ollama:judge-b");
        assertThat(f.settings().retry().maxRetries()).isEqualTo(4);
        assertThat(f.settings().judgeMaxOutputTokens()).isEqualTo(4096);
    }

    @Test
    void yamlFileByExtension(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fusion.yml");
        Files.writeString(file, CONTRACT);
        assertThat(FusionConfig.load(file).panel()).hasSize(3);
    }

    @Test
    void unknownKeyIsNamedWithTheValidOnes() {
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT + "quorom: 2\n"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'quorom'").hasMessageContaining("quorum").hasMessageContaining("graceMs");
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT.replace("apiKeyEnv: LOCAL_KEY", "apiKeyVar: LOCAL_KEY")))
                .hasMessageContaining("'providers.local.apiKeyVar'").hasMessageContaining("apiKeyEnv");
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT.replace("cacheRead: 0.07", "cached: 0.07")))
                .hasMessageContaining("'prices.local:cheap-a.cached'").hasMessageContaining("cacheRead");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "quorum: 2|quorum: two|'quorum' must be a whole number",
            "quorum: 2|quorum: 5|'quorum' is 5 but the panel has only 3 member(s)",
            "quorum: 2|quorum: 0|'quorum' must be at least 1",
            "graceMs: 2000|graceMs: -1|'graceMs' must be zero or positive",
            "memberTimeoutMs: 30000|memberTimeoutMs: 0|'memberTimeoutMs' must be positive",
            "deadlineMs: 120000|deadlineMs: 2.5|'deadlineMs' must be a whole number of milliseconds",
            "budgetUsd: 0.05|budgetUsd: -0.05|'budgetUsd' cannot be negative",
            "budgetUsd: 0.05|budgetUsd: lots|'budgetUsd' must be a number",
            "onJudgeFailure: fail|onJudgeFailure: shrug|'onJudgeFailure' must be fail or best-answer",
            "maxOutputTokens: 1024|maxOutputTokens: [1]|'maxOutputTokens' must be a whole number",
            "judge: local:judge-model|judge: 42|'judge' must be a provider:model string",
            "judge: local:judge-model|judge: judge-model|'judge' model reference 'judge-model' has no provider",
            "kind: openai|kind: cohere|'providers.local'",
            "input: 0.27|input: -1|'prices.local:cheap-a'",
            "maxOutputTokens: 1024|strategy: majority|'strategy' 'majority' is not supported"})
    void badValuesGiveOneLineMessagesNamingTheKey(String from, String to, String expected) {
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT.replace(from, to)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void missingPanelOrJudge() {
        assertThatThrownBy(() -> FusionConfig.parse("judge: a:b\n")).hasMessageContaining("'panel' is missing");
        assertThatThrownBy(() -> FusionConfig.parse("panel: [a:b]\n")).hasMessageContaining("'judge' is missing");
        assertThatThrownBy(() -> FusionConfig.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> FusionConfig.parse("- just\n- a list\n")).hasMessageContaining("mapping");
        assertThatThrownBy(() -> FusionConfig.parse("{\"panel\": [")).hasMessageContaining("not valid JSON");
    }

    @Test
    void missingKeyForAConfiguredProviderNamesTheVariable() {
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT).build(Providers.builder().env(Map.of()).build()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("panel model 'local:cheap-a'").hasMessageContaining("LOCAL_KEY");
    }

    @Test
    void unknownProviderInThePanel() {
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT.replace("gem:gemini-3-flash", "nope:x")).build(PROVIDERS))
                .hasMessageContaining("unknown provider 'nope'").hasMessageContaining("known providers");
    }

    @Test
    void budgetOverUnpricedModelsIsRefusedUnlessAllowed() {
        assertThatThrownBy(() -> FusionConfig.parse(CONTRACT).build(PROVIDERS))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("claude:claude-haiku-4-5").hasMessageContaining("allowUnpriced");
        Fusion f = FusionConfig.parse(CONTRACT + "allowUnpriced: true\n").build(PROVIDERS);
        assertThat(f.panel()).hasSize(3);
    }

    @Test
    void exactDecimalsFromYaml() {
        FusionConfig c = FusionConfig.parse(CONTRACT.replace("budgetUsd: 0.05", "budgetUsd: 0.1000000000000000055511151231257827"));
        assertThat(c.budgetUsd()).isEqualTo(new BigDecimal("0.1000000000000000055511151231257827"));
    }

    @Test
    void everyStrategyNameAndItsOptionFormsBuild() {
        String base = """
                providers:
                  local: {kind: openai, baseUrl: "http://127.0.0.1:8080/v1", apiKeyEnv: LOCAL_KEY}
                judge: local:judge
                """;
        String three = "panel: [local:a, local:b, local:c]\n";
        assertThat(FusionConfig.parse(base + three + "strategy: analyze\n").build(PROVIDERS).strategy().name())
                .isEqualTo("analyze");
        // Options at the top level, in strategyOptions, or inside a strategy object.
        assertThat(FusionConfig.parse(base + three + "strategy: layered\nrounds: 3\n").build(PROVIDERS).strategy())
                .isEqualTo(dev.fusion.judge.Strategy.layered(3));
        assertThat(FusionConfig.parse(base + three + "strategy: layered\nstrategyOptions: {rounds: 3}\n").build(PROVIDERS)
                .strategy()).isEqualTo(dev.fusion.judge.Strategy.layered(3));
        assertThat(FusionConfig.parse(base + three + "strategy: {name: select-best, rounds: 1}\n").build(PROVIDERS)
                .strategy()).isEqualTo(dev.fusion.judge.Strategy.selectBest(false));
        var selfMoa = FusionConfig.parse(base + "panel: [local:a]\nstrategy: self-moa\nsamples: 3\n").build(PROVIDERS);
        assertThat(selfMoa.strategy().name()).isEqualTo("self-moa");
        assertThat(selfMoa.panel()).hasSize(3);
        var cascade = FusionConfig.parse(base + three + "strategy: cascade\nagree: 2\nflagships: [local:big]\n")
                .build(PROVIDERS);
        assertThat(cascade.strategy()).isInstanceOfSatisfying(dev.fusion.judge.Strategy.Cascade.class, c -> {
            assertThat(c.minAgreeing()).isEqualTo(2);
            assertThat(c.flagships()).extracting(dev.fusion.Member::id).containsExactly("local:big");
        });
        assertThat(FusionConfig.parse(base + three).build(PROVIDERS).strategy().name()).isEqualTo("synthesize");
        assertThat(FusionConfig.parse(base + three + "strategy: vote\n").build(PROVIDERS).strategy())
                .isEqualTo(dev.fusion.judge.Strategy.vote());
    }

    @Test
    void badStrategyOptionsAreRejectedWithTheKey() {
        String cfg = """
                providers:
                  local: {kind: openai, baseUrl: "http://127.0.0.1:8080/v1", apiKeyEnv: LOCAL_KEY}
                panel: [local:a, local:b]
                judge: local:judge
                """;
        assertThatThrownBy(() -> FusionConfig.parse(cfg + "strategy: layered\nrounds: 99\n"))
                .hasMessageContaining("strategy").hasMessageContaining("rounds");
        assertThatThrownBy(() -> FusionConfig.parse(cfg + "strategy: analyze\nsamples: 3\n"))
                .hasMessageContaining("strategy").hasMessageContaining("samples");
    }
}
