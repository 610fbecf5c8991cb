package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.ResultJson;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool options of {@code fusion ask}: {@code --tools FILE} (an OpenAI-style {@code tools} array),
 * {@code --continue FILE} (the {@code --json} output of the previous step) and {@code --tool-result ID=JSON}.
 * Every input is bounded and checked before anything starts; a bad one is a {@link CliException} naming it.
 */
final class ToolInputs {

    /** The largest tools or step file read. */
    static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolInputs() {
    }

    /**
     * The tools of a file holding a JSON array of OpenAI-style tools ({@code {"type":"function","function":{name,
     * description, parameters}}}) or of bare {@code {name, description, parameters}} objects.
     */
    static List<ToolSpec> tools(Path file) {
        JsonNode root = read(file, "--tools");
        if (root.isObject() && root.has("tools")) {
            root = root.get("tools");
        }
        if (!root.isArray() || root.isEmpty()) {
            throw new CliException("--tools " + file + " must hold a non-empty JSON array of tools, e.g."
                    + " [{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]");
        }
        List<ToolSpec> out = new ArrayList<>();
        for (JsonNode t : root) {
            JsonNode f = t.has("function") ? t.get("function") : t;
            try {
                out.add(new ToolSpec(f.path("name").asText(null), f.path("description").asText(null),
                        f.get("parameters")));
            } catch (RuntimeException e) {
                throw new CliException("--tools " + file + ", tool #" + (out.size() + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** {@code ID=JSON} as the call id and the result's content (its text as given). */
    static Map.Entry<String, String> toolResult(String value) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new CliException("--tool-result takes ID=RESULT (the decided call's id, then its result), was '"
                    + FusionCli.oneLine(value.length() > 80 ? value.substring(0, 80) + "…" : value) + "'");
        }
        return Map.entry(value.substring(0, eq), value.substring(eq + 1));
    }

    /**
     * The conversation to continue: the previous step's {@code conversation}, whose last turn is the
     * assistant turn with the decided calls, followed by the results given with {@code --tool-result} (one per
     * call, in the calls' order). {@code prompt} (may be empty) is added after the results.
     */
    static List<ChatMessage> continuation(Path file, List<String> toolResults, String prompt) {
        JsonNode step = read(file, "--continue");
        JsonNode convo = step.get("conversation");
        if (convo == null || !convo.isArray() || convo.isEmpty()) {
            throw new CliException("--continue " + file + " has no conversation; pass the --json output of a"
                    + " fusion ask --tools step");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : convo) {
            messages.add(message(m, file));
        }
        ChatMessage last = messages.get(messages.size() - 1);
        List<ToolCall> calls = last.toolCalls();
        if (last.role() != MessageRole.ASSISTANT || calls.isEmpty()) {
            throw new CliException("--continue " + file + ": that step decided no tool calls, so there is nothing to"
                    + " continue; ask a new question instead");
        }
        Map<String, String> given = new LinkedHashMap<>();
        for (String r : toolResults) {
            Map.Entry<String, String> e = toolResult(r);
            given.put(e.getKey(), e.getValue());
        }
        List<ContentPart> parts = new ArrayList<>();
        for (ToolCall c : calls) {
            String content = given.remove(c.id());
            if (content == null) {
                throw new CliException("--tool-result " + c.id() + "=... is missing: the step decided " + c.name()
                        + " " + c.argumentsJson() + " with id " + c.id());
            }
            parts.add(ToolResult.of(c, content));
        }
        if (!given.isEmpty()) {
            throw new CliException("--tool-result names " + given.keySet() + ", which the step did not decide (its calls: "
                    + calls.stream().map(ToolCall::id).toList() + ")");
        }
        if (prompt != null && !prompt.isBlank()) {
            parts.add(ContentPart.text(prompt));
        }
        messages.add(new ChatMessage(MessageRole.USER, parts));
        return messages;
    }

    /** A conversation as JSON: {@code {role, text, toolCalls?, toolResults?}} per message (images left out). */
    static ArrayNode conversation(List<ChatMessage> messages, List<ToolCall> decided, String decidedText) {
        ArrayNode out = JSON.createArrayNode();
        for (ChatMessage m : messages) {
            write(out.addObject(), m.role(), m.content(), m.toolCalls(), m.toolResults());
        }
        if (!decided.isEmpty()) {
            write(out.addObject(), MessageRole.ASSISTANT, decidedText, decided, List.of());
        }
        return out;
    }

    private static void write(ObjectNode n, MessageRole role, String text, List<ToolCall> calls, List<ToolResult> results) {
        n.put("role", role == MessageRole.USER ? "user" : "assistant");
        n.put("text", text);
        if (!calls.isEmpty()) {
            ArrayNode a = ResultJson.toolCalls(calls);
            for (int i = 0; i < calls.size(); i++) {
                if (calls.get(i).thoughtSignature() != null) {
                    ((ObjectNode) a.get(i)).put("thoughtSignature", calls.get(i).thoughtSignature());
                }
            }
            n.set("toolCalls", a);
        }
        if (!results.isEmpty()) {
            ArrayNode a = n.putArray("toolResults");
            for (ToolResult r : results) {
                a.addObject().put("id", r.callId()).put("name", r.name()).put("content", r.content()).put("error", r.error());
            }
        }
    }

    private static ChatMessage message(JsonNode m, Path file) {
        try {
            boolean user = "user".equals(m.path("role").asText());
            List<ContentPart> parts = new ArrayList<>();
            for (JsonNode r : m.path("toolResults")) {
                parts.add(new ToolResult(r.path("id").asText(), r.path("name").asText(), r.path("content").asText(""),
                        r.path("error").asBoolean(false)));
            }
            String text = m.path("text").asText("");
            if (!text.isEmpty()) {
                parts.add(ContentPart.text(text));
            }
            for (JsonNode c : m.path("toolCalls")) {
                JsonNode args = c.get("arguments");
                parts.add(new ToolCall(c.path("id").asText(), c.path("name").asText(),
                        args == null ? "{}" : args.isTextual() ? args.asText() : args.toString(),
                        c.hasNonNull("thoughtSignature") ? c.get("thoughtSignature").asText() : null));
            }
            return new ChatMessage(user ? MessageRole.USER : MessageRole.ASSISTANT, parts);
        } catch (RuntimeException e) {
            throw new CliException("--continue " + file + " has an unreadable conversation turn: " + e.getMessage());
        }
    }

    private static JsonNode read(Path file, String flag) {
        byte[] bytes = AskInputs.readBounded(file, MAX_FILE_BYTES, flag);
        try {
            return JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new CliException(flag + " " + file + " is not valid JSON");
        }
    }
}
