package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ContentPart;
import dev.fusion.model.Effort;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.Reasoning;
import dev.fusion.model.ResponseFormat;
import dev.fusion.providers.internal.Json;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.fusion.providers.TestSupport.CANARY;
import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 on the wire: schemas, images, reasoning and extra body fields on all three formats, the
 * JSON-mode fallback of a preset without schema support, collisions and capability failures (which
 * must fail before any request reaches the server).
 */
class StructuredWireTest {

    @StartStop
    final MockWebServer openai = new MockWebServer();
    @StartStop
    final MockWebServer anthropic = new MockWebServer();
    @StartStop
    final MockWebServer gemini = new MockWebServer();

    static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC");
    static final String SCHEMA = """
            {"type":"object","properties":{"sentiment":{"type":"string","enum":["positive","negative"]},
             "score":{"type":"number"}},"required":["sentiment","score"],"additionalProperties":false}""";

    // OpenAI API reference, chat completion object, answering in the schema.
    static final String OPENAI_OK = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4o-2024-08-06",
             "choices":[{"index":0,"message":{"role":"assistant","content":"{\\"sentiment\\":\\"positive\\",\\"score\\":0.9}",
             "refusal":null},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":120,"completion_tokens":12,"total_tokens":132}}""";
    // Anthropic Messages API reference, message object with a thinking block.
    static final String ANTHROPIC_OK = """
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"thinking","thinking":"Let me see.","signature":"EqQB"},
                        {"type":"text","text":"{\\"sentiment\\":\\"positive\\",\\"score\\":0.9}"}],
             "stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":150,"output_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}""";
    // Gemini API reference, GenerateContentResponse with thoughtsTokenCount.
    static final String GEMINI_OK = """
            {"candidates":[{"content":{"parts":[{"text":"{\\"sentiment\\":\\"positive\\",\\"score\\":0.9}"}],"role":"model"},
              "finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":300,"candidatesTokenCount":12,"totalTokenCount":812,"thoughtsTokenCount":500},
             "modelVersion":"gemini-2.5-flash","responseId":"abc"}""";

    private Providers providers() {
        return TestSupport.providers(openai, anthropic, gemini);
    }

    private static ModelRequest.Builder ask() {
        return ModelRequest.builder().system("Classify.").maxOutputTokens(4096)
                .messages(List.of(ChatMessage.user(List.of(ContentPart.text("Is this review happy?"),
                        ContentPart.image(PNG, "image/png")))));
    }

    private static JsonNode sent(MockWebServer server) throws Exception {
        RecordedRequest r = server.takeRequest();
        return Json.MAPPER.readTree(TestSupport.body(r));
    }

    @Test
    void openAiSendsJsonSchemaStrictImagesAsDataUrlsAndReasoningEffort() throws Exception {
        openai.enqueue(json(200, OPENAI_OK));
        ChatModel m = providers().model("oai:gpt-4o");
        ModelResponse r = m.call(ask().responseFormat(ResponseFormat.parse("review", SCHEMA))
                .reasoning(Reasoning.of(Effort.HIGH)).extraBody(Map.of("top_p", 0.9, "user", "u-1")).build())
                .block(Duration.ofSeconds(5));
        assertThat(r.text()).contains("positive");
        JsonNode body = sent(openai);
        JsonNode rf = body.path("response_format");
        assertThat(rf.path("type").asText()).isEqualTo("json_schema");
        assertThat(rf.path("json_schema").path("name").asText()).isEqualTo("review");
        assertThat(rf.path("json_schema").path("strict").asBoolean()).isTrue();
        assertThat(rf.path("json_schema").path("schema")).isEqualTo(Json.MAPPER.readTree(SCHEMA));
        JsonNode content = body.path("messages").get(1).path("content");
        assertThat(content.get(0).path("type").asText()).isEqualTo("text");
        assertThat(content.get(1).path("type").asText()).isEqualTo("image_url");
        assertThat(content.get(1).path("image_url").path("url").asText())
                .isEqualTo("data:image/png;base64," + Base64.getEncoder().encodeToString(PNG));
        assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo("Classify."); // no prompt fallback
        assertThat(body.path("reasoning_effort").asText()).isEqualTo("high");
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("user").asText()).isEqualTo("u-1");
    }

    @Test
    void openAiLeavesStrictOutWhenTheSchemaHasOptionalProperties() throws Exception {
        openai.enqueue(json(200, OPENAI_OK));
        String loose = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}";
        providers().model("oai:gpt-4o").call(ModelRequest.builder().user("x")
                .responseFormat(ResponseFormat.parse(null, loose)).build()).block(Duration.ofSeconds(5));
        JsonNode js = sent(openai).path("response_format").path("json_schema");
        assertThat(js.has("strict")).isFalse();
        assertThat(js.path("name").asText()).isEqualTo("answer");
    }

