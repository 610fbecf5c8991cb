package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ResponseFormat;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolChoice;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;

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

    /** What one request asks for. */
    public record Parsed(String model, FusionRequest request, boolean stream, boolean includeUsage, boolean structured) {
    }

    /** A request the gateway refuses: becomes a 400. */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private Requests() {
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
                case "assistant" -> messages.add(openAiAssistant(m, callNames));
                case "tool" -> pendingResults.add(openAiToolResult(m, callNames));
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
        openAiTools(body, b);
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
        return new Parsed(model, build(b), stream, usage, structured);
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
                case "assistant" -> messages.add(anthropicAssistant(m.get("content"), callNames));
                default -> throw new BadRequest("messages.role must be user or assistant, was '" + clip(role) + "'");
            }
        }
        FusionRequest.Builder b = base(messages, system);
        anthropicTools(body, b);
        Integer max = intOrNull(body, "max_tokens");
        b.maxOutputTokens(max);
        temperature(body, b);
        return new Parsed(model, build(b), body.path("stream").asBoolean(false), false, false);
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
                        ToolCall call = toolCall(item.get("call_id"), item.get("name"), item.get("arguments"), "input[].function_call");
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
                        ToolResult result = toolResult(id, callNames, outputText(item.get("output"), "input[].output"), false,
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
        responsesTools(body, b);
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
        return new Parsed(model, build(b), body.path("stream").asBoolean(false), false, structured);
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

    /** The most tools one request may offer (each one's schema goes into every member's prompt). */
    static final int MAX_TOOLS = 128;

    private static List<JsonNode> toolArray(JsonNode body) {
        JsonNode tools = body.get("tools");
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw new BadRequest("'tools' must be an array");
        }
        if (tools.size() > MAX_TOOLS) {
            throw new BadRequest("'tools' has " + tools.size() + " tools; at most " + MAX_TOOLS + " are accepted");
        }
        List<JsonNode> out = new ArrayList<>();
        tools.forEach(out::add);
        return out;
    }

    private static ToolSpec toolSpec(JsonNode name, JsonNode description, JsonNode parameters, String field) {
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new BadRequest(field + ".name is required");
        }
        if (description != null && !description.isNull() && !description.isTextual()) {
            throw new BadRequest(field + ".description must be a string");
        }
        if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
            throw new BadRequest(field + " parameters must be a JSON Schema object");
        }
        try {
            return ToolSpec.of(name.asText(), description == null || description.isNull() ? "" : description.asText(),
                    parameters == null || parameters.isNull() ? null : parameters);
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest(field + " '" + clip(name.asText()) + "': " + e.getMessage());
        }
    }

    /** OpenAI Chat Completions: {@code tools[{type:function, function:{name, description, parameters}}]}, {@code tool_choice}. */
    private static void openAiTools(JsonNode body, FusionRequest.Builder b) {
        List<ToolSpec> specs = new ArrayList<>();
        for (JsonNode t : toolArray(body)) {
            String type = t.path("type").asText("function");
            if (!type.equals("function")) {
                throw new BadRequest("tools[].type must be 'function', was '" + clip(type) + "'");
            }
            JsonNode f = t.get("function");
            if (f == null || !f.isObject()) {
                throw new BadRequest("tools[].function must be an object with a name");
            }
            specs.add(toolSpec(f.get("name"), f.get("description"), f.get("parameters"), "tools[].function"));
        }
        b.tools(specs);
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            if (choice.isTextual()) {
                b.toolChoice(mode(choice.asText(), "auto", "required", "none", "tool_choice"));
            } else if (choice.isObject() && choice.path("function").path("name").isTextual()) {
                b.toolChoice(named(choice.path("function").path("name").asText()));
            } else {
                throw new BadRequest("tool_choice must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":...}}");
            }
        }
    }

    /** Anthropic: {@code tools[{name, description, input_schema}]}, {@code tool_choice{type: auto|any|tool|none}}. */
    private static void anthropicTools(JsonNode body, FusionRequest.Builder b) {
        List<ToolSpec> specs = new ArrayList<>();
        for (JsonNode t : toolArray(body)) {
            String type = t.path("type").asText("custom");
            if (!type.equals("custom")) {
                throw new BadRequest("tools: server tools ('" + clip(type) + "') are not supported; offer your own tools"
                        + " with name, description and input_schema");
            }
            specs.add(toolSpec(t.get("name"), t.get("description"), t.get("input_schema"), "tools"));
        }
        b.tools(specs);
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            String type = choice.path("type").asText("");
            if (type.equals("tool")) {
                if (!choice.path("name").isTextual()) {
                    throw new BadRequest("tool_choice.name is required when tool_choice.type is 'tool'");
                }
                b.toolChoice(named(choice.path("name").asText()));
            } else {
                b.toolChoice(mode(type, "auto", "any", "none", "tool_choice.type"));
            }
        }
    }

    /** OpenAI Responses: {@code tools[{type:function, name, description, parameters}]}, {@code tool_choice}. */
    private static void responsesTools(JsonNode body, FusionRequest.Builder b) {
        List<ToolSpec> specs = new ArrayList<>();
        for (JsonNode t : toolArray(body)) {
            String type = t.path("type").asText("");
            if (!type.equals("function")) {
                throw new BadRequest("tools[].type '" + clip(type) + "' is not supported: hosted tools do not run here;"
                        + " offer function tools");
            }
            specs.add(toolSpec(t.get("name"), t.get("description"), t.get("parameters"), "tools[]"));
        }
        b.tools(specs);
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            if (choice.isTextual()) {
                b.toolChoice(mode(choice.asText(), "auto", "required", "none", "tool_choice"));
            } else if (choice.isObject() && choice.path("type").asText("").equals("function") && choice.path("name").isTextual()) {
                b.toolChoice(named(choice.path("name").asText()));
            } else {
                throw new BadRequest("tool_choice must be auto, required, none or {\"type\":\"function\",\"name\":...}");
            }
        }
    }

    private static ToolChoice mode(String value, String auto, String required, String none, String field) {
        if (value.equals(auto)) {
            return ToolChoice.auto();
        }
        if (value.equals(required)) {
            return ToolChoice.required();
        }
        if (value.equals(none)) {
            return ToolChoice.none();
        }
        throw new BadRequest(field + " must be " + auto + ", " + required + ", " + none + " or a named tool, was '" + clip(value) + "'");
    }

    private static ToolChoice named(String name) {
        try {
            return ToolChoice.named(name);
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest("tool_choice: " + e.getMessage());
        }
    }

    private static ToolCall toolCall(JsonNode id, JsonNode name, JsonNode arguments, String field) {
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new BadRequest(field + ": the call's id is required");
        }
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new BadRequest(field + ": the call's name is required");
        }
        try {
            if (arguments == null || arguments.isNull()) {
                return new ToolCall(id.asText(), name.asText(), "{}");
            }
            if (arguments.isTextual()) {
                return new ToolCall(id.asText(), name.asText(), arguments.asText().isBlank() ? "{}" : arguments.asText());
            }
            return ToolCall.of(id.asText(), name.asText(), arguments);
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest(field + ": " + e.getMessage());
        }
    }

    private static ToolResult toolResult(String callId, Map<String, String> callNames, String content, boolean error, String field) {
        String name = callNames.get(callId);
        if (name == null) {
            throw new BadRequest(field + " '" + clip(callId) + "' answers no tool call of an earlier assistant turn");
        }
        try {
            return new ToolResult(callId, name, content, error);
        } catch (FusionException | IllegalArgumentException e) {
            throw new BadRequest(field + ": " + e.getMessage());
        }
    }

    /** A tool's output: a string, or text parts joined; any other JSON value as its JSON text. */
    private static String outputText(JsonNode output, String field) {
        if (output == null || output.isNull()) {
            return "";
        }
        if (output.isTextual()) {
            return output.asText();
        }
        if (output.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : output) {
                String type = p.path("type").asText("");
                if (!(type.equals("text") || type.equals("input_text") || type.equals("output_text"))) {
                    throw new BadRequest(field + ": only text parts are supported in a tool result, got '" + clip(type) + "'");
                }
                sb.append(p.path("text").asText(""));
            }
            return sb.toString();
        }
        return Json.write(output);
    }

    private static ChatMessage openAiAssistant(JsonNode m, Map<String, String> callNames) {
        String text = text(m.get("content"), "messages[].content");
        JsonNode calls = m.get("tool_calls");
        if (calls == null || calls.isNull() || (calls.isArray() && calls.isEmpty())) {
            return ChatMessage.assistant(text);
        }
        if (!calls.isArray()) {
            throw new BadRequest("messages[].tool_calls must be an array");
        }
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode c : calls) {
            JsonNode f = c.path("function");
            ToolCall call = toolCall(c.get("id"), f.get("name"), f.get("arguments"), "messages[].tool_calls[]");
            callNames.put(call.id(), call.name());
            out.add(call);
        }
        return ChatMessage.assistant(text, out);
    }

    private static ToolResult openAiToolResult(JsonNode m, Map<String, String> callNames) {
        String id = m.path("tool_call_id").asText("");
        return toolResult(id, callNames, outputText(m.get("content"), "messages[].content"), false, "messages[].tool_call_id");
    }

    private static ChatMessage anthropicAssistant(JsonNode content, Map<String, String> callNames) {
        if (content == null || !content.isArray()) {
            return ChatMessage.assistant(anthropicText(content, "messages.content"));
        }
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode p : content) {
            String type = p.path("type").asText("");
            switch (type) {
                case "text" -> text.append(p.path("text").asText(""));
                case "tool_use" -> {
                    ToolCall call = toolCall(p.get("id"), p.get("name"), p.has("input") ? p.get("input") : null,
                            "messages.content.tool_use");
                    callNames.put(call.id(), call.name());
                    calls.add(call);
                }
                case "thinking", "redacted_thinking" -> { }
                default -> throw new BadRequest("messages.content: block type '" + clip(type) + "' is not supported in an"
                        + " assistant turn (text, tool_use)");
            }
        }
        return calls.isEmpty() ? ChatMessage.assistant(text.toString()) : ChatMessage.assistant(text.toString(), calls);
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
    private static String text(JsonNode content, String field) {
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

    private static String anthropicText(JsonNode content, String field) {
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
                    case "tool_result" -> parts.add(toolResult(p.path("tool_use_id").asText(""), callNames,
                            outputText(p.get("content"), "messages.content.tool_result.content"),
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
