package dev.fusion.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.providers.internal.Failures;
import dev.fusion.providers.internal.HttpChatModel;
import dev.fusion.providers.internal.Json;
import dev.fusion.providers.ResponseLimits;
import dev.fusion.providers.internal.StreamDecoder;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A Gemini model over the Gemini API ({@code POST {baseUrl}/v1beta/models/{model}:generateContent},
 * streaming {@code :streamGenerateContent?alt=sse}, header {@code x-goog-api-key}).
 *
 * <p>Wire format per the Gemini API reference (models.generateContent / streamGenerateContent,
 * GenerateContentResponse, UsageMetadata, PromptFeedback) and the Gemini troubleshooting page for
 * errors. The system prompt is {@code systemInstruction}; turns are {@code contents} with roles
 * {@code user}/{@code model}; limits go in {@code generationConfig}. The answer is the concatenated
 * text of the first candidate's parts, excluding parts marked {@code thought: true}. A blocked prompt
 * ({@code promptFeedback.blockReason}) or a candidate stopped by a safety filter without text is a
 * non-retryable failure.
 *
 * <p>Streams have no terminal event: every chunk may carry usage (the last wins) and the stream ends
 * when the connection closes; it is complete only if a chunk carried a {@code finishReason}.
 *
 * <p>Immutable and thread-safe.
 */
public final class GeminiChatModel extends HttpChatModel {

    private final Map<String, String> extraHeaders;

    /** A model with the default {@link ResponseLimits}; {@code apiKey} is sent as {@code x-goog-api-key} (null: none). */
    public GeminiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                           Map<String, String> extraHeaders) {
        this(ref, baseUrl, apiKey, client, extraHeaders, ResponseLimits.defaults());
    }

    /** A model whose reads are bounded by {@code limits}; {@code apiKey} is sent as {@code x-goog-api-key} (null: none). */
    public GeminiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                           Map<String, String> extraHeaders, ResponseLimits limits) {
        super(ref, baseUrl, apiKey, client, limits);
        this.extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
    }

    private String modelId() {
        String m = ref.model();
        return m.startsWith("models/") ? m.substring("models/".length()) : m;
    }

    @Override
    protected Request.Builder httpRequest(ModelRequest request, boolean stream) {
        ObjectNode body = Json.object();
        if (request.system() != null && !request.system().isEmpty()) {
            body.putObject("systemInstruction").putArray("parts").addObject().put("text", request.system());
        }
        ArrayNode contents = body.putArray("contents");
        for (ChatMessage m : request.messages()) {
            ObjectNode c = contents.addObject();
            c.put("role", m.role() == MessageRole.USER ? "user" : "model");
            c.putArray("parts").addObject().put("text", m.content());
        }
        ObjectNode gen = body.putObject("generationConfig");
        gen.put("maxOutputTokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            gen.put("temperature", request.temperature());
        }
        if (request.seed() != null) {
            gen.put("seed", request.seed());
        }
        HttpUrl.Builder url = url("v1beta/models")
                .addPathSegment(modelId() + (stream ? ":streamGenerateContent" : ":generateContent"));
        if (stream) {
            url.addQueryParameter("alt", "sse");
        }
        Request.Builder b = new Request.Builder().url(url.build()).post(json(body));
        if (secret.isPresent()) {
            b.header("x-goog-api-key", secret.reveal());
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    @Override
    protected ModelResponse parse(JsonNode root) {
        String blocked = Json.text(root.get("promptFeedback"), "blockReason");
        JsonNode candidates = root.get("candidates");
        if (blocked != null && (candidates == null || candidates.isEmpty())) {
            throw Failures.blocked(ref, blocked);
        }
        if (candidates == null || !candidates.isArray() || candidates.isEmpty()) {
            throw Failures.malformed(ref, secret, "the answer has no candidates", null);
        }
        JsonNode candidate = candidates.get(0);
        StringBuilder text = new StringBuilder();
        appendText(candidate, text::append);
        JsonNode usage = root.get("usageMetadata");
        if (!GeminiUsage.isReported(usage)) {
            return ModelResponse.withUnknownUsage(text.toString(), null, Json.text(candidate, "finishReason"),
                    Json.text(root, "modelVersion"));
        }
        return new ModelResponse(text.toString(), GeminiUsage.of(usage), null,
                Json.text(candidate, "finishReason"), Json.text(root, "modelVersion"));
    }

    /** Appends the visible text parts of a candidate (thought parts excluded). */
    private static void appendText(JsonNode candidate, Consumer<String> out) {
        JsonNode parts = candidate == null ? null : candidate.path("content").get("parts");
        if (parts == null || !parts.isArray()) {
            return;
        }
        for (JsonNode p : parts) {
            if (p.path("thought").asBoolean(false)) {
                continue;
            }
            String t = Json.text(p, "text");
            if (t != null && !t.isEmpty()) {
                out.accept(t);
            }
        }
    }

    @Override
    protected StreamDecoder decoder() {
        return new Decoder();
    }

    /** Each SSE data line is a whole GenerateContentResponse. */
    private final class Decoder implements StreamDecoder {
        private JsonNode usage;
        private String finishReason;
        private String model;

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text) {
            if (data == null || data.isBlank()) {
                return false;
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(data);
            } catch (Exception e) {
                throw Failures.malformed(ref, secret, "a stream chunk is not valid JSON", e);
            }
            if (chunk.has("error")) {
                throw Failures.inBand(ref, secret, chunk, null);
            }
            String blocked = Json.text(chunk.get("promptFeedback"), "blockReason");
            JsonNode candidates = chunk.get("candidates");
            if (blocked != null && (candidates == null || candidates.isEmpty())) {
                throw Failures.blocked(ref, blocked);
            }
            JsonNode u = chunk.get("usageMetadata");
            if (GeminiUsage.isReported(u)) {
                GeminiUsage.of(u); // validated as it arrives
                usage = u;
            }
            if (chunk.has("modelVersion")) {
                model = Json.text(chunk, "modelVersion");
            }
            if (candidates != null && candidates.isArray() && !candidates.isEmpty()) {
                JsonNode c = candidates.get(0);
                appendText(c, text);
                String fr = Json.text(c, "finishReason");
                if (fr != null) {
                    finishReason = fr;
                }
            }
            return false;
        }

        @Override
        public boolean completeAtClose() {
            return finishReason != null;
        }

        @Override
        public ModelResponse response(String text) {
            if (usage == null) { // no chunk carried usageMetadata: unknown, not zero
                return ModelResponse.withUnknownUsage(text, null, finishReason, model);
            }
            return new ModelResponse(text, GeminiUsage.of(usage), null, finishReason, model);
        }
    }
}
