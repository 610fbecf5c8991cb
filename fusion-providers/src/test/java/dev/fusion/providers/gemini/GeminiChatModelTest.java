package dev.fusion.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
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
import static dev.fusion.providers.TestSupport.dataEvents;
import static dev.fusion.providers.TestSupport.json;
import static dev.fusion.providers.TestSupport.request;
import static dev.fusion.providers.TestSupport.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Gemini API. Fixtures follow the Gemini API reference (GenerateContentResponse, UsageMetadata,
 * PromptFeedback; streamGenerateContent with alt=sse) and the Gemini troubleshooting page for errors.
 */
class GeminiChatModelTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    private ChatModel model() {
        return TestSupport.providers(null, null, server).model("gem:gemini-test-flash");
    }

    private ProviderException failure() {
        return catchThrowableOfType(ProviderException.class, () -> model().call(request()).block(Duration.ofSeconds(5)));
    }

    @Test
    void successExcludesThoughtPartsAndNormalizesUsage() throws Exception {
        server.enqueue(json(200, """
                {"candidates":[{"content":{"parts":[{"text":"Adding two and two.","thought":true},
                   {"text":"2 + 2 = "},{"text":"4"}],"role":"model"},"finishReason":"STOP","index":0}],
                 "usageMetadata":{"promptTokenCount":1200,"candidatesTokenCount":6,"totalTokenCount":1306,
                  "cachedContentTokenCount":1024,"thoughtsTokenCount":100,
                  "promptTokensDetails":[{"modality":"TEXT","tokenCount":1200}]},
                 "modelVersion":"gemini-test-flash-001","responseId":"abc123"}"""));
        ModelResponse r = model().call(request()).block(Duration.ofSeconds(5));
        assertThat(r.text()).isEqualTo("2 + 2 = 4");
        assertThat(r.finishReason()).isEqualTo("STOP");
        assertThat(r.responseModel()).isEqualTo("gemini-test-flash-001");
        assertThat(r.usage()).isEqualTo(new Usage(176, 1024, 0, 0, 6, 100));

        RecordedRequest rec = server.takeRequest();
        assertThat(rec.getUrl().encodedPath()).isEqualTo("/v1beta/models/gemini-test-flash:generateContent");
        assertThat(rec.getHeaders().get("x-goog-api-key")).isEqualTo(CANARY);
        assertThat(rec.getUrl().query()).isNull();
        JsonNode body = Json.MAPPER.readTree(TestSupport.body(rec));
        assertThat(body.get("systemInstruction").get("parts").get(0).get("text").asText()).isEqualTo("Be brief.");
        assertThat(body.get("contents").get(0).get("role").asText()).isEqualTo("user");
        assertThat(body.get("contents").get(0).get("parts").get(0).get("text").asText()).isEqualTo("What is 2+2?");
        assertThat(body.get("generationConfig").get("maxOutputTokens").asInt()).isEqualTo(256);
        assertThat(body.get("generationConfig").get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.get("generationConfig").get("seed").asLong()).isEqualTo(7);
    }

    @Test
    void blockedPromptIsANonRetryableFailure() {
        server.enqueue(json(200, """
                {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT",
                 "probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"m"}"""));
        ProviderException e = failure();
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.EMPTY_ANSWER);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("blocked the prompt").contains("SAFETY");
    }

    @Test
    void safetyStopWithoutTextIsANonRetryableFailure() {
        server.enqueue(json(200, """
                {"candidates":[{"content":{"role":"model"},"finishReason":"SAFETY","index":0,
                 "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}],
                 "usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}"""));
        ProviderException e = failure();
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.EMPTY_ANSWER);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("SAFETY").contains("content filter");
    }

    @ParameterizedTest
    @CsvSource({
            "400, INVALID_ARGUMENT, false",
            "401, UNAUTHENTICATED, false",
            "403, PERMISSION_DENIED, false",
            "404, NOT_FOUND, false",
            "429, RESOURCE_EXHAUSTED, true",
            "500, INTERNAL, true",
            "503, UNAVAILABLE, true",
            "529, UNAVAILABLE, true"})
    void errorStatusesAreClassified(int status, String grpcStatus, boolean retryable) {
        server.enqueue(json(status, """
                {"error":{"code":%d,"message":"Details for %d","status":"%s"}}""".formatted(status, status, grpcStatus)));
        ProviderException e = failure();
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.errorType()).isEqualTo(grpcStatus);
        assertThat(e.errorCode()).isEqualTo(String.valueOf(status));
        assertThat(e.retryable()).isEqualTo(retryable);
    }

    @Test
    void retryInfoInTheBodyGivesTheDelay() {
        // Gemini 429 with google.rpc.RetryInfo in details (no Retry-After header).
        server.enqueue(json(429, """
                {"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"m"}]},
                  {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"""));
        assertThat(failure().retryAfter()).contains(Duration.ofSeconds(37));
    }

    @Test
    void malformedBodies() {
        server.enqueue(json(200, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"4\"}"));
        server.enqueue(json(200, ""));
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html").body("<html/>").build());
        assertThat(failure().getMessage()).contains("not valid JSON");
        assertThat(failure().getMessage()).contains("empty body");
        assertThat(failure().getMessage()).contains("text/html");
    }

    // ------------------------------------------------------------------ streaming

    static String chunk(String text, String finish, int prompt, int candidates, int thoughts) {
        return "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}],\"role\":\"model\"}"
                + (finish != null ? ",\"finishReason\":\"" + finish + "\"" : "") + ",\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":" + prompt + ",\"candidatesTokenCount\":" + candidates
                + ",\"thoughtsTokenCount\":" + thoughts + "},\"modelVersion\":\"gemini-test-flash-001\"}";
    }

    @Test
    void streamLastUsageWinsAndFinishReasonCompletes() throws Exception {
        server.enqueue(sse(dataEvents(
                chunk("The sum", null, 12, 2, 40),
                "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"thinking...\",\"thought\":true}],\"role\":\"model\"},\"index\":0}]}",
                chunk(" is 4.", "STOP", 12, 5, 40))));
        List<ModelStreamEvent> events = model().stream(request()).collectList().block(Duration.ofSeconds(5));
        assertThat(events).hasSize(3);
        assertThat(TestSupport.deltas(events)).isEqualTo("The sum is 4.");
        ModelResponse r = ((ModelStreamEvent.Completed) events.get(2)).response();
        assertThat(r.usage()).isEqualTo(new Usage(12, 0, 0, 0, 5, 40));
        assertThat(r.finishReason()).isEqualTo("STOP");
        RecordedRequest rec = server.takeRequest();
        assertThat(rec.getUrl().encodedPath()).isEqualTo("/v1beta/models/gemini-test-flash:streamGenerateContent");
        assertThat(rec.getUrl().queryParameter("alt")).isEqualTo("sse");
    }

    @Test
    void streamEndingWithoutFinishReasonIsTruncated() {
        server.enqueue(sse(dataEvents(chunk("The sum", null, 12, 2, 0), chunk(" is", null, 12, 3, 0))));
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> ChatModel.collect(model().stream(request())).block(Duration.ofSeconds(5)));
        assertThat(e.errorType()).isEqualTo("truncated_stream");
        assertThat(e.partialText()).isEqualTo("The sum is");
    }

    @Test
    void streamErrorChunkIsInBand() {
        server.enqueue(sse(dataEvents(chunk("Partial", null, 1, 1, 0),
                "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}")));
        StepVerifier.create(model().stream(request()))
                .expectNext(new ModelStreamEvent.TextDelta("Partial"))
                .expectErrorSatisfies(t -> {
                    ProviderException e = (ProviderException) t;
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.IN_BAND_ERROR);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.partialText()).isEqualTo("Partial");
                })
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void streamHttpError() {
        server.enqueue(json(429, "{\"error\":{\"code\":429,\"message\":\"Quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}"));
        StepVerifier.create(model().stream(request()))
                .expectErrorSatisfies(t -> assertThat(((ProviderException) t).status()).isEqualTo(429))
                .verify(Duration.ofSeconds(5));
    }
}
