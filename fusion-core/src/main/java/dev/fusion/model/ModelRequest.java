package dev.fusion.model;

import java.util.List;
import java.util.Objects;

/**
 * What Fusion asks one model. Immutable; build with {@link #builder()}.
 *
 * @param system            optional system prompt (null for none)
 * @param messages          the conversation, ending with a user message; never empty
 * @param maxOutputTokens   upper bound on generated tokens, reasoning included; providers must send it
 * @param temperature       sampling temperature, or null for the provider's default
 * @param seed              sampling seed where the provider supports one, or null
 * @param cacheSystemPrompt ask the provider to cache the system prompt where that must be requested
 *                          explicitly (Anthropic {@code cache_control}); others cache automatically
 */
public record ModelRequest(String system, List<ChatMessage> messages, int maxOutputTokens,
                           Double temperature, Long seed, boolean cacheSystemPrompt) {

    public ModelRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a model request needs at least one message");
        }
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be positive, was " + maxOutputTokens);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().system(system).messages(messages).maxOutputTokens(maxOutputTokens)
                .temperature(temperature).seed(seed).cacheSystemPrompt(cacheSystemPrompt);
    }

    /** The text of the last user message (the prompt). */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == MessageRole.USER) {
                return messages.get(i).content();
            }
        }
        return "";
    }

    @Override
    public String toString() {
        return "ModelRequest[system=" + (system == null ? "none" : system.length() + " chars")
                + ", messages=" + messages.size() + ", maxOutputTokens=" + maxOutputTokens
                + ", temperature=" + temperature + ", seed=" + seed + "]";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private String system;
        private List<ChatMessage> messages = List.of();
        private int maxOutputTokens = 1024;
        private Double temperature;
        private Long seed;
        private boolean cacheSystemPrompt;

        public Builder system(String system) { this.system = system; return this; }
        public Builder messages(List<ChatMessage> messages) { this.messages = messages; return this; }
        public Builder user(String text) { this.messages = List.of(ChatMessage.user(text)); return this; }
        public Builder maxOutputTokens(int maxOutputTokens) { this.maxOutputTokens = maxOutputTokens; return this; }
        public Builder temperature(Double temperature) { this.temperature = temperature; return this; }
        public Builder seed(Long seed) { this.seed = seed; return this; }
        public Builder cacheSystemPrompt(boolean cache) { this.cacheSystemPrompt = cache; return this; }

        public ModelRequest build() {
            return new ModelRequest(system, messages, maxOutputTokens, temperature, seed, cacheSystemPrompt);
        }
    }
}