    @Test
    void openAiLeavesStrictOutForANonStrictFormatEvenWhenTheSchemaQualifies() throws Exception {
        openai.enqueue(json(200, OPENAI_OK));
        ResponseFormat format = ResponseFormat.parse("disputed_fields", SCHEMA);
        assertThat(format.strictCompatible()).isTrue();
        providers().model("oai:gpt-4o").call(ModelRequest.builder().user("x").responseFormat(format.nonStrict()).build())
                .block(Duration.ofSeconds(5));
        JsonNode js = sent(openai).path("response_format").path("json_schema");
        assertThat(js.has("strict")).isFalse();
        assertThat(js.path("schema")).isEqualTo(Json.MAPPER.readTree(SCHEMA));
    }

    @Test
    void openRouterTakesAReasoningObjectWithABudget() throws Exception {
        openai.enqueue(json(200, OPENAI_OK));
        Providers p = providers().with(Map.of("or", Providers.presets().get("openrouter").withApiKey(CANARY)
                .withCapabilities(Providers.presets().get("openrouter").capabilities())));
        ChatModel m = p.toBuilder().provider("or", new ProviderSpec(ProviderKind.OPENAI, openai.url("/v1").toString(),
                null, CANARY, null, Map.of(), Providers.presets().get("openrouter").capabilities(),
                Map.of("provider", Map.of("order", List.of("anthropic"))))).build().model("or:anthropic/claude-sonnet-4.5");
        m.call(ModelRequest.builder().user("x").reasoning(Reasoning.tokens(2000)).build()).block(Duration.ofSeconds(5));
        JsonNode body = sent(openai);
        assertThat(body.path("reasoning").path("max_tokens").asInt()).isEqualTo(2000);
        assertThat(body.has("reasoning_effort")).isFalse();
        assertThat(body.path("provider").path("order").get(0).asText()).isEqualTo("anthropic"); // provider-level extra body
    }

    @Test
    void aPresetWithoutSchemaSupportGetsJsonModeAndTheSchemaInTheSystemPrompt() throws Exception {
        openai.enqueue(json(200, OPENAI_OK));
        ProviderSpec deepseek = Providers.presets().get("deepseek");
        assertThat(deepseek.capabilities().structuredOutput()).isEqualTo(Capabilities.StructuredOutput.JSON_OBJECT);
        ChatModel m = providers().toBuilder().provider("ds", new ProviderSpec(ProviderKind.OPENAI,
                openai.url("/v1").toString(), null, CANARY, null, Map.of(), deepseek.capabilities(), Map.of()))
                .build().model("ds:deepseek-chat");
        m.call(ModelRequest.builder().system("Classify.").user("Is this happy?")
                .responseFormat(ResponseFormat.parse("review", SCHEMA)).build()).block(Duration.ofSeconds(5));
        JsonNode body = sent(openai);
        assertThat(body.path("response_format").toString()).isEqualTo("{\"type\":\"json_object\"}");
        String system = body.path("messages").get(0).path("content").asText();
        assertThat(system).startsWith("Classify.\n\n").contains("JSON").contains("\"sentiment\"");
    }

