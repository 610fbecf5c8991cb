package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ResponseFormat;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the three APIs' request bodies into a {@link FusionRequest}. Anything the gateway cannot honour
 * is refused with a 400 naming the field, rather than silently dropped: hosted (server-side) tools, several
 * choices, audio. The caller's function tools, tool choices, assistant tool calls and tool results map to
 * the library's {@link ToolSpec}, {@link ToolChoice}, {@link ToolCall} and {@link ToolResult}. Stateless.
 */
public final class Requests {

    /**
     * What one request asks for.
     *
     * @param singleCall the client asked for at most one tool call per step ({@code parallel_tool_calls: false},
     *                   Anthropic's {@code tool_choice.disable_parallel_tool_use: true}): a decision of several
     *                   calls reaches it as its first call only
     */
    public record Parsed(String model, FusionRequest request, boolean stream, boolean includeUsage, boolean structured,
                         boolean singleCall) {

        public Parsed(String model, FusionRequest request, boolean stream, boolean includeUsage, boolean structured) {
            this(model, request, stream, includeUsage, structured, false);
        }
    }

    /** A request the gateway refuses: becomes a 400. */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private Requests() {
    }

    /** OpenAI's {@code parallel_tool_calls}: {@code false} asks for at most one call per step (true by default). */
    static boolean noParallelCalls(JsonNode body) {
        JsonNode p = body.get("parallel_tool_calls");
        if (p == null || p.isNull()) {
            return false;
        }
        if (!p.isBoolean()) {
            throw new BadRequest("parallel_tool_calls must be true or false");
        }
        return !p.booleanValue();
    }

    // ------------------------------------------------------------------ OpenAI chat completions

    public static Parsed chat(JsonNode body) {
        requireObject(body);
        String model = model(body);
        if (body.hasNonNull("n") && body.get("n").asInt(1) != 1) {
            throw new BadRequest("'n' must be 1: a fusion gives one answer");
        }
        JsonNode msgs = body.get("messages");
        if (msgs == null || !msgs.isArray() || msgs.isEmpty()) {
            throw new BadRequest("'messages' must be a non-empty array");
        }
        StringBuilder system = new StringBuilder();
        List<ChatMessage> messages = new ArrayList<>();
        Map<String, String> callNames = new HashMap<>();
        List<ContentPart> pendingResults = new ArrayList<>();
        for (JsonNode m : msgs) {
            String role = m.path("role").asText("");
            if (!role.equals("tool") && !pendingResults.isEmpty()) {
                messages.add(new ChatMessage(MessageRole.USER, List.copyOf(pendingResults)));
                pendingResults.clear();
            }
            switch (role) {
                case "system", "developer" -> appendSystem(system, text(m.get("content"), "messages[].content"));
                case "user" -> messages.add(new ChatMessage(MessageRole.USER, openAiParts(m.get("content"))));
                case "assistant" -> messages.add(ToolRequests.openAiAssistant(m, callNames));
                case "tool" -> pendingResults.add(ToolRequests.openAiToolResult(m, callNames));
                case "function" -> throw new BadRequest("role 'function' (the deprecated function calling) is not supported;"
                        + " send tool results as role 'tool' with tool_call_id");
                default -> throw new BadRequest("messages[].role must be system, developer, user, assistant or tool, was '"
                        + clip(role) + "'");
            }
        }
        if (!pendingResults.isEmpty()) {
            messages.add(new ChatMessage(MessageRole.USER, List.copyOf(pendingResults)));
        }
        FusionRequest.Builder b = base(messages, system);
        ToolRequests.openAiTools(body, b);
        Integer max = intOrNull(body, "max_completion_tokens");
        if (max == null) {
            max = intOrNull(body, "max_tokens");
        }
        if (max != null) {
            b.maxOutputTokens(max);
        }
        temperature(body, b);
        boolean structured = false;
        JsonNode rf = body.get("response_format");
        if (rf != null && !rf.isNull()) {
            String type = rf.path("type").asText("");
            switch (type) {
                case "text" -> { }
                case "json_object" -> {
                    b.responseFormat(ResponseFormat.json());
                    structured = true;
                }
                case "json_schema" -> {
                    JsonNode js = rf.path("json_schema");
                    b.responseFormat(schema(js.path("name").asText(null), js.get("schema"), "response_format.json_schema.schema"));
                    structured = true;
                }
                default -> throw new BadRequest("response_format.type must be text, json_object or json_schema, was '" + clip(type) + "'");
            }
        }
        boolean stream = body.path("stream").asBoolean(false);
        boolean usage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
        return new Parsed(model, build(b), stream, usage, structured, noParallelCalls(body));
    }

