package dev.fusion.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.TestSupport;
import dev.fusion.providers.internal.Json;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static dev.fusion.providers.TestSupport.CANARY;
import static dev.fusion.providers.TestSupport.dataEvents;
import static dev.fusion.providers.TestSupport.json;
import static dev.fusion.providers.TestSupport.request;
import static dev.fusion.providers.TestSupport.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * OpenAI-compatible Chat Completions. Fixtures follow the OpenAI API reference (chat completion
 * object, chat completion chunk object, error object) unless a test names another doc.
 */
class OpenAiChatModelTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    private ChatModel model() {
        return TestSupport.providers(server, null, null).model("oai:gpt-test");
    }

    private static ProviderException failure(ChatModel m) {
        return catchThrowableOfType(ProviderException.class, () -> m.call(request()).block(Duration.ofSeconds(5)));
    }

    // OpenAI API reference, "The chat completion object", with prompt caching and reasoning usage.
    static final String SUCCESS = """
            {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,
             "model":"gpt-test-2025-01-01","choices":[{"index":0,"message":{"role":"assistant","content":"4","refusal":null,
             "annotations":[]},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
              "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
              "completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0,"accepted_prediction_tokens":0,
              "rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}""";

    @Test
    void aCallerAllowedToBlockRunsTheRequestItself() {
        server.enqueue(json(200, SUCCESS));
        java.util.concurrent.atomic.AtomicReference<Thread> deliveredOn = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<ModelResponse> value = new java.util.concurrent.atomic.AtomicReference<>();

        model().call(request()).contextWrite(reactor.util.context.Context.of(ChatModel.MAY_BLOCK_KEY, Thread.currentThread()))
                .subscribe(r -> {
                    deliveredOn.set(Thread.currentThread());
                    value.set(r);
                });

        // Call.execute() on this thread: the answer is in before subscribe() returns, with no hand-over.
        assertThat(value.get()).isNotNull().extracting(ModelResponse::text).isEqualTo("4");
        assertThat(deliveredOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void aCallBlockingItsCallerIsAbortedByACancelFromAnotherThread() {
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .body(SUCCESS).headersDelay(30, java.util.concurrent.TimeUnit.SECONDS).build());
        java.util.concurrent.atomic.AtomicReference<Object> signal = new java.util.concurrent.atomic.AtomicReference<>();
        reactor.core.publisher.BaseSubscriber<ModelResponse> sub = new reactor.core.publisher.BaseSubscriber<>() {
            @Override
            protected void hookOnNext(ModelResponse r) {
                signal.set(r);
            }

            @Override
            protected void hookOnError(Throwable t) {
                signal.set(t);
            }
        };
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(sub::dispose, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            model().call(request()).contextWrite(reactor.util.context.Context.of(ChatModel.MAY_BLOCK_KEY,
                    Thread.currentThread())).subscribe(sub);
            long ms = (System.nanoTime() - t0) / 1_000_000;

            assertThat(ms).as("the blocked caller returned when the call was cancelled").isLessThan(10_000);
            assertThat(signal.get()).as("a cancelled call signals nothing").isNull();
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void successSendsTheRequestAndNormalizesUsage() throws Exception {
        server.enqueue(json(200, SUCCESS));
        ModelResponse r = model().call(request()).block(Duration.ofSeconds(5));

        assertThat(r.text()).isEqualTo("4");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.responseModel()).isEqualTo("gpt-test-2025-01-01");
        // input = 2006 - 1920 cached; output = 300 - 256 reasoning
        assertThat(r.usage()).isEqualTo(new Usage(86, 1920, 0, 0, 44, 256));
        assertThat(r.reportedCostUsd()).isNull();

        RecordedRequest rec = server.takeRequest();
        assertThat(rec.getMethod()).isEqualTo("POST");
        assertThat(rec.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(rec.getHeaders().get("Authorization")).isEqualTo("Bearer " + CANARY);
        JsonNode body = Json.MAPPER.readTree(TestSupport.body(rec));
        assertThat(body.get("model").asText()).isEqualTo("gpt-test");
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(body.get("messages").get(0).get("content").asText()).isEqualTo("Be brief.");
        assertThat(body.get("messages").get(1).get("role").asText()).isEqualTo("user");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.has("max_completion_tokens")).isFalse();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.get("seed").asLong()).isEqualTo(7);
        assertThat(body.has("stream")).isFalse();
    }

    @Test
    void openAiPresetStyleSendsMaxCompletionTokens() throws Exception {
        server.enqueue(json(200, SUCCESS));
        TestSupport.providers(server, null, null).model("oaimct:o-test").call(request()).block(Duration.ofSeconds(5));
        JsonNode body = Json.MAPPER.readTree(TestSupport.body(server.takeRequest()));
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(256);
        assertThat(body.has("max_tokens")).isFalse();
        assertThat(Providers.presets().get("openai").maxTokensParam()).isEqualTo("max_completion_tokens");
    }

    @Test
    void deepSeekCacheHitAndMissCountedOnce() {
        // DeepSeek context caching guide: prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens;
        // the response may carry prompt_tokens_details.cached_tokens with the same hit count.
        server.enqueue(json(200, """
                {"id":"930c60df-bf64-41c9-a88e-3ec75f81e00e","object":"chat.completion","created":1705651092,
                 "model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},
                 "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,
                  "prompt_tokens_details":{"cached_tokens":640},"prompt_cache_hit_tokens":640,"prompt_cache_miss_tokens":360},
                 "system_fingerprint":"fp_3a5770e1b4_prod0225"}"""));
        ModelResponse r = model().call(request()).block(Duration.ofSeconds(5));
        assertThat(r.usage()).isEqualTo(new Usage(360, 640, 0, 0, 20, 0));
    }

    @Test
    void deepSeekHitWithoutOpenAiDetails() {
        // DeepSeek context caching guide (older responses: only the prompt_cache_* fields).
        server.enqueue(json(200, """
                {"id":"x","object":"chat.completion","model":"deepseek-reasoner","choices":[{"index":0,
                 "message":{"role":"assistant","content":"ok","reasoning_content":"thinking..."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":500,"completion_tokens":120,"total_tokens":620,"prompt_cache_hit_tokens":128,
                  "prompt_cache_miss_tokens":372,"completion_tokens_details":{"reasoning_tokens":100}}}"""));
        ModelResponse r = model().call(request()).block(Duration.ofSeconds(5));
        assertThat(r.text()).isEqualTo("ok");
        assertThat(r.usage()).isEqualTo(new Usage(372, 128, 0, 0, 20, 100));
    }

    @Test
    void openRouterCostIsExactAndCacheWritesAreSeparated() {
        // OpenRouter docs, "Usage Accounting" response format (cost in credits, cache_write_tokens).
        server.enqueue(json(200, """
                {"id":"gen-1741","provider":"Anthropic","model":"anthropic/claude-sonnet-4.5","object":"chat.completion",
                 "created":1741570283,"choices":[{"logprobs":null,"finish_reason":"stop","native_finish_reason":"end_turn",
                 "index":0,"message":{"role":"assistant","content":"Four.","refusal":null,"reasoning":null}}],
                 "usage":{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"cost":0.000123456789012345678,
                  "is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":100,"audio_tokens":0},
                  "cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":0}}}"""));
        ModelResponse r = model().call(request()).block(Duration.ofSeconds(5));
        assertThat(r.usage()).isEqualTo(new Usage(94, 0, 100, 0, 2, 0));
        assertThat(r.reportedCostUsd()).isEqualByComparingTo(new BigDecimal("0.000123456789012345678"));
        assertThat(r.reportedCostUsd().toPlainString()).isEqualTo("0.000123456789012345678");
    }

    // ------------------------------------------------------------------ errors

    @ParameterizedTest
    @CsvSource({
            "400, invalid_request_error, false",
            "401, invalid_request_error, false",
            "403, permission_denied, false",
            "404, invalid_request_error, false",
            "429, requests, true",
            "500, server_error, true",
            "503, server_error, true",
            "529, server_error, true"})
    void errorStatusesAreClassified(int status, String type, boolean retryable) {
        // OpenAI API reference, error object: {"error":{"message","type","param","code"}}.
        server.enqueue(json(status, """
                {"error":{"message":"Something about status %d","type":"%s","param":null,"code":"code_%d"}}"""
                .formatted(status, type, status)));
        ProviderException e = failure(model());
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.HTTP_STATUS);
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.errorType()).isEqualTo(type);
        assertThat(e.errorCode()).isEqualTo("code_" + status);
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e.getMessage()).contains("HTTP " + status).contains("Something about status").contains("oai:gpt-test");
    }

    @Test
    void openRouterErrorShapeWithNumericCodeAndMetadata() {
        // OpenRouter docs, "Errors": {"error":{"code":number,"message","metadata"}}; 402 = out of credits.
        server.enqueue(json(402, """
                {"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/credits",
                 "metadata":{"provider_name":null}}}"""));
        ProviderException e = failure(model());
        assertThat(e.status()).isEqualTo(402);
        assertThat(e.errorCode()).isEqualTo("402");
        assertThat(e.retryable()).isFalse();
    }

    @Test
    void retryAfterMsWins() {
        server.enqueue(new MockResponse.Builder(json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\"}}"))
                .addHeader("retry-after-ms", "1500").addHeader("Retry-After", "9").build());
        assertThat(failure(model()).retryAfter()).contains(Duration.ofMillis(1500));
    }

    @Test
    void retryAfterSeconds() {
        // OpenRouter docs, "Retry-After header" on 429/503.
        server.enqueue(new MockResponse.Builder(json(503, "{\"error\":{\"code\":503,\"message\":\"No endpoints\"}}"))
                .addHeader("Retry-After", "7").build());
        assertThat(failure(model()).retryAfter()).contains(Duration.ofSeconds(7));
    }

    @Test
    void retryAfterHttpDate() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30));
        server.enqueue(new MockResponse.Builder(json(429, "{\"error\":{\"message\":\"later\",\"type\":\"tokens\"}}"))
                .addHeader("Retry-After", date).build());
        Duration d = failure(model()).retryAfter().orElseThrow();
        assertThat(d).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31));
    }

    @Test
    void xShouldRetryOverridesTheStatus() {
        server.enqueue(new MockResponse.Builder(json(400, "{\"error\":{\"message\":\"conflict\",\"type\":\"x\"}}"))
                .addHeader("X-Should-Retry", "true").build());
        server.enqueue(new MockResponse.Builder(json(503, "{\"error\":{\"message\":\"gone\",\"type\":\"x\"}}"))
                .addHeader("x-should-retry", "false").build());
        ProviderException first = failure(model());
        ProviderException second = failure(model());
        assertThat(first.status()).isEqualTo(400);
        assertThat(first.retryable()).isTrue();
        assertThat(second.status()).isEqualTo(503);
        assertThat(second.retryable()).isFalse();
    }

    @Test
    void nonJsonErrorBodyIsQuoted() {
        server.enqueue(new MockResponse.Builder().code(502).addHeader("Content-Type", "text/html")
                .body("<html><body>502 Bad Gateway</body></html>").build());
        ProviderException e = failure(model());
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("502 Bad Gateway");
    }

    @Test
    void truncatedJsonIsMalformedWithCause() {
        server.enqueue(json(200, SUCCESS.substring(0, SUCCESS.length() / 2)));
        ProviderException e = failure(model());
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.retryable()).isTrue();
        assertThat(e.getCause()).isNotNull();
        assertThat(e.getMessage()).contains("not valid JSON");
    }

    @Test
    void emptyOkBodyIsMalformed() {
        server.enqueue(json(200, ""));
        ProviderException e = failure(model());
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.getMessage()).contains("empty body");
    }

    @Test
    void htmlUnder200IsMalformed() {
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html; charset=utf-8")
                .body("<!DOCTYPE html><html><head><title>Captive portal</title></head></html>").build());
        ProviderException e = failure(model());
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.getMessage()).contains("text/html");
    }

    @Test
    void emptyContentIsAnEmptyAnswerNotAnEmptyResponse() {
        server.enqueue(json(200, """
                {"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant",
                 "content":""},"finish_reason":"length"}],"usage":{"prompt_tokens":10,"completion_tokens":256,
                 "completion_tokens_details":{"reasoning_tokens":256}}}"""));
        server.enqueue(json(200, """
                {"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant",
                 "content":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":0}}"""));
        ProviderException length = failure(model());
        ProviderException stop = failure(model());
        assertThat(length.kind()).isEqualTo(ProviderException.Kind.EMPTY_ANSWER);
        assertThat(length.retryable()).isFalse();
        assertThat(length.getMessage()).contains("raise maxOutputTokens");
        // The reasoning was billed: the failure carries it so the ledger can price it.
        assertThat(length.usage()).hasValueSatisfying(u -> {
            assertThat(u.input()).isEqualTo(10);
            assertThat(u.reasoning()).isEqualTo(256);
            assertThat(u.output()).isZero();
        });
        assertThat(stop.kind()).isEqualTo(ProviderException.Kind.EMPTY_ANSWER);
        assertThat(stop.retryable()).isTrue();
    }

    @Test
    void openRouterErrorObjectUnder200IsInBand() {
        // OpenRouter docs, "Errors": errors after processing started come with HTTP 200 in the body.
        server.enqueue(json(200, """
                {"error":{"code":502,"message":"Provider returned error","metadata":{"provider_name":"Chutes"}}}"""));
        ProviderException e = failure(model());
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.IN_BAND_ERROR);
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("Provider returned error").contains("Chutes");
    }

    // ------------------------------------------------------------------ streaming

    // OpenAI API reference, "The chat completion chunk object" + stream_options.include_usage;
    // OpenRouter "Streaming" (": OPENROUTER PROCESSING" comments).
    static final String STREAM = ": OPENROUTER PROCESSING\n\n" + dataEvents(
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test-2025\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test-2025\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Two plus\"},\"finish_reason\":null}],\"usage\":null}")
            + ": OPENROUTER PROCESSING\n\n" + dataEvents(
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test-2025\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" two is 4.\"},\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test-2025\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test-2025\",\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":30,\"total_tokens\":80,\"cost\":0.0000123,\"prompt_tokens_details\":{\"cached_tokens\":20},\"completion_tokens_details\":{\"reasoning_tokens\":10}}}",
            "[DONE]");

    @Test
    void streamEmitsDeltasThenCompletedWithUsageFromTheFinalChunk() throws Exception {
        server.enqueue(sse(STREAM));
        List<ModelStreamEvent> events = model().stream(request()).collectList().block(Duration.ofSeconds(5));

        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isEqualTo(new ModelStreamEvent.TextDelta("Two plus"));
        assertThat(events.get(1)).isEqualTo(new ModelStreamEvent.TextDelta(" two is 4."));
        ModelResponse r = ((ModelStreamEvent.Completed) events.get(2)).response();
        assertThat(r.text()).isEqualTo("Two plus two is 4.");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.usage()).isEqualTo(new Usage(30, 20, 0, 0, 20, 10));
        assertThat(r.reportedCostUsd()).isEqualByComparingTo("0.0000123");

        JsonNode body = Json.MAPPER.readTree(TestSupport.body(server.takeRequest()));
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.get("stream_options").get("include_usage").asBoolean()).isTrue();
    }

    @Test
    void aChunkCarryingUsageBeforeItsChoicesIsReadInOnePass() {
        // Usage first, then the text and the finish reason in the same chunk: all three applied, as the tree read did.
        server.enqueue(sse(dataEvents(
                "{\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"cost\":0.5},\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],\"model\":\"m-1\"}",
                "[DONE]")));
        ModelResponse r = ChatModel.collect(model().stream(request())).block(Duration.ofSeconds(5));
        assertThat(r.text()).isEqualTo("Hi");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.responseModel()).isEqualTo("m-1");
        assertThat(r.usage()).isEqualTo(Usage.of(7, 3));
        assertThat(r.reportedCostUsd()).isEqualByComparingTo("0.5");
    }

    @Test
    void aUsageChunkFollowedByGarbageIsMalformedAndItsUsageNotKept() {
        server.enqueue(sse(dataEvents(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Partial\"},\"finish_reason\":null}]}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}} trailing",
                "[DONE]")));
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> ChatModel.collect(model().stream(request())).block(Duration.ofSeconds(5)));
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.partialText()).isEqualTo("Partial");
        assertThat(e.usage()).isEmpty();
    }

    @Test
    void streamInBandErrorUnder200IsAFailureKeepingThePartialText() {
        // OpenRouter "Streaming", handling errors during streaming: error chunk with finish_reason "error".
        server.enqueue(sse(dataEvents(
                "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Partial\"},\"finish_reason\":null}]}",
                "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"provider\":\"openai\",\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}")));
        StepVerifier.create(model().stream(request()))
                .expectNext(new ModelStreamEvent.TextDelta("Partial"))
                .expectErrorSatisfies(t -> {
                    ProviderException e = (ProviderException) t;
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.IN_BAND_ERROR);
                    assertThat(e.errorCode()).isEqualTo("server_error");
                    assertThat(e.partialText()).isEqualTo("Partial");
                    assertThat(e.getMessage()).contains("Provider disconnected unexpectedly");
                })
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void streamEndingWithoutDoneIsTruncatedWithPartialText() {
        server.enqueue(sse(dataEvents(
                "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The answer\"},\"finish_reason\":null}]}",
                "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" is\"},\"finish_reason\":null}]}")));
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> ChatModel.collect(model().stream(request())).block(Duration.ofSeconds(5)));
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.errorType()).isEqualTo("truncated_stream");
        assertThat(e.partialText()).isEqualTo("The answer is");
        assertThat(e.retryable()).isTrue();
    }

    @Test
    void streamHttpErrorIsClassified() {
        server.enqueue(new MockResponse.Builder(json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"))
                .addHeader("retry-after-ms", "250").build());
        StepVerifier.create(model().stream(request()))
                .expectErrorSatisfies(t -> {
                    ProviderException e = (ProviderException) t;
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.errorCode()).isEqualTo("rate_limit_exceeded");
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.retryAfter()).contains(Duration.ofMillis(250));
                })
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void streamWithWrongContentTypeIsMalformed() {
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html").body("<html></html>").build());
        StepVerifier.create(model().stream(request()))
                .expectErrorSatisfies(t -> {
                    assertThat(((ProviderException) t).kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
                    assertThat(t.getMessage()).contains("event stream");
                })
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void streamThatCompletesWithoutTextIsAnEmptyAnswer() {
        server.enqueue(sse(dataEvents(
                "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}]}",
                "[DONE]")));
        StepVerifier.create(model().stream(request()))
                .expectErrorSatisfies(t -> {
                    ProviderException e = (ProviderException) t;
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.EMPTY_ANSWER);
                    assertThat(e.retryable()).isFalse();
                })
                .verify(Duration.ofSeconds(5));
    }

    // ------------------------------------------------------------------ cancellation

    @Test
    void cancellingTheMonoAbortsTheRequestOnTheServer() throws Exception {
        try (TestSupport.HangingServer hang = new TestSupport.HangingServer(null)) {
            ChatModel m = Providers.builder().env(Map.of("K", CANARY))
                    .provider("h", ProviderSpec.of(ProviderKind.OPENAI, hang.baseUrl() + "/v1", "K")).build().model("h:x");
            Disposable d = m.call(request()).subscribe(r -> { }, e -> { });
            assertThat(hang.requestHead.get(5, java.util.concurrent.TimeUnit.SECONDS)).startsWith("POST /v1/chat/completions");
            d.dispose();
            assertThat(hang.awaitClientClosed()).as("server saw the client close the connection").isTrue();
        }
    }

    @Test
    void cancellingTheFluxAbortsTheStreamOnTheServer() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
        String event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n";
        String chunk = Integer.toHexString(event.length()) + "\r\n" + event + "\r\n";
        try (TestSupport.HangingServer hang = new TestSupport.HangingServer(head + chunk)) {
            ChatModel m = Providers.builder().env(Map.of("K", CANARY))
                    .provider("h", ProviderSpec.of(ProviderKind.OPENAI, hang.baseUrl() + "/v1", "K")).build().model("h:x");
            ModelStreamEvent first = m.stream(request()).next().block(Duration.ofSeconds(5));
            assertThat(first).isEqualTo(new ModelStreamEvent.TextDelta("Hi"));
            assertThat(hang.awaitClientClosed()).as("server saw the client close the stream").isTrue();
        }
    }
}
