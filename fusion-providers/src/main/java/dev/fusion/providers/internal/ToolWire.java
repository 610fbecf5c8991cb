package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolChoice;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Tool calling on the three wire formats: the request side (tools, tool choice, assistant tool-call
 * turns, tool results) and the answer side (tool calls in a complete answer). Streamed tool calls are
 * assembled by {@link ToolCallAssembler}. Stateless and thread-safe.
 *
 * <ul>
 *   <li><b>OpenAI-compatible</b>: {@code tools: [{"type":"function","function":{name, description,
 *       parameters}}]}, {@code tool_choice} ({@code "auto"|"required"|"none"|{"type":"function",
 *       "function":{"name"}}}); an assistant turn {@code {"role":"assistant","content":<text or null>,
 *       "tool_calls":[{id, "type":"function", "function":{name, arguments:<JSON text>}}]}}; each result
 *       its own {@code {"role":"tool","tool_call_id","content"}} message (a failed one's content starts
 *       with {@value #ERROR_PREFIX}: the format has no error flag).</li>
 *   <li><b>Anthropic</b>: {@code tools: [{name, description, input_schema}]}, {@code tool_choice:
 *       {"type":"auto"|"any"|"none"}} or {@code {"type":"tool","name"}}; {@code tool_use} blocks
 *       {@code {id, name, input:<object>}} in the assistant turn; {@code tool_result} blocks
 *       {@code {tool_use_id, content, is_error: true?}} first in the user turn.</li>
 *   <li><b>Gemini</b>: {@code tools: [{"functionDeclarations":[{name, description,
 *       parametersJsonSchema}]}]} (full JSON Schema, as {@code responseJsonSchema} for structured output),
 *       {@code toolConfig.functionCallingConfig.mode} {@code AUTO|ANY|NONE} (a named choice: {@code ANY}
 *       with {@code allowedFunctionNames}); a model turn's call part {@code {"functionCall":{name, args,
 *       id?}, "thoughtSignature"?}} with the signature sent back exactly as received; a result part
 *       {@code {"functionResponse":{name, response:<object>, id?}}} (a JSON-object content as it is, other
 *       text as {@code {"result": text}}, a failure as {@code {"error": text}}).</li>
 * </ul>
 */
public final class ToolWire {

    /** Prepended to a failed result's content where the format has no error flag. */
    public static final String ERROR_PREFIX = "Error: ";

    private ToolWire() {
    }

    // ------------------------------------------------------------------ OpenAI-compatible

