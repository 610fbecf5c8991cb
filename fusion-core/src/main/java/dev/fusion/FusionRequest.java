package dev.fusion;

import dev.fusion.model.ChatMessage;
import dev.fusion.model.MessageRole;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One question for the panel: an optional system prompt, the user prompt (or a short conversation
 * ending with a user message), generation settings, and optional per-request overrides of the
 * {@link Fusion} defaults. Immutable; build with {@link #builder()} or {@link #of(String)}.
 * Null overrides mean "use the Fusion default".
 */
public record FusionRequest(String system, List<ChatMessage> messages, Integer maxOutputTokens, Double temperature,
                            Integer quorum, Duration grace, Duration memberTimeout, Duration deadline,
                            BigDecimal budgetUsd, Long shuffleSeed) {

    public FusionRequest {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidConfigurationException("the request has no prompt; pass a non-blank prompt, e.g. FusionRequest.of(\"...\")");
        }
        messages = List.copyOf(messages);
        ChatMessage last = messages.get(messages.size() - 1);
        if (last.role() != MessageRole.USER) {
            throw new InvalidConfigurationException("the conversation must end with a user message (the prompt); the last message is from " + last.role());
        }
        for (ChatMessage m : messages) {
            if (m.content().isBlank()) {
                throw new InvalidConfigurationException("the prompt is blank; pass the question text");
            }
        }
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new InvalidConfigurationException("maxOutputTokens must be positive, was " + maxOutputTokens);
        }
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new InvalidConfigurationException("temperature must be between 0 and 2, was " + temperature);
        }
        if (quorum != null && quorum < 1) {
            throw new InvalidConfigurationException("quorum must be at least 1, was " + quorum);
        }
        Fusion.requirePositiveOrNull("grace", grace, true);
        Fusion.requirePositiveOrNull("memberTimeout", memberTimeout, false);
        Fusion.requirePositiveOrNull("deadline", deadline, false);
        if (budgetUsd != null && budgetUsd.signum() < 0) {
            throw new InvalidConfigurationException("budgetUsd cannot be negative, was " + budgetUsd.toPlainString());
        }
    }

    /** A request with just a user prompt. */
    public static FusionRequest of(String prompt) {
        return builder().prompt(prompt).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The user prompt: the last user message. */
    public String prompt() {
        return messages.get(messages.size() - 1).content();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.system = system;
        b.messages = new ArrayList<>(messages);
        b.maxOutputTokens = maxOutputTokens;
        b.temperature = temperature;
        b.quorum = quorum;
        b.grace = grace;
        b.memberTimeout = memberTimeout;
        b.deadline = deadline;
        b.budgetUsd = budgetUsd;
        b.shuffleSeed = shuffleSeed;
        return b;
    }

    @Override
    public String toString() {
        return "FusionRequest[messages=" + messages.size() + ", promptChars=" + prompt().length()
                + ", maxOutputTokens=" + maxOutputTokens + ", quorum=" + quorum + ", budgetUsd=" + budgetUsd + "]";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private String system;
        private List<ChatMessage> messages = new ArrayList<>();
        private Integer maxOutputTokens;
        private Double temperature;
        private Integer quorum;
        private Duration grace;
        private Duration memberTimeout;
        private Duration deadline;
        private BigDecimal budgetUsd;
        private Long shuffleSeed;

        /** Sets the user prompt (replacing any messages). */
        public Builder prompt(String prompt) {
            if (prompt == null || prompt.isBlank()) {
                throw new InvalidConfigurationException("the prompt is " + (prompt == null ? "null" : "blank")
                        + "; pass the question text");
            }
            messages = new ArrayList<>(List.of(ChatMessage.user(prompt)));
            return this;
        }

        /** Sets a conversation; it must end with a user message. */
        public Builder messages(List<ChatMessage> messages) { this.messages = new ArrayList<>(messages); return this; }
        public Builder system(String system) { this.system = system; return this; }
        public Builder maxOutputTokens(int max) { this.maxOutputTokens = max; return this; }
        public Builder temperature(double t) { this.temperature = t; return this; }
        public Builder quorum(int quorum) { this.quorum = quorum; return this; }
        public Builder grace(Duration grace) { this.grace = grace; return this; }
        public Builder memberTimeout(Duration timeout) { this.memberTimeout = timeout; return this; }
        public Builder deadline(Duration deadline) { this.deadline = deadline; return this; }
        public Builder budgetUsd(BigDecimal budget) { this.budgetUsd = budget; return this; }
        /** Fixes the seed that shuffles the answers shown to the judge (for reproducible runs). */
        public Builder shuffleSeed(long seed) { this.shuffleSeed = seed; return this; }

        public FusionRequest build() {
            return new FusionRequest(system, messages, maxOutputTokens, temperature, quorum, grace, memberTimeout,
                    deadline, budgetUsd, shuffleSeed);
        }
    }
}
