package dev.fusion.model;

import java.util.Objects;

/**
 * The result of running a tool, sent back to the model in a user message after the assistant turn
 * that asked for the call: OpenAI {@code {"role":"tool","tool_call_id",content}}, Anthropic
 * {@code {"type":"tool_result","tool_use_id",content,"is_error"}}, Gemini
 * {@code {"functionResponse":{name, response}}}. Immutable and thread-safe.
 *
 * @param callId  the {@link ToolCall#id()} this answers
 * @param name    the tool's name (Gemini matches results by name)
 * @param content the result as text (often JSON); may be empty, never null
 * @param error   whether the tool failed and {@code content} describes the failure (Anthropic
 *                {@code is_error}; on the other formats the content says so)
 */
public record ToolResult(String callId, String name, String content, boolean error) implements ContentPart {

    /** The longest content accepted, in characters. */
    public static final int MAX_CONTENT_CHARS = 4 * 1024 * 1024;

    public ToolResult {
        if (callId == null || callId.isBlank()) {
            throw new IllegalArgumentException("a tool result needs the id of the call it answers");
        }
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a tool result needs the tool's name");
        }
        Objects.requireNonNull(content, "content");
        if (content.length() > MAX_CONTENT_CHARS) {
            throw new IllegalArgumentException("a tool result is " + content.length() + " characters; the limit is "
                    + MAX_CONTENT_CHARS);
        }
    }

    /** A successful result for {@code call}. */
    public static ToolResult of(ToolCall call, String content) {
        return new ToolResult(call.id(), call.name(), content, false);
    }

    /** A failed result for {@code call}: {@code message} says what went wrong. */
    public static ToolResult error(ToolCall call, String message) {
        return new ToolResult(call.id(), call.name(), message, true);
    }

    @Override
    public String toString() {
        return "ToolResult[" + callId + ", " + name + ", " + content.length() + " chars" + (error ? ", error" : "") + "]";
    }
}
