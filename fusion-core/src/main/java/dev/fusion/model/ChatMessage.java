package dev.fusion.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation: its role and its content parts (text and images, in order). The
 * system prompt is not a message: it travels separately in {@link ModelRequest#system()} because
 * providers place it differently (OpenAI as a message, Anthropic top-level, Gemini as
 * {@code systemInstruction}). Immutable and thread-safe.
 *
 * <p>Text-only messages are built as before with {@link #user(String)}, {@link #assistant(String)}
 * or {@code new ChatMessage(role, text)}; {@link #content()} is the concatenated text.
 *
 * @param role  who wrote it
 * @param parts the content, never empty; images only in user messages
 */
public record ChatMessage(MessageRole role, List<ContentPart> parts) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        parts = List.copyOf(Objects.requireNonNull(parts, "parts"));
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one content part");
        }
        if (role != MessageRole.USER && parts.stream().anyMatch(p -> !(p instanceof ContentPart.Text))) {
            throw new dev.fusion.InvalidConfigurationException("images can only be part of user messages");
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
        return parts.stream().anyMatch(p -> !(p instanceof ContentPart.Text));
    }

    /** The image parts, in order. */
    public List<ContentPart> images() {
        List<ContentPart> out = new ArrayList<>();
        for (ContentPart p : parts) {
            if (!(p instanceof ContentPart.Text)) {
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
        int images = (int) parts.stream().filter(p -> !(p instanceof ContentPart.Text)).count();
        return "ChatMessage[" + role + ", " + content().length() + " chars" + (images > 0 ? ", " + images + " images" : "") + "]";
    }
}
