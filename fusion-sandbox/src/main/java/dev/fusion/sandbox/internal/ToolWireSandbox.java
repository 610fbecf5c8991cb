package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tool calling in the sandbox's three dialects: reading the tools offered and the tool results a
 * conversation ends with, and writing a reply's tool calls the way each provider documents them
 * (OpenAI {@code tool_calls} / streamed {@code delta.tool_calls} pieces; Anthropic {@code tool_use}
 * blocks / {@code input_json_delta}; Gemini {@code functionCall} parts with an {@code id} and, on the
 * first call, a {@code thoughtSignature}, as Gemini 3 sends them). Stateless.
 */
public final class ToolWireSandbox {

    /** Characters of arguments per streamed piece. */
    static final int PIECE = 7;

    private ToolWireSandbox() {
    }

    // ---- reading ------------------------------------------------------------------------------

    static WireRequest openAi(WireRequest r, JsonNode body) {
        List<WireRequest.Tool> tools = new ArrayList<>();
        for (JsonNode t : body.path("tools")) {
            JsonNode f = t.path("function");
            if (f.hasNonNull("name")) {
                tools.add(new WireRequest.Tool(f.get("name").asText(), f.has("parameters") ? f.get("parameters").toString() : null));
            }
        }
        List<WireRequest.ToolOutput> results = new ArrayList<>();
        JsonNode messages = body.path("messages");
        Map<String, String> names = new HashMap<>();
        for (JsonNode m : messages) {
            for (JsonNode c : m.path("tool_calls")) {
                names.put(c.path("id").asText(), c.path("function").path("name").asText(null));
            }
        }
        for (int i = messages.size() - 1; i >= 0 && "tool".equals(messages.get(i).path("role").asText()); i--) {
            JsonNode m = messages.get(i);
            results.add(0, new WireRequest.ToolOutput(names.get(m.path("tool_call_id").asText()),
                    Dialect.contentText(m.get("content")), false));
        }
        return r.withTools(tools, results);
    }

    static WireRequest anthropic(WireRequest r, JsonNode body) {
        List<WireRequest.Tool> tools = new ArrayList<>();
        for (JsonNode t : body.path("tools")) {
            if (t.hasNonNull("name")) {
                tools.add(new WireRequest.Tool(t.get("name").asText(), t.has("input_schema") ? t.get("input_schema").toString() : null));
            }
        }
        Map<String, String> names = new HashMap<>();
        JsonNode messages = body.path("messages");
        for (JsonNode m : messages) {
            for (JsonNode b : m.path("content")) {
                if ("tool_use".equals(b.path("type").asText())) {
                    names.put(b.path("id").asText(), b.path("name").asText(null));
                }
            }
        }
        List<WireRequest.ToolOutput> results = new ArrayList<>();
        JsonNode last = messages.size() == 0 ? null : messages.get(messages.size() - 1);
        if (last != null && "user".equals(last.path("role").asText())) {
            for (JsonNode b : last.path("content")) {
                if ("tool_result".equals(b.path("type").asText())) {
                    results.add(new WireRequest.ToolOutput(names.get(b.path("tool_use_id").asText()),
                            Dialect.contentText(b.get("content")), b.path("is_error").asBoolean(false)));
                }
            }
        }
        return r.withTools(tools, results);
    }

    static WireRequest gemini(WireRequest r, JsonNode body) {
        List<WireRequest.Tool> tools = new ArrayList<>();
        for (JsonNode t : body.path("tools")) {
            for (JsonNode d : t.path("functionDeclarations")) {
                JsonNode params = d.has("parametersJsonSchema") ? d.get("parametersJsonSchema") : d.get("parameters");
                tools.add(new WireRequest.Tool(d.path("name").asText(), params == null ? null : params.toString()));
            }
        }
        List<WireRequest.ToolOutput> results = new ArrayList<>();
        JsonNode contents = body.path("contents");
        JsonNode last = contents.size() == 0 ? null : contents.get(contents.size() - 1);
        if (last != null && !"model".equals(last.path("role").asText())) {
            for (JsonNode p : last.path("parts")) {
                JsonNode fr = p.get("functionResponse");
                if (fr != null) {
                    JsonNode resp = fr.path("response");
                    boolean error = resp.has("error") && resp.size() == 1;
                    JsonNode shown = error ? resp.get("error") : resp.has("result") && resp.size() == 1 ? resp.get("result") : resp;
                    results.add(new WireRequest.ToolOutput(fr.path("name").asText(null),
                            shown.isTextual() ? shown.asText() : shown.toString(), error));
                }
            }
        }
        return r.withTools(tools, results);
    }