    @Test
    void aTextOnlyPresetRejectsImagesBeforeAnyCall() {
        ProviderSpec deepseek = Providers.presets().get("deepseek");
        ChatModel m = providers().toBuilder().provider("deepseek", new ProviderSpec(ProviderKind.OPENAI,
                openai.url("/v1").toString(), null, CANARY, null, Map.of(), deepseek.capabilities(), Map.of()))
                .build().model("deepseek:deepseek-chat");
        ModelRequest req = ask().build();
        assertThatThrownBy(() -> m.validate(req)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("deepseek:deepseek-chat cannot take images");
        assertThatThrownBy(() -> m.call(req).block(Duration.ofSeconds(5))).isInstanceOf(InvalidConfigurationException.class);
        assertThat(openai.getRequestCount()).isZero();
    }

    @Test
    void anExtraBodyFieldThatFusionSetsIsAConfigurationErrorNamingIt() {
        ChatModel m = providers().model("oai:gpt-4o");
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().user("x").extraBody(Map.of("max_tokens", 5)).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("'max_tokens'");
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().user("x").extraBody(Map.of("response_format", Map.of())).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("'response_format'");
        ChatModel g = providers().model("gem:gemini-2.5-flash");
        ModelRequest withTemp = ModelRequest.builder().user("x").temperature(0.5)
                .extraBody(Map.of("generationConfig", Map.of("temperature", 1.0))).build();
        assertThatThrownBy(() -> g.validate(withTemp)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'generationConfig.temperature'");
        assertThat(openai.getRequestCount()).isZero();
        assertThat(gemini.getRequestCount()).isZero();
    }

    @Test
    void aTokenBudgetOnAnEffortOnlyProviderFailsBeforeAnyCall() {
        assertThatThrownBy(() -> providers().model("oai:o3").validate(ModelRequest.builder().user("x")
                .reasoning(Reasoning.tokens(5000)).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("reasoning(Effort)");
    }

    @Test
    void anthropicSendsOutputConfigImageBlocksAndThinkingBelowMaxTokens() throws Exception {
        anthropic.enqueue(json(200, ANTHROPIC_OK));
        ChatModel m = providers().model("ant:claude-sonnet-4-5");
        ModelResponse r = m.call(ask().responseFormat(ResponseFormat.parse("review", SCHEMA))
                .reasoning(Reasoning.tokens(2048)).extraBody(Map.of("top_k", 5)).build()).block(Duration.ofSeconds(5));
        assertThat(r.text()).isEqualTo("{\"sentiment\":\"positive\",\"score\":0.9}"); // the thinking block is not the answer
        JsonNode body = sent(anthropic);
        JsonNode format = body.path("output_config").path("format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("schema")).isEqualTo(Json.MAPPER.readTree(SCHEMA));
        assertThat(body.path("thinking").path("type").asText()).isEqualTo("enabled");
        assertThat(body.path("thinking").path("budget_tokens").asInt()).isEqualTo(2048);
        assertThat(body.path("max_tokens").asInt()).isEqualTo(4096);
        JsonNode blocks = body.path("messages").get(0).path("content");
        assertThat(blocks.get(1).path("type").asText()).isEqualTo("image");
        assertThat(blocks.get(1).path("source").path("type").asText()).isEqualTo("base64");
        assertThat(blocks.get(1).path("source").path("media_type").asText()).isEqualTo("image/png");
        assertThat(blocks.get(1).path("source").path("data").asText()).isEqualTo(Base64.getEncoder().encodeToString(PNG));
        assertThat(body.path("system").asText()).isEqualTo("Classify.");
        assertThat(body.path("top_k").asInt()).isEqualTo(5);
    }

    @Test
    void anthropicTakesImageUrlsAndCapsAnEffortBudgetBelowMaxTokens() throws Exception {
        anthropic.enqueue(json(200, ANTHROPIC_OK));
        providers().model("ant:claude-sonnet-4-5").call(ModelRequest.builder().maxOutputTokens(3000)
                .messages(List.of(ChatMessage.user(List.of(ContentPart.imageUrl("https://example.com/a.jpg"),
                        ContentPart.text("What is it?"))))).reasoning(Reasoning.of(Effort.HIGH)).build())
                .block(Duration.ofSeconds(5));
        JsonNode body = sent(anthropic);
        assertThat(body.path("messages").get(0).path("content").get(0).path("source").toString())
                .isEqualTo("{\"type\":\"url\",\"url\":\"https://example.com/a.jpg\"}");
        assertThat(body.path("thinking").path("budget_tokens").asInt()).isEqualTo(2999);
    }

    @Test
    void anthropicRejectsABudgetNotBelowMaxTokensAndThinkingWithATemperature() {
        ChatModel m = providers().model("ant:claude-sonnet-4-5");
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().user("x").maxOutputTokens(2000)
                .reasoning(Reasoning.tokens(2000)).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("below max output tokens (2000)");
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().user("x").maxOutputTokens(4000).temperature(0.3)
                .reasoning(Reasoning.of(Effort.LOW)).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("temperature");
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().user("x").extraBody(Map.of("thinking", Map.of())).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("'thinking'");
        assertThat(anthropic.getRequestCount()).isZero();
    }

    @Test
    void anthropicJsonModeIsAnInstructionInTheSystemPrompt() throws Exception {
        anthropic.enqueue(json(200, ANTHROPIC_OK));
        providers().model("ant:claude-haiku-4-5").call(ModelRequest.builder().user("x")
                .responseFormat(ResponseFormat.json()).build()).block(Duration.ofSeconds(5));
        JsonNode body = sent(anthropic);
        assertThat(body.has("output_config")).isFalse();
        assertThat(body.path("system").asText()).contains("single JSON object");
    }

    @Test
    void geminiSendsResponseJsonSchemaInlineDataAndThinkingConfig() throws Exception {
        gemini.enqueue(json(200, GEMINI_OK));
        ChatModel m = providers().model("gem:gemini-2.5-flash");
        ModelResponse r = m.call(ask().responseFormat(ResponseFormat.parse("review", SCHEMA))
                .reasoning(Reasoning.of(Effort.MEDIUM))
                .extraBody(Map.of("generationConfig", Map.of("topK", 40), "safetySettings", List.of())).build())
                .block(Duration.ofSeconds(5));
        assertThat(r.text()).contains("positive");
        JsonNode body = sent(gemini);
        JsonNode gen = body.path("generationConfig");
        assertThat(gen.path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(gen.path("responseJsonSchema")).isEqualTo(Json.MAPPER.readTree(SCHEMA));
        assertThat(gen.path("thinkingConfig").path("thinkingBudget").asInt()).isEqualTo(8192);
        assertThat(gen.path("topK").asInt()).isEqualTo(40);
        assertThat(gen.path("maxOutputTokens").asInt()).isEqualTo(4096);
        JsonNode parts = body.path("contents").get(0).path("parts");
        assertThat(parts.get(0).path("text").asText()).isEqualTo("Is this review happy?");
        assertThat(parts.get(1).path("inlineData").path("mimeType").asText()).isEqualTo("image/png");
        assertThat(parts.get(1).path("inlineData").path("data").asText()).isEqualTo(Base64.getEncoder().encodeToString(PNG));
        assertThat(body.has("safetySettings")).isTrue();
    }

    @Test
    void gemini3TakesAThinkingLevelAndABudgetAsIs() throws Exception {
        gemini.enqueue(json(200, GEMINI_OK));
        gemini.enqueue(json(200, GEMINI_OK));
        ChatModel m = providers().model("gem:gemini-3-pro-preview");
        m.call(ModelRequest.builder().user("x").reasoning(Reasoning.of(Effort.LOW)).build()).block(Duration.ofSeconds(5));
        assertThat(sent(gemini).path("generationConfig").path("thinkingConfig").toString())
                .isEqualTo("{\"thinkingLevel\":\"low\"}");
        m.call(ModelRequest.builder().user("x").reasoning(Reasoning.tokens(3000)).build()).block(Duration.ofSeconds(5));
        assertThat(sent(gemini).path("generationConfig").path("thinkingConfig").toString())
                .isEqualTo("{\"thinkingBudget\":3000}");
    }

    @Test
    void geminiRejectsImageUrlsAndGifBeforeAnyCall() {
        ChatModel m = providers().model("gem:gemini-2.5-flash");
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().messages(List.of(ChatMessage.user(List.of(
                ContentPart.text("x"), ContentPart.imageUrl("https://example.com/a.png"))))).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("image(bytes, mediaType)");
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
        assertThatThrownBy(() -> m.validate(ModelRequest.builder().messages(List.of(ChatMessage.user(List.of(
                ContentPart.text("x"), ContentPart.image(gif, "image/gif"))))).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("image/gif");
        assertThat(gemini.getRequestCount()).isZero();
    }

    @Test
    void everyPresetDeclaresItsCapabilities() {
        Map<String, ProviderSpec> presets = Providers.presets();
        assertThat(presets.get("openai").capabilities().structuredOutput()).isEqualTo(Capabilities.StructuredOutput.JSON_SCHEMA);
        assertThat(presets.get("openrouter").capabilities().reasoning()).isEqualTo(Capabilities.ReasoningControl.OPENROUTER);
        assertThat(presets.get("deepseek").capabilities().images()).isEqualTo(Capabilities.ImageInput.UNSUPPORTED);
        assertThat(presets.get("minimax").capabilities().structuredOutput()).isEqualTo(Capabilities.StructuredOutput.PROMPT_ONLY);
        presets.values().forEach(s -> assertThat(s.capabilities()).isNotNull());
    }
}
