package dev.fusion.springai;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The options of a {@link FusionChatModel}: Spring AI's portable chat options, its tool-calling options
 * (so {@code ChatClient.prompt().tools(...)} hands the tools to the fusion) and its structured-output option
 * (so {@code ENABLE_NATIVE_STRUCTURED_OUTPUT} hands the schema to the fusion).
 *
 * <pre>{@code
 * ChatClient client = ChatClient.create(FusionChatModel.of(fusion));
 * String answer = client.prompt("What is 17 * 23?").tools(new Calculator()).call().content();
 * }</pre>
 *
 * The tool callbacks become the request's {@link dev.fusion.model.ToolSpec}s (name, description, input
 * schema); the fusion decides the next step and Spring AI's tool calling runs the decided calls. The tool
 * context stays with Spring AI (it reaches the callbacks, never a model).
 *
 * <p>Immutable and thread-safe (the lists and maps are copied); the builder is not thread-safe.
 */
public final class FusionChatOptions extends DefaultToolCallingChatOptions implements StructuredOutputChatOptions {

    private final String outputSchema;

    private FusionChatOptions(List<org.springframework.ai.tool.ToolCallback> toolCallbacks, Map<String, Object> toolContext,
                              String model, Double frequencyPenalty, Integer maxTokens, Double presencePenalty,
                              List<String> stopSequences, Double temperature, Integer topK, Double topP, String outputSchema) {
        super(toolCallbacks == null ? List.of() : List.copyOf(toolCallbacks),
                toolContext == null ? Map.of() : Map.copyOf(toolContext),
                model, frequencyPenalty, maxTokens, presencePenalty,
                stopSequences == null ? null : List.copyOf(stopSequences), temperature, topK, topP);
        this.outputSchema = outputSchema;
    }

    /** A builder of empty options. */
    public static Builder builder() {
        return new Builder();
    }

    /** The JSON Schema the answer must follow (ChatClient's native structured output), or null. */
    @Override
    public String getOutputSchema() {
        return outputSchema;
    }

    /** A builder holding these options. */
    @Override
    public Builder mutate() {
        Builder b = new Builder();
        b.model(getModel()).frequencyPenalty(getFrequencyPenalty()).maxTokens(getMaxTokens())
                .presencePenalty(getPresencePenalty()).stopSequences(getStopSequences()).temperature(getTemperature())
                .topK(getTopK()).topP(getTopP());
        b.toolCallbacks(getToolCallbacks());
        b.toolContext(getToolContext());
        b.outputSchema = outputSchema;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusionChatOptions other && super.equals(o) && Objects.equals(outputSchema, other.outputSchema);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hashCode(outputSchema);
    }

    @Override
    public String toString() {
        return "FusionChatOptions[model=" + getModel() + ", tools="
                + getToolCallbacks().stream().map(t -> t.getToolDefinition().name()).toList()
                + (outputSchema == null ? "" : ", outputSchema") + "]";
    }

    /** Builds {@link FusionChatOptions}; also what {@code ChatClient} fills with the prompt's tools and options. */
    public static final class Builder extends DefaultToolCallingChatOptions.Builder<Builder>
            implements StructuredOutputChatOptions.Builder<Builder> {

        private String outputSchema;

        /** The JSON Schema the answer must follow. */
        @Override
        public Builder outputSchema(String schema) {
            this.outputSchema = schema;
            return this;
        }

        /**
         * Takes every option {@code other} sets (its tool callbacks and context when it has tool-calling options,
         * its output schema when it has structured-output options), keeping this builder's others.
         */
        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other != null && !(other instanceof DefaultToolCallingChatOptions.Builder<?>)) {
                // a builder of another kind: read what it would build
                ChatOptions built = other.build();
                if (built instanceof ToolCallingChatOptions tools && tools.getToolCallbacks() != null
                        && !tools.getToolCallbacks().isEmpty()) {
                    toolCallbacks(tools.getToolCallbacks());
                }
                if (built instanceof ToolCallingChatOptions tools && tools.getToolContext() != null
                        && !tools.getToolContext().isEmpty()) {
                    toolContext(tools.getToolContext());
                }
            }
            if (other instanceof StructuredOutputChatOptions.Builder<?> structured && other != this) {
                ChatOptions built = structured.build();
                if (built instanceof StructuredOutputChatOptions s && s.getOutputSchema() != null) {
                    this.outputSchema = s.getOutputSchema();
                }
            }
            return this;
        }

        @Override
        public Builder clone() {
            Builder copy = super.clone();
            copy.outputSchema = outputSchema;
            return copy;
        }

        @Override
        public FusionChatOptions build() {
            return new FusionChatOptions(toolCallbacks, toolContext, model, frequencyPenalty, maxTokens, presencePenalty,
                    stopSequences, temperature, topK, topP, outputSchema);
        }
    }
}