    // ------------------------------------------------------------------ Anthropic messages

    public static Parsed messages(JsonNode body) {
        requireObject(body);
        String model = model(body);
        JsonNode msgs = body.get("messages");
        if (msgs == null || !msgs.isArray() || msgs.isEmpty()) {
            throw new BadRequest("messages: must be a non-empty array");
        }
        if (!body.hasNonNull("max_tokens")) {
            throw new BadRequest("max_tokens: Field required");
        }
        StringBuilder system = new StringBuilder();
        JsonNode sys = body.get("system");
        if (sys != null && !sys.isNull()) {
            appendSystem(system, anthropicText(sys, "system"));
        }
        List<ChatMessage> messages = new ArrayList<>();
        Map<String, String> callNames = new HashMap<>();
        for (JsonNode m : msgs) {
            String role = m.path("role").asText("");
            switch (role) {
                case "user" -> messages.add(new ChatMessage(MessageRole.USER, anthropicParts(m.get("content"), callNames)));
                case "assistant" -> messages.add(ToolRequests.anthropicAssistant(m.get("content"), callNames));
                default -> throw new BadRequest("messages.role must be user or assistant, was '" + clip(role) + "'");
            }
        }
        FusionRequest.Builder b = base(messages, system);
        ToolRequests.anthropicTools(body, b);
        Integer max = intOrNull(body, "max_tokens");
        b.maxOutputTokens(max);
        temperature(body, b);
        boolean single = body.path("tool_choice").path("disable_parallel_tool_use").asBoolean(false);
        return new Parsed(model, build(b), body.path("stream").asBoolean(false), false, false, single);
    }

    // ------------------------------------------------------------------ OpenAI responses

