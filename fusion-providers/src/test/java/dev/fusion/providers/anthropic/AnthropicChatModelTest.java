package dev.fusion.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.TestSupport;
import dev.fusion.providers.internal.Json;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;

import static dev.fusion.providers.TestSupport.CANARY;
import static dev.fusion.providers.TestSupport.json;
import static dev.fusion.providers.TestSupport.request;
import static dev.fusion.providers.TestSupport.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Anthropic Messages. Fixtures follow the Anthropic API reference (Messages response, Usage incl.
 * cache_creation split; "Streaming Messages" event flow; "Errors" body shape).
 */
class AnthropicChatModelTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    private ChatModel model() {
        return TestSupport.providers(null, server, null).model("ant:claude-test-4-5");
    }

    private ProviderException failure() {
        return catchThrowableOfType(ProviderException.class, () -> model().call(request()).block(Duration.ofSeconds(5)));
    }

    @Test
    void successIgnoresThinkingBlocksAndNormalizesCacheUsage() throws Exception {
        // Anthropic API reference, Messages response with a thinking block and prompt-caching usage.
        server.enqueue(json(200, """
                {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-test-4-5-20251001",
                 "content":[{"type":"thinking","thinking":"2 and 2 make 4","signature":"EqQBCgIYAhIM"},
                            {"type":"text","text":"The answer"},{"type":"text","text":" is 4."}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":21,"cache_creation_input_tokens":1800,"cache_read_input_tokens":3000,
                  "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":800},
                  "output_tokens":120,"service_tier":"standard"}}"""));
        ModelResponse r = model().call(request()).block(Duration.ofSeconds(5));
        assertThat(r.text()).isEqualTo("The answer is 4.");
        assertThat(r.finishReason()).isEqualTo("end_turn");
        assertThat(r.responseModel()).isEqualTo("claude-test-4-5-20251001");
        assertThat(r.usage()).isEqualTo(new Usage(21, 3000, 1800, 800, 120, 0));

        RecordedRequest rec = server.takeRequest();
        assertThat(rec.getUrl().encodedPath()).isEqualTo("/v1/messages");
        assertThat(rec.getHeaders().get("x-api-key")).isEqualTo(CANARY);
        assertThat(rec.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(rec.getHeaders().get("Authorization")).isNull();
        JsonNode body = Json.MAPPER.readTree(TestSupport.body(rec));
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.get("system").asText()).isEqualTo("Be brief.");
        assertThat(body.get("messages").size()).isEqualTo(1);
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("user");
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.has("seed")).isFalse();
    }

    @Test
    void cacheSystemPromptSendsACacheControlBlock() throws Exception {
        // Anthropic prompt caching guide: system as text blocks with cache_control {"type":"ephemeral"}.
        server.enqueue(json(200, """
                {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],
                 "stop_reason":"end_turn","usage":{"input_tokens":5,"cache_creation_input_tokens":2048,
                 "cache_read_input_tokens":0,"output_tokens":2}}"""));
        ModelRequest req = request().toBuilder().cacheSystemPrompt(true).build();
        ModelResponse r = model().call(req).block(Duration.ofSeconds(5));
        // Only the total is reported (no split): all of it is a 5-minute write.
        assertThat(r.usage()).isEqualTo(new Usage(5, 0, 2048, 0, 2, 0));
        JsonNode system = Json.MAPPER.readTree(TestSupport.body(server.takeRequest())).get("system");
        assertThat(system.isArray()).isTrue();
        assertThat(system.get(0).get("type").asText()).isEqualTo("text");
        assertThat(system.get(0).get("text").asText()).isEqualTo("Be brief.");
        assertThat(system.get(0).get("cache_control").get("type").asText()).isEqualTo("ephemeral");
    }

    @Test
    void thinkingTokensAreSplitOffWhenReported() {
        // Per REFERENCE.md: output_tokens includes thinking; output_tokens_details.thinking_tokens when reported.
        server.enqueue(json(200, """
                {"id":"msg_2","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],
                 "stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":500,
                 "output_tokens_details":{"thinking_tokens":450}}}"""));
        assertThat(model().call(request()).block(Duration.ofSeconds(5)).usage()).isEqualTo(new Usage(10, 0, 0, 0, 50, 450));
    }

    @ParameterizedTest
    @CsvSource({
            "400, invalid_request_error, false",
            "401, authentication_error, false",
            "403, permission_error, false",
            "404, not_found_error, false",
            "429, rate_limit_error, true",
            "500, api_error, true",
            "503, api_error, true",
            "529, overloaded_error, true"})
    void errorStatusesAreClassified(int status, String type, boolean retryable) {
        // Anthropic "Errors": {"type":"error","error":{"type","message"},"request_id"}.
        server.enqueue(json(status, """
                {"type":"error","error":{"type":"%s","message":"Details for %d"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"""
                .formatted(type, status)));
        ProviderException e = failure();
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.errorType()).isEqualTo(type);
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e.getMessage()).contains("Details for " + status);
    }

    @Test
    void retryAfterOnRateLimit() {
        server.enqueue(new MockResponse.Builder(json(429, """
                {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"""))
                .addHeader("retry-after", "12").build());
        assertThat(failure().retryAfter()).contains(Duration.ofSeconds(12));
    }

    @Test
    void malformedBodies() {
        server.enqueue(json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"cut"));
        server.enqueue(json(200, ""));
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html").body("<html/>").build());
        assertThat(failure().kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(failure().getMessage()).contains("empty body");
        assertThat(failure().getMessage()).contains("text/html");
    }

    @Test
    void onlyThinkingNoTextIsAnEmptyAnswer() {
        server.enqueue(json(200, """
                {"id":"msg_3","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"hmm",
                 "signature":"x"}],"stop_reason":"max_tokens","usage":{"input_tokens":10,"output_tokens":256}}"""));
        ProviderException e = failure();
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.EMPTY_ANSWER);
        assertThat(e.retryable()).isFalse();
    }

    // ------------------------------------------------------------------ streaming

    // Anthropic "Streaming Messages": the basic streaming request example, with ping and a thinking block.
    static final String STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-test-4-5-20251001","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":1200,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me add."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: ping
            data: {"type": "ping"}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"!"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @Test
    void streamFullSequence() throws Exception {
        server.enqueue(sse(STREAM));
        List<ModelStreamEvent> events = model().stream(request()).collectList().block(Duration.ofSeconds(5));
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isEqualTo(new ModelStreamEvent.TextDelta("Hello"));
        assertThat(events.get(1)).isEqualTo(new ModelStreamEvent.TextDelta("!"));
        ModelResponse r = ((ModelStreamEvent.Completed) events.get(2)).response();
        assertThat(r.text()).isEqualTo("Hello!");
        assertThat(r.finishReason()).isEqualTo("end_turn");
        assertThat(r.usage()).isEqualTo(new Usage(25, 1200, 0, 0, 15, 0));
        assertThat(Json.MAPPER.readTree(TestSupport.body(server.takeRequest())).get("stream").asBoolean()).isTrue();
    }

    @Test
    void streamErrorEventIsARetryableFailureWithPartialText() {
        // Anthropic "Streaming Messages", error events: overloaded_error (HTTP 529 equivalent).
        String body = STREAM.substring(0, STREAM.indexOf("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"")) + """
                event: error
                data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

                """;
        server.enqueue(sse(body));
        StepVerifier.create(model().stream(request()))
                .expectNext(new ModelStreamEvent.TextDelta("Hello"))
                .expectErrorSatisfies(t -> {
                    ProviderException e = (ProviderException) t;
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.IN_BAND_ERROR);
                    assertThat(e.errorType()).isEqualTo("overloaded_error");
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.partialText()).isEqualTo("Hello");
                })
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void streamInvalidRequestErrorEventIsNotRetryable() {
        server.enqueue(sse("""
                event: error
                data: {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long"}}

                """));
        StepVerifier.create(model().stream(request()))
                .expectErrorSatisfies(t -> assertThat(((ProviderException) t).retryable()).isFalse())
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void streamWithoutMessageStopIsTruncated() {
        server.enqueue(sse(STREAM.substring(0, STREAM.indexOf("event: message_delta"))));
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> ChatModel.collect(model().stream(request())).block(Duration.ofSeconds(5)));
        assertThat(e.errorType()).isEqualTo("truncated_stream");
        assertThat(e.partialText()).isEqualTo("Hello!");
    }

    @Test
    void streamHttp529() {
        server.enqueue(json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        StepVerifier.create(model().stream(request()))
                .expectErrorSatisfies(t -> {
                    ProviderException e = (ProviderException) t;
                    assertThat(e.status()).isEqualTo(529);
                    assertThat(e.retryable()).isTrue();
                })
                .verify(Duration.ofSeconds(5));
    }
}