    // ---- writing ------------------------------------------------------------------------------

    static String callId(Dialect.Call call, int i, String prefix) {
        return prefix + call.id() + "_" + i;
    }

    /** The deterministic thought signature the sandbox puts on a Gemini call (opaque base64, like Gemini 3's). */
    static String signature(Dialect.Call call) {
        return Base64.getEncoder().encodeToString(("sandbox-thought/" + call.id() + "+sig")
                .getBytes(StandardCharsets.UTF_8));
    }

    static void openAiMessage(ObjectNode message, Dialect.Call call) {
        if (call.toolCalls().isEmpty()) {
            return;
        }
        if (call.text().isEmpty()) {
            message.putNull("content");
        }
        ArrayNode calls = message.putArray("tool_calls");
        for (int i = 0; i < call.toolCalls().size(); i++) {
            Reply.ToolCall c = call.toolCalls().get(i);
            ObjectNode o = calls.addObject().put("id", callId(call, i, "call_")).put("type", "function");
            o.putObject("function").put("name", c.name()).put("arguments", c.argumentsJson());
        }
    }

    /** The {@code delta} objects of an OpenAI stream's tool-call chunks. */
    static List<ObjectNode> openAiDeltas(Dialect.Call call) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < call.toolCalls().size(); i++) {
            Reply.ToolCall c = call.toolCalls().get(i);
            ObjectNode first = Dialect.object();
            ObjectNode tc = first.putArray("tool_calls").addObject().put("index", i).put("id", callId(call, i, "call_"))
                    .put("type", "function");
            tc.putObject("function").put("name", c.name()).put("arguments", "");
            out.add(first);
            for (String piece : pieces(c.argumentsJson())) {
                ObjectNode d = Dialect.object();
                d.putArray("tool_calls").addObject().put("index", i).putObject("function").put("arguments", piece);
                out.add(d);
            }
        }
        return out;
    }

    static void anthropicBlocks(ArrayNode content, Dialect.Call call) {
        for (int i = 0; i < call.toolCalls().size(); i++) {
            Reply.ToolCall c = call.toolCalls().get(i);
            content.addObject().put("type", "tool_use").put("id", callId(call, i, "toolu_")).put("name", c.name())
                    .set("input", parse(c.argumentsJson()));
        }
    }

    /** Anthropic stream events for the tool_use blocks, starting at content block {@code firstIndex}. */
    static List<Dialect.Event> anthropicEvents(Dialect.Call call, int firstIndex) {
        List<Dialect.Event> out = new ArrayList<>();
        for (int i = 0; i < call.toolCalls().size(); i++) {
            Reply.ToolCall c = call.toolCalls().get(i);
            int index = firstIndex + i;
            ObjectNode start = Dialect.object().put("type", "content_block_start").put("index", index);
            start.putObject("content_block").put("type", "tool_use").put("id", callId(call, i, "toolu_"))
                    .put("name", c.name()).putObject("input");
            out.add(new Dialect.Event("content_block_start", Dialect.write(start)));
            for (String piece : pieces(c.argumentsJson())) {
                ObjectNode d = Dialect.object().put("type", "content_block_delta").put("index", index);
                d.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
                out.add(new Dialect.Event("content_block_delta", Dialect.write(d)));
            }
            out.add(new Dialect.Event("content_block_stop",
                    Dialect.write(Dialect.object().put("type", "content_block_stop").put("index", index))));
        }
        return out;
    }

    static void geminiParts(ArrayNode parts, Dialect.Call call) {
        for (int i = 0; i < call.toolCalls().size(); i++) {
            Reply.ToolCall c = call.toolCalls().get(i);
            ObjectNode part = parts.addObject();
            ObjectNode fc = part.putObject("functionCall");
            fc.put("id", callId(call, i, "fc_"));
            fc.put("name", c.name());
            fc.set("args", parse(c.argumentsJson()));
            if (i == 0) {
                part.put("thoughtSignature", signature(call));
            }
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Dialect.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("a sandbox tool call's arguments are not JSON", e);
        }
    }

    private static List<String> pieces(String s) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i += PIECE) {
            out.add(s.substring(i, Math.min(s.length(), i + PIECE)));
        }
        return out;
    }
}
