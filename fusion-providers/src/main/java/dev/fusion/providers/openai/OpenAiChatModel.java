package dev.fusion.providers.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.Reasoning;
import dev.fusion.model.ResponseFormat;
import dev.fusion.providers.Capabilities;
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
 * <p>Beyond text (per the OpenAI API reference, Create chat completion, and the guides cited):
 * <ul>
 *   <li>a JSON Schema goes as {@code response_format: {"type":"json_schema","json_schema":{name, schema,
 *       strict}}} (platform.openai.com/docs/guides/structured-outputs); {@code strict: true} only when the
 *       schema meets strict mode's rules (every property required, {@code additionalProperties: false}).
 *       A provider with {@link Capabilities.StructuredOutput#JSON_OBJECT} gets {@code {"type":"json_object"}}
 *       and the schema in the system prompt; {@code PROMPT_ONLY} the prompt only;</li>
 *   <li>images are {@code {"type":"image_url","image_url":{"url": "data:<type>;base64,..."}}} parts (or the
 *       URL as given) next to {@code {"type":"text"}} parts (platform.openai.com/docs/guides/images-vision);</li>
 *   <li>reasoning is {@code reasoning_effort} (an effort only), or for OpenRouter
 *       {@code reasoning: {effort}} / {@code reasoning: {max_tokens}}
 *       (openrouter.ai/docs/use-cases/reasoning-tokens); reasoning tokens count inside the output limit;</li>
 *   <li>tools go as {@code tools}/{@code tool_choice}; an answer's {@code message.tool_calls} (streamed as
 *       {@code delta.tool_calls} pieces by {@code index}) become {@link ModelResponse#toolCalls()}; tool-call
 *       turns and {@code role: tool} results are sent as {@link ToolWire} describes;</li>
 *   <li>extra body fields are merged in; one on a field Fusion sets ({@link #RESERVED}, or any it set for
 *       this request) fails before the call.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class OpenAiChatModel implements ChatModel, dev.fusion.providers.internal.HasTransport {

    /** The shared HTTP machinery (sending, streaming, failure classification); this class is only the wire format. */
    private final HttpTransport http;
    private final ModelRef ref;
    private final Secret secret;

    /** Top-level fields Fusion owns in this format: extra body fields may not set them. */
    public static final Set<String> RESERVED = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "seed", "stream", "stream_options", "response_format", "reasoning_effort", "reasoning");

    private final String maxTokensParam;
    private final Capabilities capabilities;
    private final Map<String, Object> providerExtraBody;
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
        this(ref, baseUrl, apiKey, client, maxTokensParam, extraHeaders, limits, null, Map.of());
    }

    /**
     * The full constructor.
     *
     * @param capabilities      what the provider documents (null: {@link Capabilities#defaults})
     * @param providerExtraBody fields merged into every request body (a request's own extra body wins)
     */
    public OpenAiChatModel(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client, String maxTokensParam,
                           Map<String, String> extraHeaders, ResponseLimits limits, Capabilities capabilities,
                           Map<String, Object> providerExtraBody) {
        this.http = new HttpTransport(ref, baseUrl, apiKey, client, limits, new Wire());
        this.ref = ref;
        this.secret = http.secret();
        this.capabilities = capabilities == null ? Capabilities.defaults(dev.fusion.providers.ProviderKind.OPENAI) : capabilities;
        this.providerExtraBody = dev.fusion.model.ExtraBody.copyOf(providerExtraBody);
        this.maxTokensParam = maxTokensParam == null ? "max_tokens" : maxTokensParam;
        WireExtras.requireNoCredentialHeaders(extraHeaders, "model " + ref);
        this.extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
        this.chatUrl = http.url("chat/completions").build();
    }

    private Request.Builder httpRequest(ModelRequest request, boolean stream) {
        WireExtras.requireImages(request, capabilities, ref);
        ResponseFormat format = request.responseFormat();
        Capabilities.StructuredOutput so = capabilities.structuredOutput();
        ObjectNode body = Json.object();
        body.put("model", ref.model());
        ArrayNode messages = body.putArray("messages");
        String system = WireExtras.withInstruction(request.system(),
                WireExtras.jsonInstruction(format, so == Capabilities.StructuredOutput.JSON_SCHEMA));
        if (system != null && !system.isEmpty()) {
            messages.addObject().put("role", "system").put("content", system);
        }
        for (ChatMessage m : request.messages()) {
            if (m.hasToolParts()) {
                ToolWire.openAiMessage(messages, m, OpenAiChatModel::putMessage);
            } else {
                putMessage(messages, m);
            }
        }
        body.put(maxTokensParam, request.maxOutputTokens());
        ToolWire.openAiTools(body, request);
        if (format != null && so != Capabilities.StructuredOutput.PROMPT_ONLY) {
            ObjectNode rf = body.putObject("response_format");
            if (format.type() == ResponseFormat.Type.JSON_SCHEMA && so == Capabilities.StructuredOutput.JSON_SCHEMA) {
                ObjectNode js = rf.put("type", "json_schema").putObject("json_schema");
                js.put("name", format.name());
                js.set("schema", format.schemaObject());
                if (format.strictCompatible()) {
                    js.put("strict", true);
                }
            } else {
                rf.put("type", "json_object");
            }
        }
        if (request.reasoning() != null) {
            putReasoning(body, request.reasoning());
        }
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
        WireExtras.merge(body, providerExtraBody, request.extraBody(), RESERVED, ref);
        Request.Builder b = new Request.Builder().url(chatUrl).post(HttpTransport.json(body));
        if (secret.isPresent()) {
            b.header("Authorization", "Bearer " + secret.reveal());
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    /** A text or text-and-images message. */
    private static void putMessage(ArrayNode messages, ChatMessage m) {
        ObjectNode msg = messages.addObject().put("role", m.role() == MessageRole.USER ? "user" : "assistant");
        if (!m.hasImages()) {
            msg.put("content", m.content());
            return;
        }
        ArrayNode parts = msg.putArray("content");
        for (ContentPart p : m.parts()) {
            if (p instanceof ContentPart.Text t) {
                parts.addObject().put("type", "text").put("text", t.text());
            } else if (p instanceof ContentPart.Image img) {
                parts.addObject().put("type", "image_url").putObject("image_url").put("url", WireExtras.dataUrl(img));
            } else if (p instanceof ContentPart.ImageUrl u) {
                parts.addObject().put("type", "image_url").putObject("image_url").put("url", u.url());
            }
        }
    }

    private void putReasoning(ObjectNode body, Reasoning r) {
        switch (capabilities.reasoning()) {
            case OPENROUTER -> {
                ObjectNode o = body.putObject("reasoning");
                if (r.isBudget()) {
                    o.put("max_tokens", r.budgetTokens());
                } else {
                    o.put("effort", r.effort().wireName());
                }
            }
            case EFFORT -> {
                if (r.isBudget()) {
                    throw new InvalidConfigurationException("provider '" + ref.provider() + "' (" + ref + ") takes"
                            + " reasoning as an effort level (reasoning_effort), not a token budget; use reasoning(Effort)");
                }
                body.put("reasoning_effort", r.effort().wireName());
            }
            case NONE -> throw new InvalidConfigurationException("provider '" + ref.provider() + "' (" + ref + ") documents"
                    + " no reasoning control; remove the reasoning setting for this member or pass the vendor's own"
                    + " field through extraBody");
        }
    }

    private ModelResponse parse(JsonNode root) {
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
        java.util.List<dev.fusion.model.ToolCall> calls = ToolWire.openAiCalls(message);
        if (!OpenAiUsage.isReported(usage)) {
            return ModelResponse.withUnknownUsage(answer, null, finish, Json.text(root, "model")).withToolCalls(calls);
        }
        return OpenAiUsage.response(answer, usage, finish, Json.text(root, "model")).withToolCalls(calls);
    }

    /**
     * Reads one value as a tree in the middle of a chunk: the wire mapper's settings (big decimals,
     * limits), without the end-of-document check, which belongs to the whole chunk (done by its parser).
     */
    private static final com.fasterxml.jackson.databind.ObjectReader SUBTREE = Json.MAPPER.readerFor(JsonNode.class)
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StreamDecoder decoder() {
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
            if ("[DONE]".equals(data.trim())) {
                return true;
            }
            if (readPlainDelta(data, text)) {
                return false;
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
                JsonNode calls = delta == null ? null : delta.get("tool_calls");
                if (calls != null && calls.isArray()) {
                    for (JsonNode c : calls) {
                        JsonNode f = c.get("function");
                        String id = Json.text(c, "id");
                        int index = c.hasNonNull("index") ? c.get("index").asInt()
                                : id != null && !id.isEmpty() ? tools.size() : Math.max(0, tools.size() - 1);
                        JsonNode args = f == null ? null : f.get("arguments");
                        String argsPiece = args == null || args.isNull() ? null : args.isTextual() ? args.asText() : args.toString();
                        tools.add(index, id, Json.text(f, "name"), argsPiece, toolCalls);
                    }
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

        /**
         * The common chunk, read with Jackson's streaming parser instead of a tree (a tree per chunk
         * is a map per object, per chunk of every streamed call): an object whose {@code usage} and
         * {@code error} are absent or null, and whose first choice is an object with a text (or null)
         * {@code delta.content}, no tool calls and a finish reason other than {@code error}. Anything
         * else, including a repeated key, a value of another type or JSON the tree reader would reject,
         * returns false before anything is applied, and the chunk is read as a tree as before: both
         * paths give the same result for the chunks this one accepts.
         */
        private boolean readPlainDelta(String data, Consumer<String> text) {
            String piece = null;
            String finish = null;
            String chunkModel = null;
            JsonNode chunkUsage = null;
            try (JsonParser p = Json.MAPPER.createParser(data)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return false;
                }
                int seen = 0;
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    JsonToken t = p.nextToken();
                    int bit;
                    switch (name) {
                        case "choices" -> {
                            bit = 1;
                            if (t == JsonToken.START_ARRAY) {
                                if (p.nextToken() == JsonToken.START_OBJECT) {
                                    String[] choice = readPlainChoice(p);
                                    if (choice == null) {
                                        return false;
                                    }
                                    piece = choice[0];
                                    finish = choice[1];
                                    while (p.nextToken() != JsonToken.END_ARRAY) {
                                        p.skipChildren(); // later choices: not read, as on the tree path
                                    }
                                } else if (p.currentToken() != JsonToken.END_ARRAY) {
                                    return false;
                                }
                            } else if (t != JsonToken.VALUE_NULL) {
                                return false;
                            }
                        }
                        case "model" -> {
                            bit = 2;
                            if (t == JsonToken.VALUE_STRING) {
                                chunkModel = p.getText();
                            } else if (t != JsonToken.VALUE_NULL) {
                                return false;
                            }
                        }
                        case "usage" -> {
                            bit = 4;
                            if (t == JsonToken.START_OBJECT) {
                                // The usage chunk: its object read as the tree path reads it (same mapper
                                // settings), the rest of the chunk not parsed a second time.
                                chunkUsage = SUBTREE.readValue(p);
                            } else if (t != JsonToken.VALUE_NULL) {
                                return false;
                            }
                        }
                        case "error" -> {
                            bit = 8;
                            if (t != JsonToken.VALUE_NULL) {
                                return false;
                            }
                        }
                        default -> {
                            bit = 0;
                            p.skipChildren();
                        }
                    }
                    if ((seen & bit) != 0) {
                        return false;
                    }
                    seen |= bit;
                }
                if (p.nextToken() != null) {
                    return false; // trailing tokens: the tree reader rejects them
                }
            } catch (java.io.IOException | RuntimeException e) {
                return false; // malformed: the tree path reports it
            }
            if (model == null) {
                model = chunkModel;
            }
            if (chunkUsage != null && OpenAiUsage.isReported(chunkUsage)) {
                OpenAiUsage.of(chunkUsage); // validated as it arrives, as on the tree path: a bad count fails the stream
                usage = chunkUsage;
            }
            if (piece != null) {
                text.accept(piece);
            }
            if (finish != null) {
                finishReason = finish;
            }
            return true;
        }

        /** The first choice (the parser at its START_OBJECT): {content, finish reason}, or null for the tree path. */
        private static String[] readPlainChoice(JsonParser p) throws java.io.IOException {
            String piece = null;
            String finish = null;
            boolean deltaSeen = false;
            boolean finishSeen = false;
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                if (name.equals("delta")) {
                    if (deltaSeen) {
                        return null;
                    }
                    deltaSeen = true;
                    if (t == JsonToken.START_OBJECT) {
                        boolean contentSeen = false;
                        for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
                            JsonToken v = p.nextToken();
                            if (f.equals("content")) {
                                if (contentSeen) {
                                    return null;
                                }
                                contentSeen = true;
                                if (v == JsonToken.VALUE_STRING) {
                                    piece = p.getText();
                                } else if (v != JsonToken.VALUE_NULL) {
                                    return null;
                                }
                            } else if (f.equals("tool_calls")) {
                                if (v != JsonToken.VALUE_NULL) {
                                    return null;
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else if (t != JsonToken.VALUE_NULL) {
                        return null;
                    }
                } else if (name.equals("finish_reason")) {
                    if (finishSeen) {
                        return null;
                    }
                    finishSeen = true;
                    if (t == JsonToken.VALUE_STRING) {
                        finish = p.getText();
                        if (finish.equals("error")) {
                            return null;
                        }
                    } else if (t != JsonToken.VALUE_NULL) {
                        return null;
                    }
                } else {
                    p.skipChildren();
                }
            }
            return new String[] {piece, finish};
        }

        @Override
        public ModelResponse response(String text) {
            java.util.List<dev.fusion.model.ToolCall> calls = tools.calls();
            if (usage == null) { // the stream never delivered usage: unknown, not zero
                return ModelResponse.withUnknownUsage(text, null, finishReason, model).withToolCalls(calls);
            }
            return OpenAiUsage.response(text, usage, finishReason, model).withToolCalls(calls);
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

    /**
     * Builds the provider request without sending it: every wire-format check runs, no network. A text-only
     * request with none of the features this wire format can refuse (images, tool parts or tools, a tool
     * choice, a response format, reasoning, extra body fields here or on the provider) is accepted without
     * building it: every ask validates each member's request before any call, and nothing in such a request
     * can fail {@code httpRequest}.
     */
    @Override
    public void validate(ModelRequest request) {
        if (request != null && nothingToRefuse(request)) {
            return;
        }
        http.validate(request);
    }

    /** Whether {@code r} has none of the features {@link #httpRequest} checks (see {@link #validate}). */
    private boolean nothingToRefuse(ModelRequest r) {
        if (r.responseFormat() != null || r.reasoning() != null || !r.extraBody().isEmpty() || r.hasTools()
                || r.toolChoice() != null || !providerExtraBody.isEmpty()) {
            return false;
        }
        for (ChatMessage m : r.messages()) {
            if (m.hasImages() || m.hasToolParts()) {
                return false;
            }
        }
        return true;
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
        return http.describe("OpenAiChatModel");
    }

    /** This wire format as the transport calls it. */
    private final class Wire implements WireCodec {
        @Override
        public Request.Builder httpRequest(ModelRequest request, boolean stream) {
            return OpenAiChatModel.this.httpRequest(request, stream);
        }

        @Override
        public ModelResponse parse(JsonNode body) {
            return OpenAiChatModel.this.parse(body);
        }

        @Override
        public StreamDecoder decoder() {
            return OpenAiChatModel.this.decoder();
        }
    }
}
