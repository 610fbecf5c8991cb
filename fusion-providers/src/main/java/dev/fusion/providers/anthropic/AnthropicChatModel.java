package dev.fusion.providers.anthropic;

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
 * A Claude model over the Anthropic Messages API ({@code POST {baseUrl}/v1/messages}, headers
 * {@code x-api-key} and {@code anthropic-version: 2023-06-01}).
 *
 * <p>Wire format per the Anthropic API reference (Messages; Streaming Messages: {@code message_start},
 * {@code content_block_delta}/{@code text_delta}, cumulative {@code message_delta} usage,
 * {@code message_stop}, {@code ping}, {@code error}; Errors) and the prompt caching guide. The system
 * prompt is top-level; with {@link ModelRequest#cacheSystemPrompt()} it is sent as a text block with
 * {@code cache_control: {"type":"ephemeral"}}. The answer is the concatenation of the {@code text}
 * blocks; {@code thinking} and other blocks are ignored.
 *
 * <p>Immutable and thread-safe.
 */
public final class AnthropicChatModel extends HttpChatModel {

    public static final String API_VERSION = "2023-06-01";

    private final Map<String, String> extraHeaders;
    /** Built once: rebuilding it per call re-canonicalizes the host (IDN mapping) every time. */
    private final HttpUrl messagesUrl;

    /** A model with the default {@link ResponseLimits}; {@code apiKey} is sent as {@code x-api-key} (null: none). */
    public AnthropicChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                              Map<String, String> extraHeaders) {
        this(ref, baseUrl, apiKey, client, extraHeaders, ResponseLimits.defaults());
    }

    /** A model whose reads are bounded by {@code limits}; {@code apiKey} is sent as {@code x-api-key} (null: none). */
    public AnthropicChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                              Map<String, String> extraHeaders, ResponseLimits limits) {
        super(ref, baseUrl, apiKey, client, limits);
        this.extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
        this.messagesUrl = url("v1/messages").build();
    }

    @Override
    protected Request.Builder httpRequest(ModelRequest request, boolean stream) {
        ObjectNode body = Json.object();
        body.put("model", ref.model());
        body.put("max_tokens", request.maxOutputTokens());
        if (request.system() != null && !request.system().isEmpty()) {
            if (request.cacheSystemPrompt()) {
                ObjectNode block = body.putArray("system").addObject();
                block.put("type", "text").put("text", request.system());
                block.putObject("cache_control").put("type", "ephemeral");
            } else {
                body.put("system", request.system());
            }
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.addObject().put("role", m.role() == MessageRole.USER ? "user" : "assistant")
                    .put("content", m.content());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (stream) {
            body.put("stream", true);
        }
        Request.Builder b = new Request.Builder().url(messagesUrl).post(json(body))
                .header("anthropic-version", API_VERSION);
        if (secret.isPresent()) {
            b.header("x-api-key", secret.reveal());
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    @Override
    protected ModelResponse parse(JsonNode root) {
        if ("error".equals(Json.text(root, "type"))) {
            throw Failures.inBand(ref, secret, root, null);
        }
        JsonNode content = root.get("content");
        if (content == null || !content.isArray()) {
            throw Failures.malformed(ref, secret, "the answer has no content array", null);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if ("text".equals(Json.text(block, "type"))) {
                String t = Json.text(block, "text");
                if (t != null) {
                    text.append(t);
                }
            }
        }
        JsonNode usage = root.get("usage");
        if (!AnthropicUsage.isReported(usage)) {
            return ModelResponse.withUnknownUsage(text.toString(), null, Json.text(root, "stop_reason"),
                    Json.text(root, "model"));
        }
        return new ModelResponse(text.toString(), AnthropicUsage.of(usage), null,
                Json.text(root, "stop_reason"), Json.text(root, "model"));
    }

    @Override
    protected StreamDecoder decoder() {
        return new Decoder();
    }

    /** Anthropic's named SSE events; usage starts in {@code message_start}, {@code message_delta} updates it. */
    private final class Decoder implements StreamDecoder {
        private final ObjectNode usage = Json.object();
        private String stopReason;
        private String model;

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text) {
            JsonNode e;
            try {
                e = Json.MAPPER.readTree(data);
            } catch (Exception ex) {
                throw Failures.malformed(ref, secret, "a stream event is not valid JSON", ex);
            }
            String kind = type != null ? type : Json.text(e, "type");
            if (kind == null) {
                return false;
            }
            switch (kind) {
                case "message_start" -> {
                    JsonNode message = e.get("message");
                    model = Json.text(message, "model");
                    AnthropicUsage.merge(usage, message == null ? null : message.get("usage"));
                    AnthropicUsage.of(usage); // validated as it arrives
                }
                case "content_block_delta" -> {
                    JsonNode delta = e.get("delta");
                    if ("text_delta".equals(Json.text(delta, "type"))) {
                        String t = Json.text(delta, "text");
                        if (t != null) {
                            text.accept(t);
                        }
                    }
                }
                case "message_delta" -> {
                    String sr = Json.text(e.get("delta"), "stop_reason");
                    if (sr != null) {
                        stopReason = sr;
                    }
                    AnthropicUsage.merge(usage, e.get("usage"));
                    AnthropicUsage.of(usage); // validated as it arrives
                }
                case "message_stop" -> {
                    return true;
                }
                case "error" -> throw Failures.inBand(ref, secret, e, null);
                default -> {
                    // ping, content_block_start/stop and future event types are ignored
                }
            }
            return false;
        }

        @Override
        public ModelResponse response(String text) {
            if (usage.isEmpty()) { // the stream never delivered usage: unknown, not zero
                return ModelResponse.withUnknownUsage(text, null, stopReason, model);
            }
            return new ModelResponse(text, AnthropicUsage.of(usage), null, stopReason, model);
        }
    }
}
