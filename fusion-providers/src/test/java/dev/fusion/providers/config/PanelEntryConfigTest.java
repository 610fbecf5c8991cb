package dev.fusion.providers.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.model.Effort;
import dev.fusion.model.Reasoning;
import dev.fusion.providers.Capabilities;
import dev.fusion.providers.Providers;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14's config keys: {@code reasoning} and {@code extraBody} under a panel entry (an entry is a
 * {@code provider:model} string or an object), {@code extraBody} and {@code capabilities} under a
 * provider; read, validated with the key path and place, and carried to the wire.
 */
class PanelEntryConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @StartStop
    final MockWebServer server = new MockWebServer();

    private static final String OK = """
            {"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
             "message":{"role":"assistant","content":"An answer."},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13}}""";

    private String yaml(String panel, String providerExtra) {
        return """
                providers:
                  local: {kind: openai, baseUrl: "%s"%s}
                panel:
                %s
                judge: local:judge
                quorum: 1
                retries: 0
                """.formatted(server.url("/v1"), providerExtra, panel);
    }

    private static ConfigKeyException keyError(String text) {
        try {
            FusionConfig.parse(text);
        } catch (ConfigKeyException e) {
            return e;
        }
        throw new AssertionError("no ConfigKeyException for:\n" + text);
    }

    @Test
    void entriesAreStringsOrObjectsAndTheListIsStillTheModelStrings() {
        FusionConfig c = FusionConfig.parse(yaml("""
                  - local:a
                  - {model: local:b, reasoning: high, extraBody: {top_k: 40, provider: {order: [deepinfra], allow_fallbacks: false}}}
                  - model: local:c
                    reasoning: 2048""", ",\n           extraBody: {user: tenant-7},"
                + "\n           capabilities: {structuredOutput: json_object, images: unsupported}"));
        assertThat(c.panel()).containsExactly("local:a", "local:b", "local:c");
        List<FusionSpec.PanelEntry> entries = c.spec().panelEntries();
        assertThat(entries.get(0)).isEqualTo(FusionSpec.PanelEntry.of("local:a"));
        assertThat(entries.get(1).reasoning()).isEqualTo(Reasoning.of(Effort.HIGH));
        assertThat(entries.get(1).extraBody()).containsEntry("top_k", 40)
                .containsEntry("provider", Map.of("order", List.of("deepinfra"), "allow_fallbacks", false));
        assertThat(entries.get(2).reasoning()).isEqualTo(Reasoning.tokens(2048));
        assertThat(entries.get(2).extraBody()).isEmpty();

        var provider = c.providers().get("local");
        assertThat(provider.extraBody()).containsEntry("user", "tenant-7");
        assertThat(provider.capabilities()).isEqualTo(new Capabilities(Capabilities.StructuredOutput.JSON_OBJECT,
                Capabilities.ImageInput.UNSUPPORTED, Capabilities.ReasoningControl.EFFORT)); // the rest: the kind's defaults

        Fusion f = c.build(Providers.builder().env(Map.of()).build());
        Member b = f.panel().get(1);
        assertThat(b.id()).isEqualTo("local:b");
        assertThat(b.reasoning()).isEqualTo(Reasoning.of(Effort.HIGH));
        assertThat(b.extraBody()).containsKeys("top_k", "provider");
        assertThat(f.panel().get(0).reasoning()).isNull();
        assertThat(f.panel().get(0).extraBody()).isEmpty();
    }

    @Test
    void theSettingsReachTheWire() throws Exception {
        ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                try {
                    bodies.add(JSON.readTree(r.getBody().utf8()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(OK).build();
            }
        });
        Fusion f = FusionConfig.parse(yaml("""
                  - local:a
                  - {model: local:b, reasoning: low, extraBody: {top_k: 40}}""", ",\n           extraBody: {user: tenant-7}"))
                .toFusionBuilder(Providers.builder().env(Map.of()).build()).panelStreaming(false).build();
        f.ask(FusionRequest.of("q"));

        JsonNode a = bodies.stream().filter(x -> x.path("model").asText().equals("a")).findFirst().orElseThrow();
        JsonNode b = bodies.stream().filter(x -> x.path("model").asText().equals("b")).findFirst().orElseThrow();
        assertThat(a.has("reasoning_effort")).isFalse();
        assertThat(a.has("top_k")).isFalse();
        assertThat(a.path("user").asText()).isEqualTo("tenant-7"); // the provider's extra body: every member
        assertThat(b.path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(b.path("top_k").asInt()).isEqualTo(40);
        assertThat(b.path("user").asText()).isEqualTo("tenant-7");
    }

    @Test
    void aTokenBudgetForAnEffortOnlyProviderFailsBeforeAnyCallNamingTheEntry() {
        Fusion f = FusionConfig.parse(yaml("  - {model: local:a, reasoning: 2048}", ""))
                .build(Providers.builder().env(Map.of()).build());
        assertThatThrownBy(() -> f.ask("q")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("panel member 'local:a'").hasMessageContaining("not a token budget")
                .hasMessageContaining("reasoning: under its panel entry");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void problemsInsideAnEntryNameTheEntryTheValidKeysAndThePlace() {
        ConfigKeyException badReasoning = keyError(yaml("""
                  - local:a
                  - {model: local:b, reasoning: extreme}""", ""));
        assertThat(badReasoning.key()).isEqualTo("panel[1].reasoning");
        assertThat(badReasoning.getMessage()).contains("must be low, medium or high, or a thinking budget in tokens")
                .contains("was 'extreme'");
        assertThat(badReasoning.line()).isEqualTo(5);
        assertThat(badReasoning.column()).isGreaterThan(20);

        assertThat(keyError(yaml("  - {model: local:b, reasoning: -5}", "")).getMessage()).contains("panel[0].reasoning")
                .contains("was -5");

        assertThatThrownBy(() -> FusionConfig.parse(yaml("""
                  - local:a
                  - {model: local:b, reasning: high}""", "")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("unknown config key 'panel[1].reasning'")
                .hasMessageContaining("valid keys under panel[1]: [model, reasoning, extraBody]")
                .hasMessageContaining("(line 5, column");

        ConfigKeyException noModel = keyError(yaml("""
                  - local:a
                  - reasoning: high""", ""));
        assertThat(noModel.key()).isEqualTo("panel[1].model");
        assertThat(noModel.getMessage()).contains("is missing; name the model as provider:model");
        assertThat(noModel.line()).isEqualTo(5);

        ConfigKeyException notAMapping = keyError(yaml("  - {model: local:b, extraBody: [1, 2]}", ""));
        assertThat(notAMapping.key()).isEqualTo("panel[0].extraBody");
        assertThat(notAMapping.getMessage()).contains("must be a mapping of request-body field to JSON value").contains("was a list");

        ConfigKeyException entryType = keyError(yaml("  - 7", ""));
        assertThat(entryType.getMessage()).contains("panel").contains("provider:model");

        ConfigKeyException badRef = keyError(yaml("  - {model: nocolon, reasoning: high}", ""));
        assertThat(badRef.key()).isEqualTo("panel[0].model");
    }

    @Test
    void anExtraBodyFieldThatCollidesWithOneFusionSetsIsAConfigurationErrorWhenBuilding() {
        FusionConfig entry = FusionConfig.parse(yaml("  - {model: local:b, extraBody: {max_tokens: 5}}", ""));
        assertThatThrownBy(() -> entry.build(Providers.builder().env(Map.of()).build()))
                .isInstanceOfSatisfying(ConfigKeyException.class, e -> {
                    assertThat(e.key()).isEqualTo("panel[0].extraBody");
                    assertThat(e.getMessage()).contains("extra body field 'max_tokens'").contains("collides");
                });
        FusionConfig provider = FusionConfig.parse(yaml("  - local:b", ",\n           extraBody: {messages: []}"));
        assertThatThrownBy(() -> provider.build(Providers.builder().env(Map.of()).build()))
                .isInstanceOfSatisfying(ConfigKeyException.class, e -> {
                    assertThat(e.key()).isEqualTo("providers.local.extraBody");
                    assertThat(e.getMessage()).contains("'messages'").contains("collides");
                });
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void providerKeysAreCheckedWithTheirPathsToo() {
        ConfigKeyException badImages = keyError(yaml("  - local:a", ",\n           capabilities: {images: maybe}"));
        assertThat(badImages.key()).isEqualTo("providers.local.capabilities.images");
        assertThat(badImages.getMessage()).contains("must be one of supported, unsupported").contains("'maybe'");
        assertThat(badImages.line()).isEqualTo(3);

        assertThatThrownBy(() -> FusionConfig.parse(yaml("  - local:a", ",\n           capabilities: {vision: true}")))
                .hasMessageContaining("unknown config key 'providers.local.capabilities.vision'")
                .hasMessageContaining("valid keys under providers.local.capabilities: [structuredOutput, images, reasoning]");

        ConfigKeyException extraNotAMap = keyError(yaml("  - local:a", ",\n           extraBody: 5"));
        assertThat(extraNotAMap.key()).isEqualTo("providers.local.extraBody");
        assertThat(extraNotAMap.getMessage()).contains("a mapping of request-body field to JSON value").contains("was number 5");

        assertThatThrownBy(() -> FusionConfig.parse(yaml("  - local:a", ",\n           extras: {}")))
                .hasMessageContaining("unknown config key 'providers.local.extras'")
                .hasMessageContaining("extraBody").hasMessageContaining("capabilities");
    }

    /** The example of panel entries and provider extras in the user docs (docs/configuration.md) parses as documented. */
    @Test
    void theReadmeExampleParses() throws Exception {
        java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath();
        while (!java.nio.file.Files.exists(p.resolve("docs/configuration.md")) || !java.nio.file.Files.exists(p.resolve("fusion-core"))) {
            p = p.getParent();
            assertThat(p).as("the repository root, holding docs/configuration.md").isNotNull();
        }
        String doc = java.nio.file.Files.readString(p.resolve("docs/configuration.md"));
        int at = doc.indexOf("A panel entry may also be an object");
        assertThat(at).as("the panel-entry section of docs/configuration.md").isNotNegative();
        int start = doc.indexOf("```yaml\n", at) + "```yaml\n".length();
        String block = doc.substring(start, doc.indexOf("```", start));
        FusionConfig c = FusionConfig.parse(block + "judge: gem:gemini-3-flash\n");
        assertThat(c.panel()).containsExactly("gem:gemini-3-flash", "router:deepseek/deepseek-v4-pro", "claude:claude-haiku-4-5");
        assertThat(c.spec().panelEntries().get(2).reasoning()).isEqualTo(Reasoning.tokens(2048));
        assertThat(c.providers().get("router").capabilities().reasoning()).isEqualTo(Capabilities.ReasoningControl.OPENROUTER);
        assertThat(c.providers().get("router").extraBody()).containsKey("provider");
    }

    @Test
    void jsonConfigAndCodeTakeTheSameEntries() {
        FusionConfig c = FusionConfig.parse("""
                {"panel": ["openrouter:a/b", {"model": "openrouter:c/d", "reasoning": "MEDIUM", "extraBody": {"top_k": 5}}],
                 "judge": "openrouter:j/k"}""");
        FusionSpec fromCode = FusionSpec.of(List.of("x:y"), List.of("x:j")).withPanelEntries(List.of(
                FusionSpec.PanelEntry.of("openrouter:a/b"),
                new FusionSpec.PanelEntry("openrouter:c/d", Reasoning.of(Effort.MEDIUM), Map.of("top_k", 5))))
                .with(new FusionSpec.Overrides(null, List.of("openrouter:j/k"), null, null, null, null));
        assertThat(fromCode.panelEntries()).isEqualTo(c.spec().panelEntries());
        assertThat(fromCode).isEqualTo(c.spec()).hasSameHashCodeAs(c.spec());
        // Same models, other settings: not the same configuration.
        FusionSpec other = fromCode.withPanelEntries(List.of(FusionSpec.PanelEntry.of("openrouter:a/b"),
                FusionSpec.PanelEntry.of("openrouter:c/d")));
        assertThat(other.panel()).isEqualTo(fromCode.panel());
        assertThat(other).isNotEqualTo(fromCode);
        // A --panel override replaces the entries, settings and all.
        FusionSpec overridden = fromCode.with(new FusionSpec.Overrides(List.of("openrouter:c/d"), null, null, null, null, null));
        assertThat(overridden.panelEntries()).containsExactly(FusionSpec.PanelEntry.of("openrouter:c/d"));
    }
}
