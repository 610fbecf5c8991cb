package dev.fusion.providers.gemini;

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
 * <p>Beyond text:
 * <ul>
 *   <li>a JSON Schema goes as {@code generationConfig.responseMimeType: "application/json"} with
 *       {@code generationConfig.responseJsonSchema} (ai.google.dev/gemini-api/docs/structured-output);
 *       JSON mode as the MIME type alone;</li>
 *   <li>images are {@code {"inlineData":{"mimeType","data"}}} parts (ai.google.dev/gemini-api/docs/image-understanding:
 *       PNG, JPEG, WebP, HEIC, HEIF, so GIF fails before the call). Image URLs fail before the call:
 *       {@code fileData} takes Files API URIs, not arbitrary web URLs; pass the bytes;</li>
 *   <li>reasoning is {@code generationConfig.thinkingConfig} (ai.google.dev/gemini-api/docs/thinking): a
 *       budget as {@code thinkingBudget}; an effort as {@code thinkingLevel} for Gemini 3 models (low, high;
 *       medium on Flash) and as a {@code thinkingBudget} of {@value #LOW_BUDGET}/{@value #MEDIUM_BUDGET}/
 *       {@value #HIGH_BUDGET} for Gemini 2.5. Thinking tokens are billed as output tokens and count toward
 *       {@code maxOutputTokens}, so the reserved worst case (max output) already covers them;</li>
 *   <li>tools go as {@code tools[].functionDeclarations} (with {@code parametersJsonSchema}) and
 *       {@code toolConfig.functionCallingConfig}; {@code functionCall} parts become
 *       {@link ModelResponse#toolCalls()} with their {@code thoughtSignature}, which is sent back unchanged
 *       with the call; results go as {@code functionResponse} parts ({@link ToolWire});</li>
 *   <li>extra body fields are merged in (objects such as {@code generationConfig} recursively); one on a field
 *       Fusion sets fails before the call.</li>
 * </ul>
 *
 * <p>Streams have no terminal event: every chunk may carry usage (the last wins) and the stream ends
 * when the connection closes; it is complete only if a chunk carried a {@code finishReason}.
 *
 * <p>Immutable and thread-safe.
 */
public final class GeminiChatModel implements ChatModel, dev.fusion.providers.internal.HasTransport {

    /** The shared HTTP machinery (sending, streaming, failure classification); this class is only the wire format. */
    private final HttpTransport http;
    private final ModelRef ref;
    private final Secret secret;

    /** Thinking budgets for the effort levels on Gemini 2.5 models. */
    public static final int LOW_BUDGET = 1024, MEDIUM_BUDGET = 8192, HIGH_BUDGET = 24576;
    /** Top-level fields Fusion owns in this format: extra body fields may not set them. */
    public static final Set<String> RESERVED = Set.of("contents", "systemInstruction");
    /** Image types the Gemini API documents. */
    private static final Set<String> IMAGE_TYPES = Set.of("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif");

    private final Map<String, String> extraHeaders;
    private final Capabilities capabilities;
    private final Map<String, Object> providerExtraBody;

    /** A model with the default {@link ResponseLimits}; {@code apiKey} is sent as {@code x-goog-api-key} (null: none). */
    public GeminiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                           Map<String, String> extraHeaders) {
        this(ref, baseUrl, apiKey, client, extraHeaders, ResponseLimits.defaults());
    }

    /** A model whose reads are bounded by {@code limits}; {@code apiKey} is sent as {@code x-goog-api-key} (null: none). */
    public GeminiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                           Map<String, String> extraHeaders, ResponseLimits limits) {
        this(ref, baseUrl, apiKey, client, extraHeaders, limits, null, Map.of());
    }

    /** The full constructor: {@code capabilities} null for the defaults; {@code providerExtraBody} merged into every body. */
    public GeminiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client,
                           Map<String, String> extraHeaders, ResponseLimits limits, Capabilities capabilities,
                           Map<String, Object> providerExtraBody) {
        this.http = new HttpTransport(ref, baseUrl, apiKey, client, limits, new Wire());
        this.ref = ref;
        this.secret = http.secret();
        this.capabilities = capabilities == null ? Capabilities.defaults(ProviderKind.GEMINI) : capabilities;
        this.providerExtraBody = dev.fusion.model.ExtraBody.copyOf(providerExtraBody);
        WireExtras.requireNoCredentialHeaders(extraHeaders, "model " + ref);
        this.extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
    }

    private String modelId() {
        String m = ref.model();
        return m.startsWith("models/") ? m.substring("models/".length()) : m;
    }

    private Request.Builder httpRequest(ModelRequest request, boolean stream) {
        WireExtras.requireImages(request, capabilities, ref);
        ResponseFormat format = request.responseFormat();
        boolean nativeSchema = capabilities.structuredOutput() == Capabilities.StructuredOutput.JSON_SCHEMA;
        String system = WireExtras.withInstruction(request.system(), WireExtras.jsonInstruction(format, nativeSchema));
        ObjectNode body = Json.object();
        if (system != null && !system.isEmpty()) {
            body.putObject("systemInstruction").putArray("parts").addObject().put("text", system);
        }
        ArrayNode contents = body.putArray("contents");
        for (ChatMessage m : request.messages()) {
            ObjectNode c = contents.addObject();
            c.put("role", m.role() == MessageRole.USER ? "user" : "model");
            ArrayNode parts = c.putArray("parts");
            for (ContentPart p : m.parts()) {
                if (ToolWire.geminiPart(parts, p, ref)) {
                    continue;
                }
                if (p instanceof ContentPart.Text t) {
                    parts.addObject().put("text", t.text());
                } else if (p instanceof ContentPart.Image img) {
                    if (!IMAGE_TYPES.contains(img.mediaType())) {
                        throw new InvalidConfigurationException(ref + ": Gemini does not take " + img.mediaType()
                                + " images (it documents PNG, JPEG, WebP, HEIC, HEIF); convert the image");
                    }
                    parts.addObject().putObject("inlineData").put("mimeType", img.mediaType()).put("data", img.base64());
                } else if (p instanceof ContentPart.ImageUrl) {
                    throw new InvalidConfigurationException(ref + ": Gemini takes images as bytes (inlineData), not"
                            + " by web URL; pass the image with image(bytes, mediaType)");
                }
            }
        }
        ToolWire.geminiTools(body, request);
        ObjectNode gen = body.putObject("generationConfig");
        gen.put("maxOutputTokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            gen.put("temperature", request.temperature());
        }
        if (request.seed() != null) {
            gen.put("seed", request.seed());
        }
        if (format != null && capabilities.structuredOutput() != Capabilities.StructuredOutput.PROMPT_ONLY) {
            gen.put("responseMimeType", "application/json");
            if (format.type() == ResponseFormat.Type.JSON_SCHEMA && nativeSchema) {
                gen.set("responseJsonSchema", format.schemaObject());
            }
        }
        if (request.reasoning() != null) {
            putThinking(gen.putObject("thinkingConfig"), request.reasoning());
        }
        WireExtras.merge(body, providerExtraBody, request.extraBody(), RESERVED, ref);
        HttpUrl.Builder url = http.url("v1beta/models")
                .addPathSegment(modelId() + (stream ? ":streamGenerateContent" : ":generateContent"));
        if (stream) {
            url.addQueryParameter("alt", "sse");
        }
        Request.Builder b = new Request.Builder().url(url.build()).post(HttpTransport.json(body));
        if (secret.isPresent()) {
            b.header("x-goog-api-key", secret.reveal());
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    private void putThinking(ObjectNode thinking, Reasoning r) {
        if (r.isBudget()) {
            thinking.put("thinkingBudget", r.budgetTokens());
        } else if (modelId().startsWith("gemini-3")) {
            thinking.put("thinkingLevel", r.effort().wireName());
        } else {
            thinking.put("thinkingBudget", switch (r.effort()) {
                case LOW -> LOW_BUDGET;
                case MEDIUM -> MEDIUM_BUDGET;
                case HIGH -> HIGH_BUDGET;
            });
        }
    }

    private ModelResponse parse(JsonNode root) {
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
        java.util.List<dev.fusion.model.ToolCall> calls = ToolWire.geminiCalls(candidate, 0);
        if (!GeminiUsage.isReported(usage)) {
            return ModelResponse.withUnknownUsage(text.toString(), null, Json.text(candidate, "finishReason"),
                    Json.text(root, "modelVersion")).withToolCalls(calls);
        }
        return new ModelResponse(text.toString(), GeminiUsage.of(usage), null,
                Json.text(candidate, "finishReason"), Json.text(root, "modelVersion"), true, calls);
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

    private StreamDecoder decoder() {
        return new Decoder();
    }

    /** Each SSE data line is a whole GenerateContentResponse. */
    private final class Decoder implements StreamDecoder {
        private JsonNode usage;
        private String finishReason;
        private String model;
        private final ToolCallAssembler tools = new ToolCallAssembler(http.limits().maxStreamTextChars());

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text) {
            return onEvent(type, data, text, d -> { });
        }

        @Override
        public boolean onEvent(String type, String data, Consumer<String> text,
                               Consumer<ModelStreamEvent.ToolCallDelta> toolCalls) {
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
                for (dev.fusion.model.ToolCall call : ToolWire.geminiCalls(c, tools.size())) {
                    int index = tools.size(); // Gemini sends each call whole, in one part
                    tools.add(index, call.id(), call.name(), call.argumentsJson(), toolCalls);
                    tools.signature(index, call.thoughtSignature());
                }
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
            java.util.List<dev.fusion.model.ToolCall> calls = tools.calls();
            if (usage == null) { // no chunk carried usageMetadata: unknown, not zero
                return ModelResponse.withUnknownUsage(text, null, finishReason, model).withToolCalls(calls);
            }
            return new ModelResponse(text, GeminiUsage.of(usage), null, finishReason, model, true, calls);
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
        return http.describe("GeminiChatModel");
    }

    /** This wire format as the transport calls it. */
    private final class Wire implements WireCodec {
        @Override
        public Request.Builder httpRequest(ModelRequest request, boolean stream) {
            return GeminiChatModel.this.httpRequest(request, stream);
        }

        @Override
        public ModelResponse parse(JsonNode body) {
            return GeminiChatModel.this.parse(body);
        }

        @Override
        public StreamDecoder decoder() {
            return GeminiChatModel.this.decoder();
        }
    }
}
