package dev.fusion.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation: its role and its content parts (text, images, tool calls and tool
 * results, in order). The
 * system prompt is not a message: it travels separately in {@link ModelRequest#system()} because
 * providers place it differently (OpenAI as a message, Anthropic top-level, Gemini as
 * {@code systemInstruction}). Immutable and thread-safe.
 *
 * <p>Text-only messages are built as before with {@link #user(String)}, {@link #assistant(String)}
 * or {@code new ChatMessage(role, text)}; {@link #content()} is the concatenated text.
 *
 * <p>Tools: an assistant turn that asked for tools carries {@link ToolCall} parts (with or without
 * text: {@link #assistant(String, List)}); the results go back in the next user message as
 * {@link ToolResult} parts ({@link #toolResults(List)}), one per call, before any text.
 *
 * @param role  who wrote it
 * @param parts the content, never empty; images and tool results only in user messages, tool calls
 *              only in assistant messages
 */
public record ChatMessage(MessageRole role, List<ContentPart> parts) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        parts = List.copyOf(Objects.requireNonNull(parts, "parts"));
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one content part");
        }
        for (ContentPart p : parts) {
            Objects.requireNonNull(p, "a content part is null");
            if (role != MessageRole.USER && p.isImage()) {
                throw new dev.fusion.InvalidConfigurationException("images can only be part of user messages");
            }
            if (role != MessageRole.USER && p instanceof ToolResult) {
                throw new dev.fusion.InvalidConfigurationException("tool results can only be part of user messages");
            }
            if (role != MessageRole.ASSISTANT && p instanceof ToolCall) {
                throw new dev.fusion.InvalidConfigurationException("tool calls can only be part of assistant messages");
            }
        }
    }

    /** A text-only message. */
    public ChatMessage(MessageRole role, String content) {
        this(role, List.of(ContentPart.text(Objects.requireNonNull(content, "content"))));
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(MessageRole.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(MessageRole.ASSISTANT, content);
    }

    /**
     * An assistant turn that asked for tools: its text (may be empty) and its calls, in order.
     *
     * @throws IllegalArgumentException when there is neither text nor a call
     */
    public static ChatMessage assistant(String text, List<ToolCall> calls) {
        List<ContentPart> parts = new ArrayList<>();
        if (text != null && !text.isEmpty()) {
            parts.add(ContentPart.text(text));
        }
        parts.addAll(Objects.requireNonNull(calls, "calls"));
        return new ChatMessage(MessageRole.ASSISTANT, parts);
    }

    /** A user message carrying tool results (one per call of the previous assistant turn). */
    public static ChatMessage toolResults(List<ToolResult> results) {
        return new ChatMessage(MessageRole.USER, List.copyOf(Objects.requireNonNull(results, "results")));
    }

    /** The tool calls of this message, in order (empty for a user message). */
    public List<ToolCall> toolCalls() {
        List<ToolCall> out = new ArrayList<>();
        for (ContentPart p : parts) {
            if (p instanceof ToolCall c) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    /** The tool results of this message, in order (empty for an assistant message). */
    public List<ToolResult> toolResults() {
        List<ToolResult> out = new ArrayList<>();
        for (ContentPart p : parts) {
            if (p instanceof ToolResult r) {
                out.add(r);
            }
        }
        return List.copyOf(out);
    }

    /** Whether any part is a tool call or a tool result. */
    public boolean hasToolParts() {
        for (ContentPart p : parts) { // a loop, not a stream: asked for every message of every call
            if (p instanceof ToolCall || p instanceof ToolResult) {
                return true;
            }
        }
        return false;
    }

    /** A user message of these parts (text and images, in order). */
    public static ChatMessage user(List<ContentPart> parts) {
        return new ChatMessage(MessageRole.USER, parts);
    }

    /** The text of this message: its text parts joined (images left out). */
    public String content() {
        if (parts.size() == 1 && parts.get(0) instanceof ContentPart.Text t) {
            return t.text();
        }
        StringBuilder sb = new StringBuilder();
        for (ContentPart p : parts) {
            if (p instanceof ContentPart.Text t) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(t.text());
            }
        }
        return sb.toString();
    }

    /** Whether any part is an image. */
    public boolean hasImages() {
        for (ContentPart p : parts) {
            if (p.isImage()) {
                return true;
            }
        }
        return false;
    }

    /** The image parts, in order. */
    public List<ContentPart> images() {
        List<ContentPart> out = new ArrayList<>();
        for (ContentPart p : parts) {
            if (p.isImage()) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }

    /** This message with {@code more} parts appended. */
    public ChatMessage with(List<ContentPart> more) {
        List<ContentPart> all = new ArrayList<>(parts);
        all.addAll(more);
        return new ChatMessage(role, all);
    }

    @Override
    public String toString() {
        int images = (int) parts.stream().filter(ContentPart::isImage).count();
        int calls = (int) parts.stream().filter(p -> p instanceof ToolCall).count();
        int results = (int) parts.stream().filter(p -> p instanceof ToolResult).count();
        return "ChatMessage[" + role + ", " + content().length() + " chars" + (images > 0 ? ", " + images + " images" : "")
                + (calls > 0 ? ", " + calls + " tool calls" : "") + (results > 0 ? ", " + results + " tool results" : "") + "]";
    }
}
