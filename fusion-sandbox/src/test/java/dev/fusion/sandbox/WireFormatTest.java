package dev.fusion.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;

import static dev.fusion.sandbox.Http.json;
import static dev.fusion.sandbox.Http.send;
import static dev.fusion.sandbox.Http.sse;
import static dev.fusion.sandbox.Http.tokens;
import static org.assertj.core.api.Assertions.assertThat;

/** Success responses in each wire format, checked field by field against the providers' documented shapes. */
@Timeout(60)
class WireFormatTest {

    static final String ANSWER = "The quick brown fox jumps over the lazy dog, twice, for the sandbox.";
    static final String SYSTEM = "You are terse.";
    static final String USER = "Say something about foxes.";
    static final long PROMPT = tokens(SYSTEM + "\n" + USER);
    static final long OUT = tokens(ANSWER);

    static WireServer server;

    @BeforeAll
    static void start() {
        server = WireServer.start(Behaviour.builder()
                .model("plain", Reply.text(ANSWER))
                .model("cached", Reply.text(ANSWER).cachedTokens(3).cacheWriteTokens(2).reasoningTokens(7))
                .model("long", Reply.text("one two three four five six seven eight nine ten eleven twelve thirteen fourteen"))
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.resetStats();
    }

    private String openAiUrl() {
        return server.baseUrl(WireFormat.OPENAI) + "/chat/completions";
    }

    private String anthropicUrl() {
        return server.baseUrl(WireFormat.ANTHROPIC) + "/v1/messages";
    }

    private String geminiUrl(String model, boolean stream, boolean sse) {
        return server.baseUrl(WireFormat.GEMINI) + "/v1beta/models/" + model + (stream ? ":streamGenerateContent" : ":generateContent")
                + (sse ? "?alt=sse" : "");
    }

    // ---- OpenAI -----------------------------------------------------------------------------

    @Test
    void openAiChatCompletionObject() throws Exception {
        HttpResponse<String> r = send(openAiUrl(), Http.openAi("cached", SYSTEM, USER, false, false, null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode b = json(r.body());
        assertThat(b.path("id").asText()).startsWith("chatcmpl-");
        assertThat(b.path("object").asText()).isEqualTo("chat.completion");
        assertThat(b.path("created").isIntegralNumber()).isTrue();
        assertThat(b.path("model").asText()).isEqualTo("cached");
        JsonNode choice = b.path("choices").get(0);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo(ANSWER);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        JsonNode u = b.path("usage");
        assertThat(u.path("prompt_tokens").asLong()).isEqualTo(PROMPT);
        assertThat(u.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(3);
        assertThat(u.path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(2);
        assertThat(u.path("completion_tokens").asLong()).isEqualTo(OUT + 7);
        assertThat(u.path("completion_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(7);
        assertThat(u.path("total_tokens").asLong()).isEqualTo(PROMPT + OUT + 7);
        assertThat(server.servedUsage()).isEqualTo(new Usage(PROMPT - 5, 3, 2, 0, OUT, 7));
        assertThat(server.requestCount("cached")).isEqualTo(1);
    }

    @Test
    void openAiAliasPathAndBearerKeyAreAccepted() throws Exception {
        HttpResponse<String> r = send(Http.post(server.baseUrl() + "/chat/completions",
                Http.openAi("plain", null, USER, false, false, null)).header("authorization", "Bearer sk-anything").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r.body()).path("choices").get(0).path("message").path("content").asText()).isEqualTo(ANSWER);
    }

    @Test
    void openAiStreamWithIncludeUsage() throws Exception {
        HttpResponse<String> r = send(openAiUrl(), Http.openAi("cached", SYSTEM, USER, true, true, null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<Http.Sse> events = sse(r.body());
        assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
        List<JsonNode> chunks = new java.util.ArrayList<>();
        for (Http.Sse e : events.subList(0, events.size() - 1)) {
            assertThat(e.event()).isNull();
            chunks.add(e.json());
        }
        for (JsonNode c : chunks) {
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").asText()).isEqualTo(chunks.get(0).path("id").asText());
            assertThat(c.has("usage")).as("every chunk carries usage (null until the last)").isTrue();
        }
        assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        JsonNode usageChunk = chunks.get(chunks.size() - 1);
        assertThat(usageChunk.path("choices").isArray()).isTrue();
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage").path("prompt_tokens").asLong()).isEqualTo(PROMPT);
        assertThat(usageChunk.path("usage").path("completion_tokens").asLong()).isEqualTo(OUT + 7);
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(finish.path("usage").isNull()).isTrue();
        String text = chunks.subList(0, chunks.size() - 1).stream()
                .map(c -> c.path("choices").get(0).path("delta").path("content").asText(""))
                .collect(Collectors.joining());
        assertThat(text).isEqualTo(ANSWER);
        assertThat(chunks.size()).isGreaterThan(4);
        assertThat(server.servedUsage().output()).isEqualTo(OUT);
    }

    @Test
    void openAiStreamWithoutIncludeUsageHasNoUsageAndServesNone() throws Exception {
        HttpResponse<String> r = send(openAiUrl(), Http.openAi("plain", null, USER, true, false, null));
        List<Http.Sse> events = sse(r.body());
        assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
        for (Http.Sse e : events.subList(0, events.size() - 1)) {
            assertThat(e.json().has("usage")).isFalse();
            assertThat(e.json().path("choices")).hasSize(1);
        }
        assertThat(server.servedUsage()).isEqualTo(Usage.ZERO);
    }

    @Test
    void maxTokensClipsTheAnswerWithFinishReasonLength() throws Exception {
        JsonNode b = json(send(openAiUrl(), Http.openAi("long", null, USER, false, false, 5)).body());
        JsonNode choice = b.path("choices").get(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
        assertThat(b.path("usage").path("completion_tokens").asLong()).isLessThanOrEqualTo(5);
        assertThat(choice.path("message").path("content").asText()).startsWith("one two").hasSizeLessThanOrEqualTo(20);
    }

    // ---- Anthropic --------------------------------------------------------------------------

    @Test
    void anthropicMessageObject() throws Exception {
        HttpResponse<String> r = send(Http.post(anthropicUrl(), Http.anthropic("cached", SYSTEM, USER, false, 1024))
                .header("x-api-key", "k").header("anthropic-version", "2023-06-01").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("request-id")).isPresent();
        JsonNode b = json(r.body());
        assertThat(b.path("id").asText()).startsWith("msg_");
        assertThat(b.path("type").asText()).isEqualTo("message");
        assertThat(b.path("role").asText()).isEqualTo("assistant");
        assertThat(b.path("model").asText()).isEqualTo("cached");
        assertThat(b.path("content").get(0).path("type").asText()).isEqualTo("text");
        assertThat(b.path("content").get(0).path("text").asText()).isEqualTo(ANSWER);
        assertThat(b.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(b.has("stop_sequence")).isTrue();
        JsonNode u = b.path("usage");
        assertThat(u.path("input_tokens").asLong()).isEqualTo(PROMPT - 5);
        assertThat(u.path("cache_read_input_tokens").asLong()).isEqualTo(3);
        assertThat(u.path("cache_creation_input_tokens").asLong()).isEqualTo(2);
        assertThat(u.path("cache_creation").path("ephemeral_5m_input_tokens").asLong()).isEqualTo(2);
        assertThat(u.path("cache_creation").path("ephemeral_1h_input_tokens").asLong()).isZero();
        assertThat(u.path("output_tokens").asLong()).as("thinking is billed inside output_tokens").isEqualTo(OUT + 7);
        assertThat(server.servedUsage()).isEqualTo(new Usage(PROMPT - 5, 3, 2, 0, OUT + 7, 0));
    }

    @Test
    void anthropicStreamEventSequence() throws Exception {
        HttpResponse<String> r = send(anthropicUrl(), Http.anthropic("cached", SYSTEM, USER, true, 1024));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<Http.Sse> events = sse(r.body());
        List<String> names = events.stream().map(Http.Sse::event).collect(Collectors.toList());
        assertThat(names.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
        assertThat(names.subList(names.size() - 3, names.size()))
                .containsExactly("content_block_stop", "message_delta", "message_stop");
        assertThat(names.subList(3, names.size() - 3)).isNotEmpty().allMatch("content_block_delta"::equals);
        StringBuilder text = new StringBuilder();
        for (Http.Sse e : events) {
            JsonNode d = e.json();
            assertThat(d.path("type").asText()).as("data.type matches the event name").isEqualTo(e.event());
            if (e.event().equals("content_block_delta")) {
                assertThat(d.path("delta").path("type").asText()).isEqualTo("text_delta");
                text.append(d.path("delta").path("text").asText());
            }
        }
        assertThat(text.toString()).isEqualTo(ANSWER);
        JsonNode start = events.get(0).json().path("message");
        assertThat(start.path("content")).isEmpty();
        assertThat(start.path("stop_reason").isNull()).isTrue();
        assertThat(start.path("usage").path("input_tokens").asLong()).isEqualTo(PROMPT - 5);
        assertThat(start.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(3);
        JsonNode delta = events.get(events.size() - 2).json();
        assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(delta.path("usage").path("output_tokens").asLong()).isEqualTo(OUT + 7);
        assertThat(server.servedUsage().output()).isEqualTo(OUT + 7);
    }

    // ---- Gemini -----------------------------------------------------------------------------

    @Test
    void geminiGenerateContentResponse() throws Exception {
        HttpResponse<String> r = send(Http.post(geminiUrl("cached", false, false), Http.gemini(SYSTEM, USER, null))
                .header("x-goog-api-key", "k").build());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode b = json(r.body());
        JsonNode cand = b.path("candidates").get(0);
        assertThat(cand.path("content").path("role").asText()).isEqualTo("model");
        assertThat(cand.path("content").path("parts").get(0).path("text").asText()).isEqualTo(ANSWER);
        assertThat(cand.path("finishReason").asText()).isEqualTo("STOP");
        assertThat(b.path("modelVersion").asText()).isEqualTo("cached");
        assertThat(b.path("responseId").asText()).isNotEmpty();
        JsonNode u = b.path("usageMetadata");
        assertThat(u.path("promptTokenCount").asLong()).as("includes cached and (unreported) cache-write tokens").isEqualTo(PROMPT);
        assertThat(u.path("cachedContentTokenCount").asLong()).isEqualTo(3);
        assertThat(u.path("candidatesTokenCount").asLong()).isEqualTo(OUT);
        assertThat(u.path("thoughtsTokenCount").asLong()).isEqualTo(7);
        assertThat(u.path("totalTokenCount").asLong()).isEqualTo(PROMPT + OUT + 7);
        assertThat(server.servedUsage()).isEqualTo(new Usage(PROMPT - 3, 3, 0, 0, OUT, 7));
    }

    @Test
    void geminiSseStreamChunksAndFinalUsage() throws Exception {
        HttpResponse<String> r = send(geminiUrl("plain", true, true), Http.gemini(SYSTEM, USER, null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<Http.Sse> events = sse(r.body());
        assertThat(events.size()).isGreaterThan(2);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            JsonNode c = events.get(i).json();
            JsonNode cand = c.path("candidates").get(0);
            text.append(cand.path("content").path("parts").get(0).path("text").asText());
            assertThat(c.path("usageMetadata").path("promptTokenCount").asLong()).isEqualTo(PROMPT);
            if (i < events.size() - 1) {
                assertThat(cand.has("finishReason")).isFalse();
            }
        }
        JsonNode last = events.get(events.size() - 1).json();
        assertThat(last.path("candidates").get(0).path("finishReason").asText()).isEqualTo("STOP");
        assertThat(last.path("usageMetadata").path("candidatesTokenCount").asLong()).isEqualTo(OUT);
        assertThat(last.path("usageMetadata").path("totalTokenCount").asLong()).isEqualTo(PROMPT + OUT);
        assertThat(text.toString()).isEqualTo(ANSWER);
        assertThat(r.body()).as("Gemini SSE uses CRLF event ends").contains("\r\n\r\n");
    }

    @Test
    void geminiStreamWithoutAltSseIsAJsonArray() throws Exception {
        HttpResponse<String> r = send(geminiUrl("plain", true, false), Http.gemini(null, USER, null));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode arr = json(r.body());
        assertThat(arr.isArray()).isTrue();
        assertThat(arr.get(arr.size() - 1).path("candidates").get(0).path("finishReason").asText()).isEqualTo("STOP");
    }

    @Test
    void geminiMaxOutputTokensGivesMaxTokensFinish() throws Exception {
        JsonNode b = json(send(geminiUrl("long", false, false), Http.gemini(null, USER, 4)).body());
        assertThat(b.path("candidates").get(0).path("finishReason").asText()).isEqualTo("MAX_TOKENS");
        assertThat(b.path("usageMetadata").path("candidatesTokenCount").asLong()).isLessThanOrEqualTo(4);
    }

    // ---- cross-cutting ----------------------------------------------------------------------

    @Test
    void unknownModelIs404InEachFormat() throws Exception {
        HttpResponse<String> o = send(openAiUrl(), Http.openAi("nope", null, USER, false, false, null));
        assertThat(o.statusCode()).isEqualTo(404);
        assertThat(json(o.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
        HttpResponse<String> a = send(anthropicUrl(), Http.anthropic("nope", null, USER, false, 10));
        assertThat(a.statusCode()).isEqualTo(404);
        assertThat(json(a.body()).path("error").path("type").asText()).isEqualTo("not_found_error");
        HttpResponse<String> g = send(geminiUrl("nope", false, false), Http.gemini(null, USER, null));
        assertThat(g.statusCode()).isEqualTo(404);
        assertThat(json(g.body()).path("error").path("status").asText()).isEqualTo("NOT_FOUND");
    }

    @Test
    void malformedJsonIs400() throws Exception {
        HttpResponse<String> r = send(openAiUrl(), "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void requiredApiKeyIsCheckedInEveryFormat() throws Exception {
        try (WireServer s = WireServer.start(Behaviour.builder().fallback(Script.echo()).requireApiKey("sk-right").build())) {
            String o = s.baseUrl(WireFormat.OPENAI) + "/chat/completions";
            assertThat(send(o, Http.openAi("m", null, "hi", false, false, null)).statusCode()).isEqualTo(401);
            assertThat(send(Http.post(o, Http.openAi("m", null, "hi", false, false, null))
                    .header("authorization", "Bearer sk-right").build()).statusCode()).isEqualTo(200);
            HttpResponse<String> a = send(Http.post(s.baseUrl() + "/v1/messages", Http.anthropic("m", null, "hi", false, 9))
                    .header("x-api-key", "wrong").build());
            assertThat(a.statusCode()).isEqualTo(401);
            assertThat(json(a.body()).path("error").path("type").asText()).isEqualTo("authentication_error");
            String g = s.baseUrl(WireFormat.GEMINI) + "/v1beta/models/m:generateContent?key=sk-right";
            assertThat(send(g, Http.gemini(null, "hi", null)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void modelsAreListed() throws Exception {
        HttpResponse<String> r = Http.CLIENT.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.baseUrl() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode b = json(r.body());
        assertThat(b.path("object").asText()).isEqualTo("list");
        assertThat(b.path("data").findValuesAsText("id")).containsExactly("cached", "long", "plain");
    }

    @Test
    void servedUsageSumsAcrossFormatsAndModels() throws Exception {
        send(openAiUrl(), Http.openAi("plain", SYSTEM, USER, false, false, null));
        send(anthropicUrl(), Http.anthropic("plain", SYSTEM, USER, true, 100));
        send(geminiUrl("plain", true, true), Http.gemini(SYSTEM, USER, null));
        assertThat(server.servedUsage()).isEqualTo(new Usage(3 * PROMPT, 0, 0, 0, 3 * OUT, 0));
        assertThat(server.servedUsage("plain")).isEqualTo(server.servedUsage());
        assertThat(server.requestCount()).isEqualTo(3);
        assertThat(server.requestCounts()).containsEntry("plain", 3L);
    }
}
