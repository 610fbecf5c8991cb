package dev.fusion.langchain4j;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.cost.Usage;
import dev.fusion.langchain4j.internal.Messages;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import reactor.core.Disposable;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Fusion} as a LangChain4j {@link ChatModel} and {@link StreamingChatModel}: every chat
 * request is one ask (panel, then judge), so {@code AiServices} interfaces run on a panel and a judge.
 *
 * <pre>{@code
 * interface Assistant { String answer(String question); }
 * Assistant a = AiServices.builder(Assistant.class).chatModel(FusionChatModel.of(fusion)).build();
 * }</pre>
 *
 * <h2>Responses</h2>
 * The answer is the fused answer; the metadata is a {@link FusionChatResponseMetadata} whose
 * {@code tokenUsage()} is the total over every call and whose {@code fusionResult()} is the full
 * result (ledger, exact cost). {@code modelName()} is the judge that wrote the answer
 * ({@code provider:model}), or {@code fusion} for an unjudged answer.
 *
 * <h2>Requests</h2>
 * System messages become the system prompt; user and AI messages the conversation (ending with a
 * user message); {@code maxOutputTokens} and {@code temperature} apply to every call of the ask.
 * Tool specifications become the ask's tools: the panel proposes, the fusion decides one step, and a
 * decision to call tools comes back as an {@code AiMessage} with tool execution requests (finish reason
 * {@code TOOL_EXECUTION}), so an {@code AiServices} interface with {@code @Tool} methods runs its loop
 * through the fusion; tool execution results go back as the next step's tool results.
 * Images in user messages go to every panel member; other non-text content, stop sequences, top-p/top-k and penalties fail with LangChain4j's
 * {@code UnsupportedFeatureException} before any call. A JSON response format becomes the ask's
 * {@link dev.fusion.model.ResponseFormat}: JSON mode without a schema, or the schema (LangChain4j's
 * {@code JsonSchemaElement} tree converted to a JSON Schema object, {@code $defs} and {@code $ref}
 * included) sent natively to every panel member and the judge. This model claims
 * {@link Capability#RESPONSE_FORMAT_JSON_SCHEMA}, so an {@code AiServices} method returning a record
 * or POJO sends its schema to the panel. The format is also stated in words after the last user
 * message, since the judge merges answers to that question and must know the shape of its own
 * answer. Fusion's own exceptions
 * ({@code QuorumNotMetException}, {@code BudgetExceededException}, …) reach the caller unchanged.
 *
 * <h2>Streaming</h2>
 * Partial responses are the judge's text as it is generated (panel progress is not streamed); an
 * unjudged answer arrives as one partial. If a judge fails mid-answer and a fallback judge takes
 * over, the failed judge's partials have already been delivered: the complete response, which
 * carries the final answer, is authoritative. {@link StreamingHandle#cancel()} from a partial
 * response's context cancels the ask and every call in flight. Callbacks run on Fusion's threads.
 *
 * <p>Thread-safe: one instance serves concurrent requests (the fusion is thread-safe).
 */
public final class FusionChatModel implements ChatModel, StreamingChatModel {

    private final Fusion fusion;

    private FusionChatModel(Fusion fusion) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
    }

    /** A LangChain4j chat model backed by {@code fusion}. */
    public static FusionChatModel of(Fusion fusion) {
        return new FusionChatModel(fusion);
    }

    /** The fusion behind this model. */
    public Fusion fusion() {
        return fusion;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return response(fusion.ask(Messages.toFusionRequest(request)));
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(handler, "handler");
        FusionRequest fusionRequest;
        try {
            fusionRequest = Messages.toFusionRequest(request);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        AtomicReference<Disposable> subscription = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        StreamingHandle handle = new StreamingHandle() {
            @Override
            public void cancel() {
                if (cancelled.compareAndSet(false, true)) {
                    Disposable d = subscription.get();
                    if (d != null) {
                        d.dispose();
                    }
                }
            }

            @Override
            public boolean isCancelled() {
                return cancelled.get();
            }
        };
        PartialResponseContext context = new PartialResponseContext(handle);
        StringBuilder delivered = new StringBuilder();
        Disposable d = fusion.stream(fusionRequest).subscribe(event -> {
            if (cancelled.get() || done.get()) {
                return;
            }
            try {
                if (event instanceof FusionEvent.JudgeDelta delta && !delta.text().isEmpty()) {
                    delivered.append(delta.text());
                    handler.onPartialResponse(new PartialResponse(delta.text()), context);
                } else if (event instanceof FusionEvent.Completed c) {
                    FusionResult result = c.result();
                    if (delivered.isEmpty() && !result.answer().isEmpty()) {
                        handler.onPartialResponse(new PartialResponse(result.answer()), context);
                    }
                    if (!cancelled.get() && done.compareAndSet(false, true)) {
                        handler.onCompleteResponse(response(result));
                    }
                }
            } catch (RuntimeException e) {
                // The handler threw: the stream ends here, with the handler's own exception.
                if (done.compareAndSet(false, true)) {
                    handle.cancel();
                    handler.onError(e);
                }
            }
        }, error -> {
            if (!cancelled.get() && done.compareAndSet(false, true)) {
                handler.onError(error);
            }
        });
        subscription.set(d);
        if (cancelled.get()) {
            d.dispose();
        }
    }

    /** The LangChain4j response for a fusion result. */
    static ChatResponse response(FusionResult result) {
        Usage total = result.totalUsage();
        FusionChatResponseMetadata metadata = FusionChatResponseMetadata.builder()
                .modelName(result.judge().map(j -> j.model().toString()).orElse("fusion"))
                .tokenUsage(new TokenUsage(clamp(total.promptTokens()), clamp(total.completionTokens())))
                .finishReason(result.hasToolCalls() ? FinishReason.TOOL_EXECUTION
                        : finishReason(result.judge().map(CallRecord::finishReason).orElse(null)))
                .fusionResult(result)
                .build();
        AiMessage message;
        if (result.hasToolCalls()) {
            List<dev.langchain4j.agent.tool.ToolExecutionRequest> requests = result.toolCalls().stream()
                    .map(c -> dev.langchain4j.agent.tool.ToolExecutionRequest.builder().id(c.id()).name(c.name())
                            .arguments(c.argumentsJson()).build())
                    .toList();
            message = result.answer().isBlank() ? AiMessage.from(requests) : AiMessage.from(result.answer(), requests);
        } else {
            message = AiMessage.from(result.answer());
        }
        return ChatResponse.builder().aiMessage(message).metadata(metadata).build();
    }

    private static int clamp(long tokens) {
        return (int) Math.min(tokens, Integer.MAX_VALUE);
    }

    private static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.STOP;
        }
        return switch (reason.toLowerCase(Locale.ROOT)) {
            case "length", "max_tokens", "max_output_tokens" -> FinishReason.LENGTH;
            case "content_filter", "safety" -> FinishReason.CONTENT_FILTER;
            case "stop", "end_turn", "stop_sequence", "end" -> FinishReason.STOP;
            default -> FinishReason.OTHER;
        };
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return DefaultChatRequestParameters.EMPTY;
    }

    @Override
    public List<ChatModelListener> listeners() {
        return List.of();
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** JSON Schema response formats (see the class comment): structured output is sent natively. */
    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    @Override
    public String toString() {
        return "FusionChatModel[" + fusion + "]";
    }
}
