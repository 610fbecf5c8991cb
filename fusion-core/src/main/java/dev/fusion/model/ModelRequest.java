package dev.fusion.model;

import java.util.List;
import java.util.Map;
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
 * @param responseFormat    the shape the answer must take (JSON mode or a JSON Schema), or null for free text
 * @param reasoning         how hard a reasoning model thinks, or null for the provider's default
 * @param extraBody         fields merged into the provider's request body as they are (never null; immutable);
 *                          one that collides with a field Fusion sets fails with
 *                          {@link dev.fusion.InvalidConfigurationException} before any call
 * @param tools             the tools the model may call (never null; empty: none), names unique
 * @param toolChoice        whether and which tool the model must call, or null for the provider's default
 *                          ({@link ToolChoice#auto()} when tools are offered); a named choice names an offered tool
 */
public record ModelRequest(String system, List<ChatMessage> messages, int maxOutputTokens,
                           Double temperature, Long seed, boolean cacheSystemPrompt,
                           ResponseFormat responseFormat, Reasoning reasoning, Map<String, Object> extraBody,
                           List<ToolSpec> tools, ToolChoice toolChoice) {

    public ModelRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a model request needs at least one message");
        }
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be positive, was " + maxOutputTokens);
        }
        extraBody = ExtraBody.copyOf(extraBody);
        tools = tools == null ? List.of() : List.copyOf(tools);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ToolSpec t : tools) {
            if (!names.add(t.name())) {
                throw new dev.fusion.InvalidConfigurationException("two tools are named '" + t.name() + "'; tool names must be unique");
            }
        }
        if (toolChoice != null && toolChoice.mode() == ToolChoice.Mode.NAMED && !names.contains(toolChoice.toolName())) {
            throw new dev.fusion.InvalidConfigurationException("the tool choice names '" + toolChoice.toolName()
                    + "', which is not among the offered tools " + names);
        }
        if (toolChoice != null && toolChoice.mode() == ToolChoice.Mode.REQUIRED && tools.isEmpty()) {
            throw new dev.fusion.InvalidConfigurationException("a tool call is required but no tools are offered");
        }
    }

    /** A request without tools. */
    public ModelRequest(String system, List<ChatMessage> messages, int maxOutputTokens,
                        Double temperature, Long seed, boolean cacheSystemPrompt,
                        ResponseFormat responseFormat, Reasoning reasoning, Map<String, Object> extraBody) {
        this(system, messages, maxOutputTokens, temperature, seed, cacheSystemPrompt, responseFormat, reasoning,
                extraBody, List.of(), null);
    }

    /** A plain-text request (no response format, reasoning setting or extra body). */
    public ModelRequest(String system, List<ChatMessage> messages, int maxOutputTokens,
                        Double temperature, Long seed, boolean cacheSystemPrompt) {
        this(system, messages, maxOutputTokens, temperature, seed, cacheSystemPrompt, null, null, Map.of());
    }

    /** Whether tools are offered. */
    public boolean hasTools() {
        return !tools.isEmpty();
    }

    /** Whether the conversation carries tool calls or tool results. */
    public boolean hasToolParts() {
        for (ChatMessage m : messages) {
            if (m.hasToolParts()) {
                return true;
            }
        }
        return false;
    }

    /** The offered tool of this name, or null. */
    public ToolSpec tool(String name) {
        for (ToolSpec t : tools) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Whether any message carries an image. */
    public boolean hasImages() {
        for (ChatMessage m : messages) {
            if (m.hasImages()) {
                return true;
            }
        }
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().system(system).messages(messages).maxOutputTokens(maxOutputTokens)
                .temperature(temperature).seed(seed).cacheSystemPrompt(cacheSystemPrompt)
                .responseFormat(responseFormat).reasoning(reasoning).extraBody(extraBody)
                .tools(tools).toolChoice(toolChoice);
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
                + ", temperature=" + temperature + ", seed=" + seed
                + (responseFormat != null ? ", " + responseFormat : "")
                + (reasoning != null ? ", reasoning=" + (reasoning.isBudget() ? reasoning.budgetTokens() + " tokens" : reasoning.effort()) : "")
                + (extraBody.isEmpty() ? "" : ", extraBody=" + extraBody.keySet())
                + (tools.isEmpty() ? "" : ", tools=" + tools.stream().map(ToolSpec::name).toList())
                + (toolChoice == null ? "" : ", " + toolChoice) + "]";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private String system;
        private List<ChatMessage> messages = List.of();
        private int maxOutputTokens = 1024;
        private Double temperature;
        private Long seed;
        private boolean cacheSystemPrompt;
        private ResponseFormat responseFormat;
        private Reasoning reasoning;
        private Map<String, Object> extraBody = Map.of();
        private List<ToolSpec> tools = List.of();
        private ToolChoice toolChoice;

        public Builder system(String system) { this.system = system; return this; }
        public Builder messages(List<ChatMessage> messages) { this.messages = messages; return this; }
        public Builder user(String text) { this.messages = List.of(ChatMessage.user(text)); return this; }
        public Builder maxOutputTokens(int maxOutputTokens) { this.maxOutputTokens = maxOutputTokens; return this; }
        public Builder temperature(Double temperature) { this.temperature = temperature; return this; }
        public Builder seed(Long seed) { this.seed = seed; return this; }
        public Builder cacheSystemPrompt(boolean cache) { this.cacheSystemPrompt = cache; return this; }
        /** The answer's shape (null: free text). */
        public Builder responseFormat(ResponseFormat format) { this.responseFormat = format; return this; }
        /** The reasoning setting (null: the provider's default). */
        public Builder reasoning(Reasoning reasoning) { this.reasoning = reasoning; return this; }
        /** Extra body fields (null: none); copied and checked in {@link #build()}. */
        public Builder extraBody(Map<String, ?> extraBody) {
            this.extraBody = extraBody == null ? Map.of() : new java.util.LinkedHashMap<>(extraBody);
            return this;
        }

        /** The tools the model may call (null: none). */
        public Builder tools(List<ToolSpec> tools) { this.tools = tools == null ? List.of() : tools; return this; }
        /** Whether and which tool must be called (null: the provider's default). */
        public Builder toolChoice(ToolChoice choice) { this.toolChoice = choice; return this; }

        public ModelRequest build() {
            return new ModelRequest(system, messages, maxOutputTokens, temperature, seed, cacheSystemPrompt,
                    responseFormat, reasoning, extraBody, tools, toolChoice);
        }
    }
}
