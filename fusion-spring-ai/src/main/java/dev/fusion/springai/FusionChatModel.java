package dev.fusion.springai;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.cost.Usage;
import dev.fusion.springai.internal.Prompts;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Fusion} as a Spring AI {@link ChatModel}: every prompt is one ask (panel, then judge),
 * so a {@code ChatClient} built on it runs on a panel and a judge.
 *
 * <pre>{@code
 * ChatClient client = ChatClient.create(FusionChatModel.of(fusion));
 * String answer = client.prompt("Why is the sky blue?").call().content();
 * }</pre>
 *
 * <h2>Responses</h2>
 * One generation with the fused answer (finish reason from the judge). The
 * {@link ChatResponseMetadata} carries the total {@code Usage} over every panel and judge call
 * (prompt, completion, cache read and write tokens; {@code getNativeUsage()} is Fusion's
 * {@link Usage}), {@code getModel()} is the judge that wrote the answer ({@code provider:model}, or
 * {@code fusion} when unjudged), and the whole {@link FusionResult} (ledger, exact cost) under
 * {@value #RESULT_KEY}: read it with {@link #fusionResult(ChatResponse)}.
 *
 * <h2>Prompts</h2>
 * System messages become the system prompt, user and assistant messages the conversation; the
 * options' max tokens and temperature apply to every call of the ask (the model name is ignored:
 * the fusion's panel decides). Images in user messages (bytes or an http(s) URL) go to every member;
 * other media, stop sequences, top-p/top-k and penalties fail with
 * {@link UnsupportedOperationException} before any call.
 *
 * <h2>Tools</h2>
 * {@code ChatClient.prompt().tools(...)} works as with any other model: the tool callbacks' definitions
 * are offered to the whole panel ({@link FusionChatOptions} are Spring AI's {@code ToolCallingChatOptions}),
 * the fusion decides one step, and a decision to call tools comes back as an {@link AssistantMessage} with
 * tool calls (finish reason {@code tool_calls}). Spring AI's tool calling runs them and sends the
 * conversation back with a {@code ToolResponseMessage}: the next ask is the fusion's next step.
 * {@link FusionResult#decidedBy()} on {@link #fusionResult(ChatResponse)} says how each step was decided. {@code ChatClient}'s
 * {@code .entity(Type.class)} works through its prompt-instruction path (the format instructions
 * travel in the user message to every member and the judge); with
 * {@code .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)} the JSON Schema travels instead
 * as the options' output schema ({@link #getOptions()} are
 * {@link StructuredOutputChatOptions}), becomes the ask's {@link dev.fusion.model.ResponseFormat}
 * sent natively to every panel member, and is also stated after the question for the judge.
 * Fusion's exceptions ({@code QuorumNotMetException}, …) reach the caller unchanged.
 *
 * <h2>Streaming</h2>
 * {@link #stream(Prompt)} emits the judge's text as it is generated, one response per piece, then a
 * last response with an empty text carrying the finish reason, usage and result (an unjudged answer
 * comes whole in that last response). If a judge fails mid-answer and a fallback judge takes over,
 * the failed judge's pieces were already emitted: the last response's result is authoritative.
 * Cancelling the subscription cancels the ask and every call in flight.
 *
 * <p>Thread-safe: one instance serves concurrent prompts (the fusion is thread-safe).
 */
public final class FusionChatModel implements ChatModel {

    /** The {@link ChatResponseMetadata} key of the {@link FusionResult}. */
    public static final String RESULT_KEY = "fusion.result";

    private final Fusion fusion;

    private FusionChatModel(Fusion fusion) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
    }

    /** A Spring AI chat model backed by {@code fusion}. */
    public static FusionChatModel of(Fusion fusion) {
        return new FusionChatModel(fusion);
    }

    /** The fusion behind this model. */
    public Fusion fusion() {
        return fusion;
    }

    /** The fusion result behind a response, when a {@link FusionChatModel} produced it. */
    public static Optional<FusionResult> fusionResult(ChatResponse response) {
        if (response == null || response.getMetadata() == null) {
            return Optional.empty();
        }
        Object value = response.getMetadata().get(RESULT_KEY);
        return value instanceof FusionResult r ? Optional.of(r) : Optional.empty();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        FusionResult result = fusion.ask(Prompts.toFusionRequest(prompt));
        return response(result, result.answer());
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> {
            FusionRequest request = Prompts.toFusionRequest(prompt);
            boolean[] delivered = {false};
            return fusion.stream(request).<ChatResponse>handle((event, sink) -> {
                if (event instanceof FusionEvent.JudgeDelta delta && !delta.text().isEmpty()) {
                    delivered[0] = true;
                    sink.next(new ChatResponse(List.of(new Generation(new AssistantMessage(delta.text())))));
                } else if (event instanceof FusionEvent.Completed c) {
                    sink.next(response(c.result(), delivered[0] ? "" : c.result().answer()));
                }
            });
        });
    }

    /**
     * Options that say which model this is; every other option is left to the prompt. They are
     * {@link FusionChatOptions}: {@link StructuredOutputChatOptions}, so ChatClient's native structured output
     * can set a schema, and Spring AI's {@code ToolCallingChatOptions}, so ChatClient can hand over its tools.
     */
    @Override
    public FusionChatOptions getOptions() {
        return FusionChatOptions.builder().model("fusion").build();
    }

    /** The same as {@link #getOptions()} (ChatClient reads {@code getOptions()} in Spring AI 2). */
    @Override
    public FusionChatOptions getDefaultOptions() {
        return getOptions();
    }

    static ChatResponse response(FusionResult result, String text) {
        Usage total = result.totalUsage();
        DefaultUsage usage = new DefaultUsage(clamp(total.promptTokens()), clamp(total.completionTokens()),
                clamp(total.totalTokens()), total, total.cacheRead(), total.cacheWrite());
        ChatResponseMetadata metadata = ChatResponseMetadata.builder()
                .model(result.judge().map(j -> j.model().toString()).orElse("fusion"))
                .usage(usage)
                .keyValue(RESULT_KEY, result)
                .build();
        String finish = result.judge().map(CallRecord::finishReason).orElse("stop");
        AssistantMessage message = new AssistantMessage(text);
        if (result.hasToolCalls()) {
            finish = result.finishReason();
            message = AssistantMessage.builder().content(text).toolCalls(result.toolCalls().stream()
                    .map(c -> new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.argumentsJson())).toList()).build();
        }
        Generation generation = new Generation(message,
                ChatGenerationMetadata.builder().finishReason(finish == null ? "stop" : finish).build());
        return new ChatResponse(List.of(generation), metadata);
    }

    private static int clamp(long tokens) {
        return (int) Math.min(tokens, Integer.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "FusionChatModel[" + fusion + "]";
    }
}
