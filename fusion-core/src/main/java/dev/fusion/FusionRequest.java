package dev.fusion;

import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.Effort;
import dev.fusion.model.MessageRole;
import dev.fusion.model.Reasoning;
import dev.fusion.model.ResponseFormat;
import dev.fusion.model.ToolChoice;
import dev.fusion.model.ToolSpec;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One question for the panel: an optional system prompt, the user prompt (or a short conversation
 * ending with a user message), generation settings, and optional per-request overrides of the
 * {@link Fusion} defaults. Immutable; build with {@link #builder()} or {@link #of(String)}.
 * Null overrides mean "use the Fusion default".
 *
 * <p>Beyond text: {@link Builder#schema(String)} / {@link Builder#schema(Class)} ask for answers in a
 * JSON Schema ({@link #responseFormat()}), {@link Builder#image(byte[], String)} /
 * {@link Builder#imageUrl(String)} attach images to the prompt, and {@link Builder#reasoning(Effort)} /
 * {@link Builder#reasoningTokens(int)} set how hard reasoning models think ({@link #reasoning()};
 * a member's own setting, {@link Member#withReasoning}, wins).
 *
 * <p>Tools: {@link Builder#tools(List)} offers the caller's tools ({@link #tools()}). Each panel member then
 * proposes its next step (a final answer or tool calls) and the fusion decides one step: see
 * {@link FusionResult#toolCalls()}. The caller runs the decided calls and asks again with the conversation
 * extended by the assistant turn ({@link ChatMessage#assistant(String, List)}) and the results
 * ({@link ChatMessage#toolResults(List)}).
 */
public record FusionRequest(String system, List<ChatMessage> messages, Integer maxOutputTokens, Double temperature,
                            Integer quorum, Duration grace, Duration memberTimeout, Duration deadline,
                            BigDecimal budgetUsd, Long shuffleSeed, ResponseFormat responseFormat,
                            Reasoning reasoning, List<ToolSpec> tools, ToolChoice toolChoice) {

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
            if (m.content().isBlank() && !m.hasImages() && !m.hasToolParts()) {
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
        tools = tools == null ? List.of() : List.copyOf(tools);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ToolSpec t : tools) {
            if (!names.add(t.name())) {
                throw new InvalidConfigurationException("two tools are named '" + t.name() + "'; tool names must be unique");
            }
        }
        if (toolChoice != null && toolChoice.mode() == ToolChoice.Mode.NAMED && !names.contains(toolChoice.toolName())) {
            throw new InvalidConfigurationException("the tool choice names '" + toolChoice.toolName()
                    + "', which is not among the offered tools " + names);
        }
        if (toolChoice != null && toolChoice.mode() == ToolChoice.Mode.REQUIRED && tools.isEmpty()) {
            throw new InvalidConfigurationException("a tool call is required but no tools are offered; add tools(...)");
        }
    }

    /** A request without tools. */
    public FusionRequest(String system, List<ChatMessage> messages, Integer maxOutputTokens, Double temperature,
                         Integer quorum, Duration grace, Duration memberTimeout, Duration deadline,
                         BigDecimal budgetUsd, Long shuffleSeed, ResponseFormat responseFormat, Reasoning reasoning) {
        this(system, messages, maxOutputTokens, temperature, quorum, grace, memberTimeout, deadline, budgetUsd,
                shuffleSeed, responseFormat, reasoning, List.of(), null);
    }

    /** Whether the caller offers tools. */
    public boolean hasTools() {
        return !tools.isEmpty();
    }

    /** A request without a response format or reasoning setting (the form before structured answers). */
    public FusionRequest(String system, List<ChatMessage> messages, Integer maxOutputTokens, Double temperature,
                         Integer quorum, Duration grace, Duration memberTimeout, Duration deadline,
                         BigDecimal budgetUsd, Long shuffleSeed) {
        this(system, messages, maxOutputTokens, temperature, quorum, grace, memberTimeout, deadline, budgetUsd,
                shuffleSeed, null, null);
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
        b.responseFormat = responseFormat;
        b.reasoning = reasoning;
        b.tools = tools;
        b.toolChoice = toolChoice;
        return b;
    }

    @Override
    public String toString() {
        return "FusionRequest[messages=" + messages.size() + ", promptChars=" + prompt().length()
                + ", maxOutputTokens=" + maxOutputTokens + ", quorum=" + quorum + ", budgetUsd=" + budgetUsd
                + (responseFormat != null ? ", " + responseFormat : "")
                + (reasoning != null ? ", " + reasoning : "")
                + (tools.isEmpty() ? "" : ", tools=" + tools.stream().map(ToolSpec::name).toList()) + "]";
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
        private ResponseFormat responseFormat;
        private Reasoning reasoning;
        private final List<ContentPart> images = new ArrayList<>();
        private List<ToolSpec> tools = List.of();
        private ToolChoice toolChoice;

        /** The caller's tools the panel may call (the fusion decides, the caller runs them). */
        public Builder tools(List<ToolSpec> tools) { this.tools = tools == null ? List.of() : tools; return this; }
        /** The caller's tools the panel may call. */
        public Builder tools(ToolSpec... tools) { return tools(List.of(tools)); }
        /** Whether and which tool must be called (null: each model decides). */
        public Builder toolChoice(ToolChoice choice) { this.toolChoice = choice; return this; }

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

        /**
         * Answers must be JSON valid against this JSON Schema (JSON text, named {@code answer}).
         *
         * @throws InvalidConfigurationException when the text is not a JSON object, or is too large or deep
         */
        public Builder schema(String jsonSchema) {
            this.responseFormat = ResponseFormat.parse(null, jsonSchema);
            return this;
        }

        /**
         * Answers must be JSON shaped like {@code type} (a record or POJO): its JSON Schema (Draft 2020-12)
         * is generated from its fields, every property required; see {@link ResponseFormat#fromClass}.
         */
        public Builder schema(Class<?> type) {
            this.responseFormat = ResponseFormat.fromClass(type);
            return this;
        }

        /** The answer's shape: JSON mode, a schema, or null for free text. */
        public Builder responseFormat(ResponseFormat format) {
            this.responseFormat = format;
            return this;
        }

        /**
         * Attaches an image to the prompt (the last user message), after its text; repeatable.
         *
         * @throws InvalidConfigurationException for a media type other than PNG, JPEG, GIF, WebP, or over
         *                                       {@link ContentPart#MAX_IMAGE_BYTES} bytes
         */
        public Builder image(byte[] bytes, String mediaType) {
            images.add(ContentPart.image(bytes, mediaType));
            return this;
        }

        /** Attaches an image by http(s) URL to the prompt (providers that fetch URLs only; not Gemini). */
        public Builder imageUrl(String url) {
            images.add(ContentPart.imageUrl(url));
            return this;
        }

        /** How hard reasoning models think (members' own settings win). */
        public Builder reasoning(Effort effort) {
            this.reasoning = Reasoning.of(effort);
            return this;
        }

        /**
         * A thinking budget in tokens for reasoning models (members' own settings win).
         *
         * @throws InvalidConfigurationException when {@code tokens} is zero or negative
         */
        public Builder reasoningTokens(int tokens) {
            this.reasoning = Reasoning.tokens(tokens);
            return this;
        }

        public FusionRequest build() {
            List<ChatMessage> msgs = messages;
            if (!images.isEmpty()) {
                if (msgs.isEmpty()) {
                    throw new InvalidConfigurationException("images need a prompt to go with; set prompt(...) too");
                }
                msgs = new ArrayList<>(messages);
                int last = msgs.size() - 1;
                msgs.set(last, msgs.get(last).with(images));
            }
            return new FusionRequest(system, msgs, maxOutputTokens, temperature, quorum, grace, memberTimeout,
                    deadline, budgetUsd, shuffleSeed, responseFormat, reasoning, tools, toolChoice);
        }
    }
}
