package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolChoice;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tool parts of the three APIs' request bodies: offered function tools and tool choices, assistant tool
 * calls and tool results, as the library's {@link ToolSpec}, {@link ToolChoice}, {@link ToolCall} and
 * {@link ToolResult}. A malformed part is a {@link Requests.BadRequest} naming the field. Stateless.
 */
final class ToolRequests {

    private ToolRequests() {
    }

    /** The most tools one request may offer (each one's schema goes into every member's prompt). */
    static final int MAX_TOOLS = 128;

    static List<JsonNode> toolArray(JsonNode body) {
        JsonNode tools = body.get("tools");
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw new Requests.BadRequest("'tools' must be an array");
        }
        if (tools.size() > MAX_TOOLS) {
            throw new Requests.BadRequest("'tools' has " + tools.size() + " tools; at most " + MAX_TOOLS + " are accepted");
        }
        List<JsonNode> out = new ArrayList<>();
        tools.forEach(out::add);
        return out;
    }

    static ToolSpec toolSpec(JsonNode name, JsonNode description, JsonNode parameters, String field) {
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new Requests.BadRequest(field + ".name is required");
        }
        if (description != null && !description.isNull() && !description.isTextual()) {
            throw new Requests.BadRequest(field + ".description must be a string");
        }
        if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
            throw new Requests.BadRequest(field + " parameters must be a JSON Schema object");
        }
        try {
            return ToolSpec.of(name.asText(), description == null || description.isNull() ? "" : description.asText(),
                    parameters == null || parameters.isNull() ? null : parameters);
        } catch (FusionException | IllegalArgumentException e) {
            throw new Requests.BadRequest(field + " '" + Requests.clip(name.asText()) + "': " + e.getMessage());
        }
    }

    /** OpenAI Chat Completions: {@code tools[{type:function, function:{name, description, parameters}}]}, {@code tool_choice}. */
    static void openAiTools(JsonNode body, FusionRequest.Builder b) {
        List<ToolSpec> specs = new ArrayList<>();
        for (JsonNode t : toolArray(body)) {
            String type = t.path("type").asText("function");
            if (!type.equals("function")) {
                throw new Requests.BadRequest("tools[].type must be 'function', was '" + Requests.clip(type) + "'");
            }
            JsonNode f = t.get("function");
            if (f == null || !f.isObject()) {
                throw new Requests.BadRequest("tools[].function must be an object with a name");
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
                throw new Requests.BadRequest("tool_choice must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":...}}");
            }
        }
    }

    /** Anthropic: {@code tools[{name, description, input_schema}]}, {@code tool_choice{type: auto|any|tool|none}}. */
    static void anthropicTools(JsonNode body, FusionRequest.Builder b) {
        List<ToolSpec> specs = new ArrayList<>();
        for (JsonNode t : toolArray(body)) {
            String type = t.path("type").asText("custom");
            if (!type.equals("custom")) {
                throw new Requests.BadRequest("tools: server tools ('" + Requests.clip(type) + "') are not supported; offer your own tools"
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
                    throw new Requests.BadRequest("tool_choice.name is required when tool_choice.type is 'tool'");
                }
                b.toolChoice(named(choice.path("name").asText()));
            } else {
                b.toolChoice(mode(type, "auto", "any", "none", "tool_choice.type"));
            }
        }
    }

    /** OpenAI Responses: {@code tools[{type:function, name, description, parameters}]}, {@code tool_choice}. */
    static void responsesTools(JsonNode body, FusionRequest.Builder b) {
        List<ToolSpec> specs = new ArrayList<>();
        for (JsonNode t : toolArray(body)) {
            String type = t.path("type").asText("");
            if (!type.equals("function")) {
                throw new Requests.BadRequest("tools[].type '" + Requests.clip(type) + "' is not supported: hosted tools do not run here;"
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
                throw new Requests.BadRequest("tool_choice must be auto, required, none or {\"type\":\"function\",\"name\":...}");
            }
        }
    }

    static ToolChoice mode(String value, String auto, String required, String none, String field) {
        if (value.equals(auto)) {
            return ToolChoice.auto();
        }
        if (value.equals(required)) {
            return ToolChoice.required();
        }
        if (value.equals(none)) {
            return ToolChoice.none();
        }
        throw new Requests.BadRequest(field + " must be " + auto + ", " + required + ", " + none + " or a named tool, was '" + Requests.clip(value) + "'");
    }

    static ToolChoice named(String name) {
        try {
            return ToolChoice.named(name);
        } catch (FusionException | IllegalArgumentException e) {
            throw new Requests.BadRequest("tool_choice: " + e.getMessage());
        }
    }

    static ToolCall toolCall(JsonNode id, JsonNode name, JsonNode arguments, String field) {
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new Requests.BadRequest(field + ": the call's id is required");
        }
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new Requests.BadRequest(field + ": the call's name is required");
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
            throw new Requests.BadRequest(field + ": " + e.getMessage());
        }
    }

    static ToolResult toolResult(String callId, Map<String, String> callNames, String content, boolean error, String field) {
        String name = callNames.get(callId);
        if (name == null) {
            throw new Requests.BadRequest(field + " '" + Requests.clip(callId) + "' answers no tool call of an earlier assistant turn");
        }
        try {
            return new ToolResult(callId, name, content, error);
        } catch (FusionException | IllegalArgumentException e) {
            throw new Requests.BadRequest(field + ": " + e.getMessage());
        }
    }

    /** A tool's output: a string, or text parts joined; any other JSON value as its JSON text. */
    static String outputText(JsonNode output, String field) {
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
                    throw new Requests.BadRequest(field + ": only text parts are supported in a tool result, got '" + Requests.clip(type) + "'");
                }
                sb.append(p.path("text").asText(""));
            }
            return sb.toString();
        }
        return Json.write(output);
    }

    static ChatMessage openAiAssistant(JsonNode m, Map<String, String> callNames) {
        String text = Requests.text(m.get("content"), "messages[].content");
        JsonNode calls = m.get("tool_calls");
        if (calls == null || calls.isNull() || (calls.isArray() && calls.isEmpty())) {
            return ChatMessage.assistant(text);
        }
        if (!calls.isArray()) {
            throw new Requests.BadRequest("messages[].tool_calls must be an array");
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

    static ToolResult openAiToolResult(JsonNode m, Map<String, String> callNames) {
        String id = m.path("tool_call_id").asText("");
        return toolResult(id, callNames, outputText(m.get("content"), "messages[].content"), false, "messages[].tool_call_id");
    }

    static ChatMessage anthropicAssistant(JsonNode content, Map<String, String> callNames) {
        if (content == null || !content.isArray()) {
            return ChatMessage.assistant(Requests.anthropicText(content, "messages.content"));
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
                default -> throw new Requests.BadRequest("messages.content: block type '" + Requests.clip(type) + "' is not supported in an"
                        + " assistant turn (text, tool_use)");
            }
        }
        return calls.isEmpty() ? ChatMessage.assistant(text.toString()) : ChatMessage.assistant(text.toString(), calls);
    }
}
