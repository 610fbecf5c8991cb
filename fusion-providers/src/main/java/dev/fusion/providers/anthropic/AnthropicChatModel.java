package dev.fusion.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.Reasoning;
import dev.fusion.model.ResponseFormat;
import dev.fusion.providers.Capabilities;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.internal.WireExtras;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.providers.internal.Failures;
import dev.fusion.providers.internal.HttpTransport;
import dev.fusion.providers.internal.Secret;
import dev.fusion.providers.internal.WireCodec;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelStreamEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import dev.fusion.providers.internal.Json;
import dev.fusion.providers.ResponseLimits;
import dev.fusion.providers.internal.StreamDecoder;
import dev.fusion.providers.internal.ToolCallAssembler;
import dev.fusion.providers.internal.ToolWire;
import dev.fusion.model.ModelStreamEvent;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

import java.util.Map;
import java.util.Set;
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
 * <p>Beyond text:
 * <ul>
 *   <li>a JSON Schema goes as {@code output_config: {"format": {"type":"json_schema","schema": ...}}}, the GA
 *       form of structured outputs (platform.claude.com/docs/en/build-with-claude/structured-outputs; no
 *       beta header). JSON mode has no native form: the instruction goes in the system prompt;</li>
 *   <li>images are {@code {"type":"image","source":{"type":"base64","media_type","data"}}} blocks, or
 *       {@code "source":{"type":"url","url"}} (docs.claude.com/en/docs/build-with-claude/vision);</li>
 *   <li>reasoning is {@code thinking: {"type":"enabled","budget_tokens": N}} (extended thinking): N at
 *       least {@value #MIN_THINKING_BUDGET} and below {@code max_tokens}, which covers thinking and answer
 *       alike, so the reserved worst case already includes it. An effort maps to
 *       {@value #LOW_BUDGET}/{@value #MEDIUM_BUDGET}/{@value #HIGH_BUDGET} tokens, capped below
 *       {@code max_tokens}; an explicit budget that does not fit fails before the call. Thinking does not
 *       combine with a temperature (documented), so that too fails before the call;</li>
 *   <li>tools go as {@code tools}/{@code tool_choice}; {@code tool_use} blocks (streamed as a
 *       {@code content_block_start} and {@code input_json_delta} pieces) become {@link ModelResponse#toolCalls()};
 *       tool-call turns and {@code tool_result} blocks (with {@code is_error}) are sent as {@link ToolWire}
 *       describes;</li>
 *   <li>extra body fields are merged in; one on a field Fusion sets fails before the call.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class AnthropicChatModel implements ChatModel, dev.fusion.providers.internal.HasTransport {

    /** The shared HTTP machinery (sending, streaming, failure classification); this class is only the wire format. */
    private final HttpTransport http;
    private final ModelRef ref;
    private final Secret secret;

    public static final String API_VERSION = "2023-06-01";
    /** The smallest thinking budget the API accepts. */
    public static final int MIN_THINKING_BUDGET = 1024;
    /** Thinking budgets for the effort levels. */
    public static final int LOW_BUDGET = 1024, MEDIUM_BUDGET = 4096, HIGH_BUDGET = 16384;
    /** Top-level fields Fusion owns in this format: extra body fields may not set them. */
    public static final Set<String> RESERVED = Set.of("model", "max_tokens", "system", "messages", "temperature",
            "stream", "thinking", "output_config");

    private final Capabilities capabilities;
    private final Map<String, Object> providerExtraBody;

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
        this(ref, baseUrl, apiKey, client, extraHeaders, limits, null, Map.of());
    }

    /** The full constructor: {@code capabilities} null for the defaults; {@code providerExtraBody} merged into every body. */
    public AnthropicChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                              Map<String, String> extraHeaders, ResponseLimits limits, Capabilities capabilities,
                              Map<String, Object> providerExtraBody) {
        this.http = new HttpTransport(ref, baseUrl, apiKey, client, limits, new Wire());
        this.ref = ref;
        this.secret = http.secret();
        this.capabilities = capabilities == null ? Capabilities.defaults(ProviderKind.ANTHROPIC) : capabilities;
        this.providerExtraBody = dev.fusion.model.ExtraBody.copyOf(providerExtraBody);
        WireExtras.requireNoCredentialHeaders(extraHeaders, "model " + ref);
        this.extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
        this.messagesUrl = http.url("v1/messages").build();
    }

    private Request.Builder httpRequest(ModelRequest request, boolean stream) {
        WireExtras.requireImages(request, capabilities, ref);
        ResponseFormat format = request.responseFormat();
        boolean nativeSchema = capabilities.structuredOutput() == Capabilities.StructuredOutput.JSON_SCHEMA;
        String system = WireExtras.withInstruction(request.system(), WireExtras.jsonInstruction(format, nativeSchema));
        ObjectNode body = Json.object();
        body.put("model", ref.model());
        body.put("max_tokens", request.maxOutputTokens());
        if (system != null && !system.isEmpty()) {
            if (request.cacheSystemPrompt()) {
                ObjectNode block = body.putArray("system").addObject();
                block.put("type", "text").put("text", system);
                block.putObject("cache_control").put("type", "ephemeral");
            } else {
                body.put("system", system);
            }
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            ObjectNode msg = messages.addObject().put("role", m.role() == MessageRole.USER ? "user" : "assistant");
            if (!m.hasImages() && !m.hasToolParts()) {
                msg.put("content", m.content());
                continue;
            }
            ArrayNode blocks = msg.putArray("content");
            ToolWire.anthropicBlocks(blocks, m, ref, AnthropicChatModel::putBlock);
        }
        ToolWire.anthropicTools(body, request);
        if (request.temperature() != null) {
            if (request.reasoning() != null) {
                throw new InvalidConfigurationException(ref + ": extended thinking does not work with a temperature"
                        + " (Anthropic rejects the pair); drop the temperature or the reasoning setting for this member");
            }
            body.put("temperature", request.temperature());
        }
        if (request.reasoning() != null) {
            body.putObject("thinking").put("type", "enabled")
                    .put("budget_tokens", thinkingBudget(request.reasoning(), request.maxOutputTokens()));
        }
        if (format != null && format.type() == ResponseFormat.Type.JSON_SCHEMA && nativeSchema) {
            ObjectNode f = body.putObject("output_config").putObject("format");
            f.put("type", "json_schema");
            f.set("schema", format.schemaObject());
        }
        WireExtras.merge(body, providerExtraBody, request.extraBody(), RESERVED, ref);
        if (stream) {
            body.put("stream", true);
        }
        Request.Builder b = new Request.Builder().url(messagesUrl).post(HttpTransport.json(body))
                .header("anthropic-version", API_VERSION);
        if (secret.isPresent()) {
            b.header("x-api-key", secret.reveal());
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    /** A text or image block. */
    private static void putBlock(ArrayNode blocks, ContentPart p) {
        if (p instanceof ContentPart.Text t) {
            blocks.addObject().put("type", "text").put("text", t.text());
        } else if (p instanceof ContentPart.Image img) {
            blocks.addObject().put("type", "image").putObject("source").put("type", "base64")
                    .put("media_type", img.mediaType()).put("data", img.base64());
        } else if (p instanceof ContentPart.ImageUrl u) {
            blocks.addObject().put("type", "image").putObject("source").put("type", "url").put("url", u.url());
        }
    }

    /** The {@code budget_tokens} for {@code r}: at least {@value #MIN_THINKING_BUDGET}, below {@code maxTokens}. */
    private int thinkingBudget(Reasoning r, int maxTokens) {
        if (maxTokens <= MIN_THINKING_BUDGET) {
            throw new InvalidConfigurationException(ref + ": extended thinking needs max output tokens above "
                    + MIN_THINKING_BUDGET + " (the smallest thinking budget), was " + maxTokens + "; raise maxOutputTokens");
        }
        if (r.isBudget()) {
            int b = r.budgetTokens();
            if (b < MIN_THINKING_BUDGET || b >= maxTokens) {
                throw new InvalidConfigurationException(ref + ": a thinking budget of " + b + " tokens must be at least "
                        + MIN_THINKING_BUDGET + " and below max output tokens (" + maxTokens + "), which covers"
                        + " thinking and the answer; raise maxOutputTokens or lower the budget");
            }
            return b;
        }
        int wanted = switch (r.effort()) {
            case LOW -> LOW_BUDGET;
            case MEDIUM -> MEDIUM_BUDGET;
            case HIGH -> HIGH_BUDGET;
        };
        return Math.max(MIN_THINKING_BUDGET, Math.min(wanted, maxTokens - 1));
    }

    private ModelResponse parse(JsonNode root) {
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
        java.util.List<dev.fusion.model.ToolCall> calls = ToolWire.anthropicCalls(content);
        if (!AnthropicUsage.isReported(usage)) {
            return ModelResponse.withUnknownUsage(text.toString(), null, Json.text(root, "stop_reason"),
                    Json.text(root, "model")).withToolCalls(calls);
        }
        return new ModelResponse(text.toString(), AnthropicUsage.of(usage), null,
                Json.text(root, "stop_reason"), Json.text(root, "model"), true, calls);
    }

    private StreamDecoder decoder() {
        return new Decoder();
    }

    /** Anthropic's named SSE events; usage starts in {@code message_start}, {@code message_delta} updates it. */
    private final class Decoder implements StreamDecoder {
        private final ObjectNode usage = Json.object();
        private String stopReason;
        private String model;
        private final ToolCallAssembler tools = new ToolCallAssembler(http.limits().maxStreamTextChars());
        /** Content block index → tool call ordinal, for the {@code tool_use} blocks. */
        private final java.util.Map<Integer, Integer> toolBlocks = new java.util.HashMap<>();

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text) {
            return onEvent(type, data, text, d -> { });
        }

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text,
                               Consumer<ModelStreamEvent.ToolCallDelta> toolCalls) {
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
                case "content_block_start" -> {
                    JsonNode block = e.get("content_block");
                    if ("tool_use".equals(Json.text(block, "type"))) {
                        int ordinal = toolBlocks.size();
                        toolBlocks.put(e.path("index").asInt(-1), ordinal);
                        JsonNode input = block.get("input");
                        // the start carries an empty input; a server that sends the whole input here is read too
                        String whole = input != null && input.isObject() && !input.isEmpty() ? input.toString() : null;
                        tools.add(ordinal, Json.text(block, "id"), Json.text(block, "name"), whole, toolCalls);
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = e.get("delta");
                    String deltaType = Json.text(delta, "type");
                    if ("text_delta".equals(deltaType)) {
                        String t = Json.text(delta, "text");
                        if (t != null) {
                            text.accept(t);
                        }
                    } else if ("input_json_delta".equals(deltaType)) {
                        Integer ordinal = toolBlocks.get(e.path("index").asInt(-1));
                        if (ordinal == null) {
                            throw new dev.fusion.providers.internal.MalformedFieldException(
                                    "input_json_delta for content block " + e.path("index").asInt(-1) + ", which is not a tool_use block");
                        }
                        tools.add(ordinal, null, null, Json.text(delta, "partial_json"), toolCalls);
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
            java.util.List<dev.fusion.model.ToolCall> calls = tools.calls();
            if (usage.isEmpty()) { // the stream never delivered usage: unknown, not zero
                return ModelResponse.withUnknownUsage(text, null, stopReason, model).withToolCalls(calls);
            }
            return new ModelResponse(text, AnthropicUsage.of(usage), null, stopReason, model, true, calls);
        }
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public boolean streamsNatively() {
        return true;
    }

    /** Builds the provider request without sending it: every wire-format check runs, no network. */
    @Override
    public void validate(ModelRequest request) {
        http.validate(request);
    }

    @Override
    public Mono<ModelResponse> call(ModelRequest request) {
        return http.call(request);
    }

    @Override
    public Flux<ModelStreamEvent> stream(ModelRequest request) {
        return http.stream(request);
    }

    /** Internal: the transport, for Fusion's batch client (not public API). */
    @Override
    public HttpTransport transport() {
        return http;
    }

    @Override
    public String toString() {
        return http.describe("AnthropicChatModel");
    }

    /** This wire format as the transport calls it. */
    private final class Wire implements WireCodec {
        @Override
        public Request.Builder httpRequest(ModelRequest request, boolean stream) {
            return AnthropicChatModel.this.httpRequest(request, stream);
        }

        @Override
        public ModelResponse parse(JsonNode body) {
            return AnthropicChatModel.this.parse(body);
        }

        @Override
        public StreamDecoder decoder() {
            return AnthropicChatModel.this.decoder();
        }
    }
}
