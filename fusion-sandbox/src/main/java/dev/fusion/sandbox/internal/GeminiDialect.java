package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.OutputMode;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * Gemini API, following the Gemini API reference: {@code models.generateContent} and
 * {@code models.streamGenerateContent} returning {@code GenerateContentResponse}
 * ({@code candidates[].content.parts[].text}, {@code role: "model"}, {@code finishReason},
 * {@code usageMetadata} with {@code promptTokenCount} (includes {@code cachedContentTokenCount}),
 * {@code candidatesTokenCount} (excludes {@code thoughtsTokenCount}), {@code totalTokenCount},
 * {@code modelVersion}, {@code responseId}); with {@code ?alt=sse} each chunk is one
 * {@code data:} event, every chunk carries usage so far and the last one (with
 * {@code finishReason}) is final; without {@code alt=sse} the stream is a JSON array of the same
 * chunks. Errors follow the Google API error model used by the Gemini API
 * ({@code {"error":{"code","message","status"}}}, e.g. 429 {@code RESOURCE_EXHAUSTED}).
 */
public final class GeminiDialect implements Dialect {

    @Override
    public WireFormat format() {
        return WireFormat.GEMINI;
    }

    @Override
    public WireRequest parse(JsonNode body, String pathModel, boolean pathStream, String apiKey) {
        JsonNode si = body.has("systemInstruction") ? body.get("systemInstruction") : body.get("system_instruction");
        String system = si == null ? "" : Dialect.contentText(si.get("parts"));
        List<WireRequest.Message> messages = new ArrayList<>();
        for (JsonNode c : body.path("contents")) {
            String role = c.path("role").asText("user");
            messages.add(new WireRequest.Message(role.equals("model") ? "assistant" : "user",
                    Dialect.contentText(c.get("parts"))));
        }
        JsonNode gc = body.has("generationConfig") ? body.get("generationConfig") : body.path("generation_config");
        Integer max = Dialect.intOrNull(gc.get("maxOutputTokens"));
        if (max == null) {
            max = Dialect.intOrNull(gc.get("max_output_tokens"));
        }
        // generationConfig.responseMimeType "application/json" with responseJsonSchema (JSON Schema) or the
        // older responseSchema (an OpenAPI subset: upper-case type names, nullable)
        JsonNode schema = gc.get("responseJsonSchema");
        if (schema == null) {
            schema = gc.get("response_json_schema");
        }
        if (schema == null && (gc.has("responseSchema") || gc.has("response_schema"))) {
            schema = OpenApiSchemas.toJsonSchema(gc.has("responseSchema") ? gc.get("responseSchema") : gc.get("response_schema"));
        }
        String mime = gc.has("responseMimeType") ? gc.path("responseMimeType").asText("") : gc.path("response_mime_type").asText("");
        OutputMode mode = schema != null && schema.isObject() ? OutputMode.JSON_SCHEMA
                : mime.equals("application/json") ? OutputMode.JSON : OutputMode.TEXT;
        return ToolWireSandbox.gemini(new WireRequest(WireFormat.GEMINI, pathModel, system, messages, max, pathStream, true, apiKey, 0, mode,
                mode == OutputMode.JSON_SCHEMA ? schema.toString() : null), body);
    }

    @Override
    public Usage normalize(Usage u) {
        // Gemini reports cache reads (cachedContentTokenCount) but no cache writes: written tokens are plain input.
        return new Usage(u.input() + u.cacheWrite(), u.cacheRead(), 0, 0, u.output(), u.reasoning());
    }

    /** Gemini's SSE events end with CRLF line ends (equally valid SSE). */
    @Override
    public String eventEnd() {
        return "\r\n\r\n";
    }

