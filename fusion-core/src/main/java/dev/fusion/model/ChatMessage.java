package dev.fusion.model;

import java.util.Objects;

/**
 * One turn of a conversation. The system prompt is not a message: it travels separately in
 * {@link ModelRequest#system()} because providers place it differently (OpenAI as a message,
 * Anthropic top-level, Gemini as {@code systemInstruction}). Immutable.
 */
public record ChatMessage(MessageRole role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(MessageRole.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(MessageRole.ASSISTANT, content);
    }

    @Override
    public String toString() {
        return "ChatMessage[" + role + ", " + content.length() + " chars]";
    }
}
