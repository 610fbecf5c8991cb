package dev.fusion.springai;

import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ProviderException;
import dev.fusion.springai.internal.Failures;
import dev.fusion.springai.internal.Prompts;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Any Spring AI chat model (OpenAI, Anthropic, Ollama, Bedrock, Vertex AI, …) as a Fusion
 * {@link ChatModel}, usable as a panel member or a judge.
 *
 * <pre>{@code
 * Fusion fusion = Fusion.builder()
 *     .panel(SpringAiModel.of("anthropic:claude-sonnet-4-5", anthropicChatModel),
 *            SpringAiModel.of("ollama:llama3.2", ollamaChatModel))
 *     .judge(SpringAiModel.streaming("openai:gpt-4.1", openAiChatModel))
 *     .build();
 * }</pre>
 *
 * <h2>Usage and cost</h2>
 * Spring AI's {@code Usage} prompt and completion tokens map to Fusion's input and output; its cache
 * read/write counts are not subtracted (providers disagree on whether the prompt count includes
 * them), so cached input is priced at the plain input rate: an over-estimate, never an
 * under-estimate. A response with no usage ({@code EmptyUsage} or missing counts) is
 * <em>unknown</em> usage, never zero. The call is priced by {@link #ref()} in the fusion's price book;
 * a reference with no price leaves it unpriced.
 *
 * <h2>Tools</h2>
 * When the fusion's request offers tools, the member is declared them as tool callbacks that never run (the
 * options must be Spring AI's {@code ToolCallingChatOptions}, as every Spring AI 2 chat model's are) and the
 * calls it proposes come back as the response's tool calls, for the fusion to decide. A streamed call with
 * tools is made unstreamed (Spring AI's streamed tool calls are not portable across models).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Fusion owns retries: configure the Spring AI model without its own retries (Spring AI's
 *       {@code spring.ai.retry.max-attempts=1}, or the client library's max-retries 0).</li>
 *   <li>{@link #of} calls {@code call(Prompt)} on Reactor's bounded-elastic scheduler (or on the
 *       thread Fusion names with {@link ChatModel#MAY_BLOCK_KEY}); a blocking call may run to its
 *       end after a cancellation. {@link #streaming} uses {@code stream(Prompt)} for Fusion's
 *       streamed calls, cancelled by disposing the subscription.</li>
 *   <li>Failures become {@link ProviderException}s with the HTTP status when the client library's
 *       exception carries one; messages are bounded and pass core's
 *       {@link dev.fusion.Redactor#redactForeign}: every key the process holds is masked whatever its
 *       shape (registered ones, and secret-named environment variables), and anything shaped like a
 *       credential too. A key the wrapped model got from elsewhere: {@code Redactor.register(key)}.</li>
 * </ul>
 *
 * <p>Thread-safe when the wrapped model is. Immutable.
 */
public final class SpringAiModel implements ChatModel {

    private final ModelRef ref;
    private final org.springframework.ai.chat.model.ChatModel model;
    private final boolean streams;

    private SpringAiModel(ModelRef ref, org.springframework.ai.chat.model.ChatModel model, boolean streams) {
        this.ref = Objects.requireNonNull(ref, "ref");
        this.model = Objects.requireNonNull(model, "model");
        this.streams = streams;
        // The keys this process holds for models Fusion does not build (the wrapped model's own key)
        dev.fusion.Redactor.registerEnvironment();
    }

    /** A Spring AI model under {@code provider:model} (how the fusion prices it and names it in the ledger). */
    public static SpringAiModel of(String ref, org.springframework.ai.chat.model.ChatModel model) {
        return new SpringAiModel(ModelRef.parse(ref), model, false);
    }

    /** As {@link #of}, and Fusion's streamed calls use the model's {@code stream(Prompt)}. */
    public static SpringAiModel streaming(String ref, org.springframework.ai.chat.model.ChatModel model) {
        return new SpringAiModel(ModelRef.parse(ref), model, true);
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public Mono<ModelResponse> call(ModelRequest request) {
        return Mono.deferContextual(context -> {
            Mono<ModelResponse> call = Mono.fromCallable(() -> response(model.call(Prompts.toPrompt(request, model.getDefaultOptions()))))
                    .onErrorMap(Failures::of);
            return context.getOrDefault(MAY_BLOCK_KEY, null) == Thread.currentThread()
                    ? call : call.subscribeOn(Schedulers.boundedElastic());
        });
    }

    @Override
    public Flux<ModelStreamEvent> stream(ModelRequest request) {
        if (!streams || request.hasTools()) {
            // with tools, the calls are read from the whole response (Spring AI's streamed tool calls are not portable)
            return ChatModel.super.stream(request);
        }
        return Flux.defer(() -> {
            StreamState state = new StreamState();
            return model.stream(Prompts.toPrompt(request, model.getDefaultOptions()))
                    .onErrorMap(Failures::of)
                    .<ModelStreamEvent>handle((chunk, sink) -> {
                        String text = state.accept(chunk);
                        if (!text.isEmpty()) {
                            sink.next(new ModelStreamEvent.TextDelta(text));
                        }
                    })
                    .concatWith(Mono.fromCallable(() -> new ModelStreamEvent.Completed(state.response())));
        });
    }

    @Override
    public boolean streamsNatively() {
        return streams;
    }

    /** A Spring AI response as a Fusion response; no text is a failure, no usage is unknown usage. */
    static ModelResponse response(ChatResponse response) {
        Generation g = response == null ? null : response.getResult();
        if (g == null || g.getOutput() == null) {
            throw ProviderException.malformed("the Spring AI model returned no generation", null);
        }
        String finish = g.getMetadata() == null ? null : g.getMetadata().getFinishReason();
        String model = response.getMetadata() == null ? null : response.getMetadata().getModel();
        List<ToolCall> calls = new ArrayList<>();
        for (Generation each : response.getResults()) {
            if (each != null && each.getOutput() != null && each.getOutput().hasToolCalls()) {
                for (org.springframework.ai.chat.messages.AssistantMessage.ToolCall c : each.getOutput().getToolCalls()) {
                    calls.add(toolCall(c, calls.size()));
                }
            }
        }
        if (!calls.isEmpty()) {
            String text = g.getOutput().getText() == null ? "" : g.getOutput().getText();
            Usage usage = usage(response);
            return usage == null
                    ? new ModelResponse(text, Usage.ZERO, null, ModelResponse.FINISH_TOOL_CALLS, model, false, calls)
                    : new ModelResponse(text, usage, null, ModelResponse.FINISH_TOOL_CALLS, model, true, calls);
        }
        return build(g.getOutput().getText(), usage(response), finish, model);
    }

    /** A Spring AI tool call as Fusion's; a call without an id gets Fusion's synthetic one. */
    private static ToolCall toolCall(org.springframework.ai.chat.messages.AssistantMessage.ToolCall c, int index) {
        try {
            String id = c.id() == null || c.id().isBlank() ? ToolCall.SYNTHETIC_ID_PREFIX + index : c.id();
            String args = c.arguments() == null || c.arguments().isBlank() ? "{}" : c.arguments();
            return new ToolCall(id, c.name(), args);
        } catch (RuntimeException e) {
            throw ProviderException.malformed("the Spring AI model proposed a malformed tool call: " + e.getMessage(), null);
        }
    }

    private static ModelResponse build(String text, Usage usage, String finish, String model) {
        if (text == null || text.isBlank()) {
            throw new ProviderException(ProviderException.Kind.EMPTY_ANSWER, -1, "empty_answer", null, true, null, null,
                    "the Spring AI model answered with no text", null);
        }
        String reason = finish == null || finish.isBlank() ? null : finish.toLowerCase(java.util.Locale.ROOT);
        return usage == null ? ModelResponse.withUnknownUsage(text, null, reason, model)
                : new ModelResponse(text, usage, null, reason, model);
    }

    /** The response's usage, or null when it reported none. */
    private static Usage usage(ChatResponse response) {
        if (response == null || response.getMetadata() == null) {
            return null;
        }
        org.springframework.ai.chat.metadata.Usage u = response.getMetadata().getUsage();
        if (u == null || u instanceof EmptyUsage || u.getPromptTokens() == null || u.getCompletionTokens() == null) {
            return null;
        }
        if (u.getPromptTokens() < 0 || u.getCompletionTokens() < 0) {
            throw ProviderException.malformed("the Spring AI model reported negative token counts", null);
        }
        return Usage.of(u.getPromptTokens(), u.getCompletionTokens());
    }

    /** What a stream has delivered so far. Confined to one subscription (Reactor signals are serial). */
    private static final class StreamState {
        private final StringBuilder text = new StringBuilder();
        private Usage usage;
        private String finish;
        private String model;

        String accept(ChatResponse chunk) {
            Usage u = usage(chunk);
            if (u != null) {
                usage = u;
            }
            if (chunk.getMetadata() != null && chunk.getMetadata().getModel() != null && !chunk.getMetadata().getModel().isEmpty()) {
                model = chunk.getMetadata().getModel();
            }
            Generation g = chunk.getResult();
            if (g == null || g.getOutput() == null) {
                return "";
            }
            if (g.getMetadata() != null && g.getMetadata().getFinishReason() != null) {
                finish = g.getMetadata().getFinishReason();
            }
            String piece = g.getOutput().getText();
            if (piece == null) {
                return "";
            }
            text.append(piece);
            return piece;
        }

        ModelResponse response() {
            return build(text.toString(), usage, finish, model);
        }
    }

    @Override
    public String toString() {
        return "SpringAiModel[" + ref + ", " + model.getClass().getSimpleName() + "]";
    }
}