    private static ObjectNode usageNode(Usage u, long candidates) {
        ObjectNode usage = Dialect.object();
        long prompt = u.promptTokens();
        usage.put("promptTokenCount", prompt);
        usage.put("candidatesTokenCount", candidates);
        usage.put("totalTokenCount", prompt + candidates + u.reasoning());
        if (u.cacheRead() > 0) {
            usage.put("cachedContentTokenCount", u.cacheRead());
        }
        if (u.reasoning() > 0) {
            usage.put("thoughtsTokenCount", u.reasoning());
        }
        ObjectNode detail = usage.putArray("promptTokensDetails").addObject();
        detail.put("modality", "TEXT");
        detail.put("tokenCount", prompt);
        if (u.cacheRead() > 0) {
            ObjectNode cache = usage.putArray("cacheTokensDetails").addObject();
            cache.put("modality", "TEXT");
            cache.put("tokenCount", u.cacheRead());
        }
        return usage;
    }

    private static ObjectNode response(Call call, String text, String finishReason, long candidates) {
        ObjectNode root = Dialect.object();
        ObjectNode cand = root.putArray("candidates").addObject();
        ObjectNode content = cand.putObject("content");
        var parts = content.putArray("parts");
        if (!text.isEmpty() || finishReason == null || call.toolCalls().isEmpty()) {
            parts.addObject().put("text", text);
        }
        if (finishReason != null) {
            ToolWireSandbox.geminiParts(parts, call); // the calls come whole, in the final chunk
        }
        content.put("role", "model");
        if (finishReason != null) {
            cand.put("finishReason", finishReason);
        }
        cand.put("index", 0);
        root.set("usageMetadata", usageNode(call.usage(), candidates));
        root.put("modelVersion", call.request().model());
        root.put("responseId", call.id());
        return root;
    }

    private static String finish(Call call) {
        return call.clipped() ? "MAX_TOKENS" : "STOP";
    }

    @Override
    public String body(Call call) {
        return Dialect.write(response(call, call.text(), finish(call), call.usage().output()));
    }

    @Override
    public Stream stream(Call call) {
        List<String> chunks = call.chunks().isEmpty() ? List.of("") : call.chunks();
        List<Event> deltas = new ArrayList<>();
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < chunks.size() - 1; i++) {
            sent.append(chunks.get(i));
            long soFar = Math.min(call.usage().output(), Text.tokens(sent.toString()));
            deltas.add(new Event(null, Dialect.write(response(call, chunks.get(i), null, soFar))));
        }
        Event last = new Event(null, Dialect.write(response(call, chunks.get(chunks.size() - 1), finish(call),
                call.usage().output())));
        return new Stream(List.of(), deltas, List.of(last));
    }

    private static String[] statusAndMessage(int code) {
        switch (code) {
            case 400: return new String[] {"INVALID_ARGUMENT", "Request contains an invalid argument."};
            case 401: return new String[] {"UNAUTHENTICATED", "API key not valid. Please pass a valid API key."};
            case 403: return new String[] {"PERMISSION_DENIED", "The caller does not have permission."};
            case 404: return new String[] {"NOT_FOUND", null};
            case 409: return new String[] {"ABORTED", "The request was aborted."};
            case 429: return new String[] {"RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."};
            case 500: return new String[] {"INTERNAL", "An internal error has occurred. Please retry."};
            case 503: return new String[] {"UNAVAILABLE", "The model is overloaded. Please try again later."};
            case 504: return new String[] {"DEADLINE_EXCEEDED", "The request timed out. Please try again."};
            default:
                return code >= 500
                        ? new String[] {"UNAVAILABLE", "HTTP " + code + " (sandbox fault)."}
                        : new String[] {"INVALID_ARGUMENT", "HTTP " + code + " (sandbox fault)."};
        }
    }

    private static ObjectNode error(int code, String status, String message) {
        ObjectNode root = Dialect.object();
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message);
        error.put("status", status);
        return root;
    }

    @Override
    public String errorBody(Call call, int status, String message) {
        String[] sm = statusAndMessage(status);
        String text = message != null ? message
                : sm[1] != null ? sm[1]
                : "models/" + call.request().model() + " is not found for API version v1beta.";
        return Dialect.write(error(status, sm[0], text));
    }

    @Override
    public Event streamError(Call call, String message) {
        return new Event(null, Dialect.write(error(503, "UNAVAILABLE",
                message != null ? message : "The model is overloaded. Please try again later.")));
    }
}
