package dev.fusion.providers.hostile;

import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.ResponseLimits;
import mockwebserver3.MockResponse;

import java.time.Duration;
import java.util.Map;

/**
 * The three wire formats with realistic answers (shapes from each provider's API reference), a
 * registry pointing one provider of the format at a server, and the call in both modes.
 */
enum Wire {
    /** OpenAI Chat Completions (API reference: chat completion object, chunk object). */
    OPENAI(ProviderKind.OPENAI, "/v1", "usage",
            """
            {"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"""),
    /** Anthropic Messages (API reference: Messages, streaming events). */
    ANTHROPIC(ProviderKind.ANTHROPIC, "/", "usage",
            """
            {"input_tokens":2095,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":503}"""),
    /** Gemini generateContent / streamGenerateContent (API reference: GenerateContentResponse). */
    GEMINI(ProviderKind.GEMINI, "/", "usageMetadata",
            """
            {"promptTokenCount":8,"candidatesTokenCount":2,"totalTokenCount":10,"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]}""");

    static final String KEY_ENV = "HOSTILE_TEST_KEY";
    static final String ANSWER = "Hello! How can I assist you today?";

    final ProviderKind kind;
    final String basePath;
    /** The name of the usage object in this format. */
    final String usageField;
    /** The usage the provider's docs show. */
    final String validUsage;

    Wire(ProviderKind kind, String basePath, String usageField, String validUsage) {
        this.kind = kind;
        this.basePath = basePath;
        this.usageField = usageField;
        this.validUsage = validUsage;
    }

    /** {@code ,"usage":<json>} for this format, or "" when {@code usageJson} is null (no usage at all). */
    String usage(String usageJson) {
        return usageJson == null ? "" : ",\"" + usageField + "\":" + usageJson;
    }

    /** A complete non-streamed answer with the given usage fragment (see {@link #usage}). */
    String body(String usageFragment) {
        return switch (this) {
            case OPENAI -> """
                    {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,\
                    "model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"%s",\
                    "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}]%s,"service_tier":"default"}"""
                    .formatted(ANSWER, usageFragment);
            case ANTHROPIC -> """
                    {"content":[{"text":"%s","type":"text"}],"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF",\
                    "model":"claude-sonnet-4-20250514","role":"assistant","stop_reason":"end_turn","stop_sequence":null,\
                    "type":"message"%s}""".formatted(ANSWER, usageFragment);
            case GEMINI -> """
                    {"candidates":[{"content":{"parts":[{"text":"%s"}],"role":"model"},"finishReason":"STOP",\
                    "avgLogprobs":-0.12}]%s,"modelVersion":"gemini-2.0-flash","responseId":"mFkFaK3dNqWd1PIPm5u4mA0"}"""
                    .formatted(ANSWER, usageFragment);
        };
    }

    /** A complete event stream answering {@link #ANSWER} in two deltas, usage as given. */
    String stream(String usageFragment) {
        String a = ANSWER.substring(0, 6);
        String b = ANSWER.substring(6);
        return switch (this) {
            case OPENAI -> data("""
                    {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[{"index":0,"delta":{"role":"assistant","content":"%s"},"finish_reason":null}]}""".formatted(a))
                    + data("""
                    {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":"stop"}]}""".formatted(b))
                    + data("""
                    {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[]%s}""".formatted(usageFragment))
                    + data("[DONE]");
            case ANTHROPIC -> event("message_start", """
                    {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null}}""")
                    + event("content_block_start", """
                    {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
                    + event("ping", "{\"type\": \"ping\"}")
                    + event("content_block_delta", """
                    {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}}""".formatted(a))
                    + event("content_block_delta", """
                    {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}}""".formatted(b))
                    + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                    + event("message_delta", """
                    {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null}%s}""".formatted(usageFragment))
                    + event("message_stop", "{\"type\":\"message_stop\"}");
            case GEMINI -> data("""
                    {"candidates":[{"content":{"parts":[{"text":"%s"}],"role":"model"}}],"modelVersion":"gemini-2.0-flash"}""".formatted(a))
                    + data("""
                    {"candidates":[{"content":{"parts":[{"text":"%s"}],"role":"model"},"finishReason":"STOP"}]%s,"modelVersion":"gemini-2.0-flash"}""".formatted(b, usageFragment));
        };
    }

    static String data(String json) {
        return "data: " + json + "\n\n";
    }

    static String event(String type, String json) {
        return "event: " + type + "\ndata: " + json + "\n\n";
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    static MockResponse sse(String body) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "text/event-stream").body(body).build();
    }

    /** A registry whose provider {@code h} of this format is at {@code baseUrl} with {@code key}. */
    Providers providers(String baseUrl, String key, ResponseLimits limits) {
        String url = basePath.equals("/v1") ? baseUrl + "v1" : baseUrl;
        return Providers.builder().env(Map.of(KEY_ENV, key)).responseLimits(limits)
                .provider("h", ProviderSpec.of(kind, url, KEY_ENV)).build();
    }

    ChatModel model(String baseUrl, String key) {
        return providers(baseUrl, key, ResponseLimits.defaults()).model("h:test-model");
    }

    static ModelRequest request() {
        return ModelRequest.builder().system("Be brief.").user("Say hello.").maxOutputTokens(256).build();
    }

    /** The call, streamed or not: the response, or the failure it ended with. */
    static Object outcome(ChatModel model, boolean streamed) {
        try {
            if (streamed) {
                return model.stream(request()).ofType(ModelStreamEvent.Completed.class)
                        .map(ModelStreamEvent.Completed::response).blockLast(Duration.ofSeconds(20));
            }
            return model.call(request()).block(Duration.ofSeconds(20));
        } catch (ProviderException e) {
            return e;
        }
    }

    static ProviderException failure(ChatModel model, boolean streamed) {
        Object o = outcome(model, streamed);
        if (o instanceof ProviderException e) {
            return e;
        }
        throw new AssertionError("expected a failure, got " + o);
    }

    static ModelResponse response(ChatModel model, boolean streamed) {
        Object o = outcome(model, streamed);
        if (o instanceof ModelResponse r) {
            return r;
        }
        throw new AssertionError("expected a response, got " + o, (Throwable) o);
    }
}