    /** Puts {@code tools} and {@code tool_choice} when the request offers tools or sets a choice. */
    public static void openAiTools(ObjectNode body, ModelRequest request) {
        if (request.hasTools()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec t : request.tools()) {
                ObjectNode f = tools.addObject().put("type", "function").putObject("function");
                f.put("name", t.name());
                if (!t.description().isEmpty()) {
                    f.put("description", t.description());
                }
                f.set("parameters", t.parametersObject().deepCopy());
            }
        }
        ToolChoice c = request.toolChoice();
        if (c != null) {
            switch (c.mode()) {
                case AUTO -> body.put("tool_choice", "auto");
                case REQUIRED -> body.put("tool_choice", "required");
                case NONE -> body.put("tool_choice", "none");
                case NAMED -> body.putObject("tool_choice").put("type", "function")
                        .putObject("function").put("name", c.toolName());
            }
        }
    }

    /**
     * Writes a message with tool parts: an assistant turn with {@code tool_calls}, or a user turn's results
     * as {@code role: tool} messages followed by a user message with its other parts (if any).
     *
     * @param rest writes a user message of the non-tool parts (text and images) the usual way
     */
    public static void openAiMessage(ArrayNode messages, ChatMessage m, java.util.function.BiConsumer<ArrayNode, ChatMessage> rest) {
        if (m.role() == MessageRole.ASSISTANT) {
            ObjectNode msg = messages.addObject().put("role", "assistant");
            String text = m.content();
            if (text.isEmpty()) {
                msg.putNull("content");
            } else {
                msg.put("content", text);
            }
            ArrayNode calls = msg.putArray("tool_calls");
            for (ToolCall c : m.toolCalls()) {
                ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
                call.putObject("function").put("name", c.name()).put("arguments", c.argumentsJson());
            }
            return;
        }
        List<ContentPart> others = new ArrayList<>();
        for (ContentPart p : m.parts()) {
            if (p instanceof ToolResult r) {
                messages.addObject().put("role", "tool").put("tool_call_id", r.callId())
                        .put("content", r.error() ? ERROR_PREFIX + r.content() : r.content());
            } else {
                others.add(p);
            }
        }
        if (!others.isEmpty()) {
            rest.accept(messages, new ChatMessage(MessageRole.USER, others));
        }
    }

    /** The tool calls of an OpenAI {@code message} (or {@code []}); calls without an id get a made-up one. */
    public static List<ToolCall> openAiCalls(JsonNode message) {
        JsonNode calls = message == null ? null : message.get("tool_calls");
        if (calls == null || !calls.isArray() || calls.isEmpty()) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode c : calls) {
            String type = Json.text(c, "type");
            if (type != null && !type.equals("function")) {
                continue; // custom / server tools are not the caller's functions
            }
            JsonNode f = c.get("function");
            String name = Json.text(f, "name");
            if (name == null || name.isEmpty()) {
                throw new MalformedFieldException("tool call #" + out.size() + " has no function name");
            }
            JsonNode args = f.get("arguments");
            String json = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
            String id = Json.text(c, "id");
            out.add(new ToolCall(id == null || id.isEmpty() ? ToolCall.SYNTHETIC_ID_PREFIX + out.size() : id, name, json));
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------ Anthropic

    /** Puts {@code tools} and {@code tool_choice} when the request offers tools or sets a choice. */
    public static void anthropicTools(ObjectNode body, ModelRequest request) {
        if (request.hasTools()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec t : request.tools()) {
                ObjectNode o = tools.addObject().put("name", t.name());
                if (!t.description().isEmpty()) {
                    o.put("description", t.description());
                }
                o.set("input_schema", t.parametersObject().deepCopy());
            }
        }
        ToolChoice c = request.toolChoice();
        if (c != null) {
            ObjectNode o = body.putObject("tool_choice");
            switch (c.mode()) {
                case AUTO -> o.put("type", "auto");
                case REQUIRED -> o.put("type", "any");
                case NONE -> o.put("type", "none");
                case NAMED -> o.put("type", "tool").put("name", c.toolName());
            }
        }
    }

    /**
     * The content blocks of a message with tool parts: {@code tool_result} blocks first (the API requires
     * them before other content in a user turn), then text, images and {@code tool_use} blocks in order.
     *
     * @param other writes a text or image part as its usual block
     */
    public static void anthropicBlocks(ArrayNode blocks, ChatMessage m, ModelRef ref,
                                       java.util.function.BiConsumer<ArrayNode, ContentPart> other) {
        for (ContentPart p : m.parts()) {
            if (p instanceof ToolResult r) {
                ObjectNode b = blocks.addObject().put("type", "tool_result").put("tool_use_id", r.callId())
                        .put("content", r.content());
                if (r.error()) {
                    b.put("is_error", true);
                }
            }
        }
        for (ContentPart p : m.parts()) {
            if (p instanceof ToolCall c) {
                blocks.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name())
                        .set("input", objectArguments(c, ref));
            } else if (!(p instanceof ToolResult)) {
                other.accept(blocks, p);
            }
        }
    }

    /** The tool calls among Anthropic content blocks ({@code tool_use}). */
    public static List<ToolCall> anthropicCalls(JsonNode content) {
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode block : content) {
            if ("tool_use".equals(Json.text(block, "type"))) {
                String id = Json.text(block, "id");
                String name = Json.text(block, "name");
                if (id == null || id.isEmpty() || name == null || name.isEmpty()) {
                    throw new MalformedFieldException("tool_use block #" + out.size() + " has no id or name");
                }
                JsonNode input = block.get("input");
                out.add(new ToolCall(id, name, input == null || input.isNull() ? "{}" : input.toString()));
            }
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------ Gemini

    /** Puts {@code tools[].functionDeclarations} and {@code toolConfig} when the request offers tools or sets a choice. */
    public static void geminiTools(ObjectNode body, ModelRequest request) {
        if (request.hasTools()) {
            ArrayNode decls = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (ToolSpec t : request.tools()) {
                ObjectNode d = decls.addObject().put("name", t.name());
                if (!t.description().isEmpty()) {
                    d.put("description", t.description());
                }
                d.set("parametersJsonSchema", t.parametersObject().deepCopy());
            }
        }
        ToolChoice c = request.toolChoice();
        if (c != null) {
            ObjectNode f = body.putObject("toolConfig").putObject("functionCallingConfig");
            switch (c.mode()) {
                case AUTO -> f.put("mode", "AUTO");
                case REQUIRED -> f.put("mode", "ANY");
                case NONE -> f.put("mode", "NONE");
                case NAMED -> {
                    f.put("mode", "ANY");
                    f.putArray("allowedFunctionNames").add(c.toolName());
                }
            }
        }
    }

    /** The part of a tool call or tool result in a Gemini turn; false for any other part. */
    public static boolean geminiPart(ArrayNode parts, ContentPart p, ModelRef ref) {
        if (p instanceof ToolCall c) {
            ObjectNode part = parts.addObject();
            ObjectNode fc = part.putObject("functionCall").put("name", c.name());
            fc.set("args", objectArguments(c, ref));
            if (!c.hasSyntheticId()) {
                fc.put("id", c.id());
            }
            if (c.thoughtSignature() != null) {
                part.put("thoughtSignature", c.thoughtSignature());
            }
            return true;
        }
        if (p instanceof ToolResult r) {
            ObjectNode fr = parts.addObject().putObject("functionResponse").put("name", r.name());
            fr.set("response", geminiResponse(r));
            if (!r.callId().startsWith(ToolCall.SYNTHETIC_ID_PREFIX)) {
                fr.put("id", r.callId());
            }
            return true;
        }
        return false;
    }

    private static JsonNode geminiResponse(ToolResult r) {
        ObjectNode o = Json.object();
        if (r.error()) {
            return o.put("error", r.content());
        }
        try {
            JsonNode n = Json.MAPPER.readTree(r.content());
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (Exception notJson) {
            // plain text: wrapped below
        }
        return o.put("result", r.content());
    }

    /**
     * The calls among a Gemini candidate's parts ({@code functionCall}, with the part's
     * {@code thoughtSignature}); calls without an id are numbered from {@code firstIndex}.
     */
    public static List<ToolCall> geminiCalls(JsonNode candidate, int firstIndex) {
        JsonNode parts = candidate == null ? null : candidate.path("content").get("parts");
        if (parts == null || !parts.isArray()) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode p : parts) {
            JsonNode fc = p.get("functionCall");
            if (fc == null || !fc.isObject()) {
                continue;
            }
            String name = Json.text(fc, "name");
            if (name == null || name.isEmpty()) {
                throw new MalformedFieldException("functionCall #" + out.size() + " has no name");
            }
            JsonNode args = fc.get("args");
            String id = Json.text(fc, "id");
            if (id == null || id.isEmpty()) {
                id = ToolCall.SYNTHETIC_ID_PREFIX + (firstIndex + out.size());
            }
            out.add(new ToolCall(id, name, args == null || args.isNull() ? "{}" : args.toString(),
                    Json.text(p, "thoughtSignature")));
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------ shared

    /** A call's arguments as the object Anthropic ({@code input}) and Gemini ({@code args}) take. */
    private static JsonNode objectArguments(ToolCall c, ModelRef ref) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(c.argumentsJson());
        } catch (Exception e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            throw new InvalidConfigurationException(ref + ": the arguments of tool call " + c.id() + " (" + c.name()
                    + ") are not a JSON object; this format sends arguments as an object");
        }
        return n;
    }
}
