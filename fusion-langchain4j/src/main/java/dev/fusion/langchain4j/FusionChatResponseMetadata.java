package dev.fusion.langchain4j;

import dev.fusion.FusionResult;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;

import java.util.Objects;
import java.util.Optional;

/**
 * LangChain4j response metadata of a fused answer: {@link #tokenUsage()} is the total over every
 * panel and judge call, and {@link #fusionResult()} is the whole {@link FusionResult} (per-call
 * ledger, exact cost, failures). From an {@code AiServices} method returning {@code Result<T>}:
 * {@code FusionChatResponseMetadata.fusionResult(result.finalResponse())}. Immutable.
 */
public final class FusionChatResponseMetadata extends ChatResponseMetadata {

    private final FusionResult fusionResult;

    private FusionChatResponseMetadata(Builder builder) {
        super(builder);
        this.fusionResult = Objects.requireNonNull(builder.fusionResult, "fusionResult");
    }

    /** The fusion's result: answer, ledger, {@link FusionResult#totalCostUsd()}. */
    public FusionResult fusionResult() {
        return fusionResult;
    }

    /** The fusion result behind a response, when a {@link FusionChatModel} produced it. */
    public static Optional<FusionResult> fusionResult(ChatResponse response) {
        return response != null && response.metadata() instanceof FusionChatResponseMetadata m
                ? Optional.of(m.fusionResult) : Optional.empty();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Builder toBuilder() {
        return new Builder().id(id()).modelName(modelName()).tokenUsage(tokenUsage()).finishReason(finishReason())
                .fusionResult(fusionResult);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusionChatResponseMetadata other && super.equals(o) && fusionResult.equals(other.fusionResult);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + fusionResult.hashCode();
    }

    @Override
    public String toString() {
        return "FusionChatResponseMetadata{modelName=" + modelName() + ", tokenUsage=" + tokenUsage()
                + ", finishReason=" + finishReason() + ", fusionResult=" + fusionResult + "}";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder extends ChatResponseMetadata.Builder<Builder> {
        private FusionResult fusionResult;

        public Builder fusionResult(FusionResult result) {
            this.fusionResult = result;
            return this;
        }

        @Override
        public FusionChatResponseMetadata build() {
            return new FusionChatResponseMetadata(this);
        }
    }
}