    public static Parsed responses(JsonNode body) {
        requireObject(body);
        String model = model(body);
        if (body.hasNonNull("previous_response_id")) {
            throw new BadRequest("previous_response_id is not supported: this gateway stores no responses; send the"
                    + " conversation in 'input'");
        }
        StringBuilder system = new StringBuilder();
        if (body.hasNonNull("instructions")) {
            appendSystem(system, text(body.get("instructions"), "instructions"));
        }
        List<ChatMessage> messages = new ArrayList<>();
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw new BadRequest("'input' is required");
        }
        if (input.isTextual()) {
            messages.add(ChatMessage.user(input.asText()));
        } else if (input.isArray()) {
            Map<String, String> callNames = new HashMap<>();
            for (JsonNode item : input) {
                String type = item.path("type").asText("message");
                switch (type) {
                    case "message" -> {
                        String role = item.path("role").asText("");
                        String t = responsesText(item.get("content"));
                        switch (role) {
                            case "system", "developer" -> appendSystem(system, t);
                            case "user" -> messages.add(ChatMessage.user(t));
                            case "assistant" -> messages.add(ChatMessage.assistant(t));
                            default -> throw new BadRequest("input[].role must be system, developer, user or assistant, was '"
                                    + clip(role) + "'");
                        }
                    }
                    case "function_call" -> {
                        ToolCall call = ToolRequests.toolCall(item.get("call_id"), item.get("name"), item.get("arguments"), "input[].function_call");
                        callNames.put(call.id(), call.name());
                        ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                        if (last != null && last.role() == MessageRole.ASSISTANT) {
                            messages.set(messages.size() - 1, last.with(List.of(call)));
                        } else {
                            messages.add(ChatMessage.assistant("", List.of(call)));
                        }
                    }
                    case "function_call_output" -> {
                        String id = item.path("call_id").asText("");
                        ToolResult result = ToolRequests.toolResult(id, callNames, ToolRequests.outputText(item.get("output"), "input[].output"), false,
                                "input[].function_call_output.call_id");
                        ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                        if (last != null && last.role() == MessageRole.USER && !last.toolResults().isEmpty()) {
                            messages.set(messages.size() - 1, last.with(List.of(result)));
                        } else {
                            messages.add(ChatMessage.toolResults(List.of(result)));
                        }
                    }
                    default -> throw new BadRequest("input items of type '" + clip(type) + "' are not supported (message,"
                            + " function_call, function_call_output)");
                }
            }
        } else {
            throw new BadRequest("'input' must be a string or an array of messages");
        }
        FusionRequest.Builder b = base(messages, system);
        ToolRequests.responsesTools(body, b);
        Integer max = intOrNull(body, "max_output_tokens");
        if (max != null) {
            b.maxOutputTokens(max);
        }
        temperature(body, b);
        boolean structured = false;
        JsonNode fmt = body.path("text").path("format");
        if (fmt.isObject()) {
            String type = fmt.path("type").asText("text");
            if (type.equals("json_schema")) {
                b.responseFormat(schema(fmt.path("name").asText(null), fmt.get("schema"), "text.format.schema"));
                structured = true;
            } else if (type.equals("json_object")) {
                b.responseFormat(ResponseFormat.json());
                structured = true;
            } else if (!type.equals("text")) {
                throw new BadRequest("text.format.type must be text, json_object or json_schema, was '" + clip(type) + "'");
            }
        }
        return new Parsed(model, build(b), body.path("stream").asBoolean(false), false, structured, noParallelCalls(body));
    }

    // ------------------------------------------------------------------ helpers

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new BadRequest("the request body must be a JSON object");
        }
    }

    private static String model(JsonNode body) {
        JsonNode m = body.get("model");
        if (m == null || !m.isTextual() || m.asText().isBlank()) {
            throw new BadRequest("'model' is required, e.g. \"fusion/default\"");
        }
        return m.asText();
    }

    private static FusionRequest.Builder base(List<ChatMessage> messages, StringBuilder system) {
        if (messages.isEmpty()) {
            throw new BadRequest("the conversation has no user message");
        }
        FusionRequest.Builder b = FusionRequest.builder().messages(messages);
        if (!system.isEmpty()) {
            b.system(system.toString());
        }
        return b;
    }

    private static FusionRequest build(FusionRequest.Builder b) {
        try {
            return b.build();
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static void temperature(JsonNode body, FusionRequest.Builder b) {
        JsonNode t = body.get("temperature");
        if (t != null && !t.isNull()) {
            if (!t.isNumber()) {
                throw new BadRequest("'temperature' must be a number");
            }
            b.temperature(t.asDouble());
        }
    }

    private static Integer intOrNull(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
            throw new BadRequest("'" + field + "' must be a positive integer");
        }
        return n.asInt();
    }

    private static ResponseFormat schema(String name, JsonNode schema, String field) {
        if (schema == null || !schema.isObject()) {
            throw new BadRequest("'" + field + "' must be a JSON Schema object");
        }
        try {
            return ResponseFormat.jsonSchema(name == null || name.isBlank() ? "answer" : name, schema);
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest(field + ": " + e.getMessage());
        }
    }

    private static void appendSystem(StringBuilder system, String text) {
        if (!system.isEmpty()) {
            system.append("\n\n");
        }
        system.append(text);
    }

    /** A string content, or the text parts of an array joined. */
    static String text(JsonNode content, String field) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : content) {
                String type = p.path("type").asText("");
                if (!type.equals("text")) {
                    throw new BadRequest(field + ": only text parts are supported here, got '" + clip(type) + "'");
                }
                sb.append(p.path("text").asText(""));
            }
            return sb.toString();
        }
        throw new BadRequest(field + " must be a string or an array of parts");
    }

    private static List<ContentPart> openAiParts(JsonNode content) {
        if (content != null && content.isArray()) {
            List<ContentPart> parts = new ArrayList<>();
            for (JsonNode p : content) {
                String type = p.path("type").asText("");
                switch (type) {
                    case "text" -> parts.add(ContentPart.text(p.path("text").asText("")));
                    case "image_url" -> parts.add(image(p.path("image_url").path("url").asText("")));
                    default -> throw new BadRequest("messages[].content[].type '" + clip(type) + "' is not supported (text, image_url)");
                }
            }
            return parts;
        }
        return List.of(ContentPart.text(text(content, "messages[].content")));
    }

    private static ContentPart image(String url) {
        try {
            if (url.startsWith("data:")) {
                int comma = url.indexOf(',');
                String meta = comma < 0 ? "" : url.substring(5, comma);
                if (comma < 0 || !meta.endsWith(";base64")) {
                    throw new BadRequest("an image data URL must be data:<type>;base64,<data>");
                }
                return ContentPart.image(Base64.getDecoder().decode(url.substring(comma + 1)), meta.substring(0, meta.length() - 7));
            }
            return ContentPart.imageUrl(url);
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest("image: " + e.getMessage());
        }
    }

    static String anthropicText(JsonNode content, String field) {
        if (content != null && content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : content) {
                String type = p.path("type").asText("");
                if (type.equals("tool_use") || type.equals("tool_result")) {
                    throw new BadRequest(field + ": tool blocks are not allowed here");
                }
                if (!type.equals("text")) {
                    throw new BadRequest(field + ": block type '" + clip(type) + "' is not supported here (text)");
                }
                sb.append(p.path("text").asText(""));
            }
            return sb.toString();
        }
        return text(content, field);
    }

    private static List<ContentPart> anthropicParts(JsonNode content, Map<String, String> callNames) {
        if (content != null && content.isArray()) {
            List<ContentPart> parts = new ArrayList<>();
            for (JsonNode p : content) {
                String type = p.path("type").asText("");
                switch (type) {
                    case "text" -> parts.add(ContentPart.text(p.path("text").asText("")));
                    case "image" -> {
                        JsonNode src = p.path("source");
                        try {
                            if (src.path("type").asText("").equals("base64")) {
                                parts.add(ContentPart.image(Base64.getDecoder().decode(src.path("data").asText("")),
                                        src.path("media_type").asText("")));
                            } else if (src.path("type").asText("").equals("url")) {
                                parts.add(ContentPart.imageUrl(src.path("url").asText("")));
                            } else {
                                throw new BadRequest("messages.content.source.type must be base64 or url");
                            }
                        } catch (FusionException | IllegalArgumentException e) {
                            throw new BadRequest("image: " + e.getMessage());
                        }
                    }
                    case "tool_result" -> parts.add(ToolRequests.toolResult(p.path("tool_use_id").asText(""), callNames,
                            ToolRequests.outputText(p.get("content"), "messages.content.tool_result.content"),
                            p.path("is_error").asBoolean(false), "messages.content.tool_result.tool_use_id"));
                    case "tool_use" -> throw new BadRequest("messages.content: tool_use blocks belong in assistant turns");
                    default -> throw new BadRequest("messages.content block type '" + clip(type) + "' is not supported (text, image)");
                }
            }
            return parts;
        }
        return List.of(ContentPart.text(text(content, "messages.content")));
    }

    private static String responsesText(JsonNode content) {
        if (content != null && content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : content) {
                String type = p.path("type").asText("");
                if (!(type.equals("input_text") || type.equals("output_text") || type.equals("text"))) {
                    throw new BadRequest("input[].content[].type '" + clip(type) + "' is not supported (input_text)");
                }
                sb.append(p.path("text").asText(""));
            }
            return sb.toString();
        }
        return text(content, "input[].content");
    }

    static String clip(String s) {
        String t = s == null ? "" : s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 40 ? t.substring(0, 40) + "..." : t;
    }
}
