package dev.fusion.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
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

import java.math.BigDecimal;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model behind an OpenAI-compatible Chat Completions endpoint ({@code POST {baseUrl}/chat/completions},
 * {@code Authorization: Bearer}): OpenAI, OpenRouter, DeepSeek, Moonshot, Qwen (DashScope compatible
 * mode), Zhipu, MiniMax, xAI, Groq, Together, Fireworks and local servers (Ollama, vLLM, LM Studio).
 *
 * <p>Wire format per the OpenAI API reference (Create chat completion; chat completion chunk object;
 * {@code stream_options.include_usage}), OpenRouter's streaming and error docs (comment lines,
 * mid-stream {@code error} chunks under HTTP 200) and DeepSeek's context caching guide. The system
 * prompt goes first as a {@code system} message. The output limit is sent as {@code max_tokens} or,
 * for OpenAI itself (whose reasoning models reject {@code max_tokens}), {@code max_completion_tokens}.
 *
 * <p>Immutable and thread-safe.
 */
public final class OpenAiChatModel extends HttpChatModel {

    private final String maxTokensParam;
    private final Map<String, String> extraHeaders;
    /** Built once: rebuilding it per call re-canonicalizes the host (IDN mapping) every time. */
    private final HttpUrl chatUrl;

    /** A model with the default {@link ResponseLimits}; see the full constructor. */
    public OpenAiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client, String maxTokensParam,
                           Map<String, String> extraHeaders) {
        this(ref, baseUrl, apiKey, client, maxTokensParam, extraHeaders, ResponseLimits.defaults());
    }

    /**
     * @param apiKey         the key sent as {@code Authorization: Bearer}, or null for a keyless server
     * @param maxTokensParam {@code max_tokens} or {@code max_completion_tokens}
     * @param extraHeaders   non-secret headers sent with every request (e.g. OpenRouter's {@code X-Title})
     * @param limits         bounds on what is read from the network
     */
    public OpenAiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client, String maxTokensParam,
                           Map<String, String> extraHeaders, ResponseLimits limits) {
        super(ref, baseUrl, apiKey, client, limits);
        this.maxTokensParam = maxTokensParam == null ? "max_tokens" : maxTokensParam;
        this.extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
        this.chatUrl = url("chat/completions").build();
    }

    @Override
    protected Request.Builder httpRequest(ModelRequest request, boolean stream) {
        ObjectNode body = Json.object();
        body.put("model", ref.model());
        ArrayNode messages = body.putArray("messages");
        if (request.system() != null && !request.system().isEmpty()) {
            messages.addObject().put("role", "system").put("content", request.system());
        }
        for (ChatMessage m : request.messages()) {
            messages.addObject().put("role", m.role() == MessageRole.USER ? "user" : "assistant")
                    .put("content", m.content());
        }
        body.put(maxTokensParam, request.maxOutputTokens());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.seed() != null) {
            body.put("seed", request.seed());
        }
        if (stream) {
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
        }
        Request.Builder b = new Request.Builder().url(chatUrl).post(json(body));
        if (secret.isPresent()) {
            b.header("Authorization", "Bearer " + secret.reveal());
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    @Override
    protected ModelResponse parse(JsonNode root) {
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw Failures.malformed(ref, secret, "the answer has no choices", null);
        }
        JsonNode choice = choices.get(0);
        String finish = Json.text(choice, "finish_reason");
        if ("error".equals(finish) && root.has("error")) {
            throw Failures.inBand(ref, secret, root, null);
        }
        JsonNode message = choice.get("message");
        String text = message == null ? null : Json.text(message, "content");
        JsonNode usage = root.get("usage");
        String answer = text == null ? "" : text;
        if (!OpenAiUsage.isReported(usage)) {
            return ModelResponse.withUnknownUsage(answer, null, finish, Json.text(root, "model"));
        }
        return new ModelResponse(answer, OpenAiUsage.of(usage), OpenAiUsage.reportedCost(usage), finish,
                Json.text(root, "model"));
    }

    @Override
    protected StreamDecoder decoder() {
        return new Decoder();
    }

    /**
     * Chunks: {@code choices[0].delta.content} pieces, a chunk with {@code finish_reason}, then (with
     * {@code include_usage}) a chunk with {@code choices: []} and the full usage, then {@code [DONE]}.
     * A chunk with a top-level {@code error} object is an in-band failure (OpenRouter).
     */
    private final class Decoder implements StreamDecoder {
        private String finishReason;
        private JsonNode usage;
        private String model;

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text) {
            if (data == null || data.isBlank()) {
                return false;
            }
            if ("[DONE]".equals(data.trim())) {
                return true;
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(data);
            } catch (Exception e) {
                throw Failures.malformed(ref, secret, "a stream chunk is not valid JSON", e);
            }
            if (chunk.has("error") && !chunk.get("error").isNull()) {
                throw Failures.inBand(ref, secret, chunk, null);
            }
            if (model == null) {
                model = Json.text(chunk, "model");
            }
            JsonNode u = chunk.get("usage");
            if (OpenAiUsage.isReported(u)) {
                OpenAiUsage.of(u); // validated as it arrives: a bad count fails the stream at once
                usage = u;
            }
            JsonNode choices = chunk.get("choices");
            if (choices != null && choices.isArray() && !choices.isEmpty()) {
                JsonNode choice = choices.get(0);
                JsonNode delta = choice.get("delta");
                String piece = Json.text(delta, "content");
                if (piece != null) {
                    text.accept(piece);
                }
                String fr = Json.text(choice, "finish_reason");
                if ("error".equals(fr)) {
                    throw Failures.inBand(ref, secret, chunk, null);
                }
                if (fr != null) {
                    finishReason = fr;
                }
            }
            return false;
        }

        @Override
        public ModelResponse response(String text) {
            if (usage == null) { // the stream never delivered usage: unknown, not zero
                return ModelResponse.withUnknownUsage(text, null, finishReason, model);
            }
            Usage u = OpenAiUsage.of(usage);
            BigDecimal cost = OpenAiUsage.reportedCost(usage);
            return new ModelResponse(text, u, cost, finishReason, model);
        }
    }
}
