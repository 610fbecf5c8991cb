package dev.fusion.langchain4j;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.cost.Usage;
import dev.fusion.langchain4j.internal.Failures;
import dev.fusion.langchain4j.internal.Messages;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.TokenUsage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Any LangChain4j chat model (Bedrock, Azure OpenAI, Vertex AI, Mistral, Ollama, …) as a Fusion
 * {@link ChatModel}, usable as a panel member or a judge.
 *
 * <pre>{@code
 * Fusion fusion = Fusion.builder()
 *     .panel(LangChain4jModel.of("mistral:mistral-large-latest", mistral),
 *            LangChain4jModel.of("bedrock:anthropic.claude-sonnet-4", bedrock))
 *     .judge(LangChain4jModel.of("openai:gpt-4.1", openAi))
 *     .build();
 * }</pre>
 *
 * <h2>Usage and cost</h2>
 * LangChain4j's {@code TokenUsage} has input and output counts only, so they map to Fusion's
 * uncached input and visible output: cache reads and reasoning tokens are not told apart and are
 * priced at the plain input and output rates. A response without usage (or with a missing count) is
 * <em>unknown</em> usage, never zero. The call is priced by {@link #ref()} in the fusion's price
 * book; a reference with no price leaves the call unpriced.
 *
 * <h2>Tools</h2>
 * When the fusion's request offers tools, the member is sent them as LangChain4j tool specifications
 * (assistant tool calls and tool results in the history as tool execution requests and tool execution
 * result messages) and the calls it proposes come back as the response's tool calls, for the fusion to
 * decide; the member never runs a tool. A named tool choice is sent as {@code REQUIRED}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Fusion owns retries: build the LangChain4j model with {@code maxRetries(0)} (most default to 2,
 *       which would multiply Fusion's own retries and hide them from the ledger).</li>
 *   <li>A blocking LangChain4j {@code ChatModel} runs on Reactor's bounded-elastic scheduler (or on
 *       the thread Fusion names with {@link ChatModel#MAY_BLOCK_KEY}); cancelling interrupts that
 *       thread where the scheduler does, but a blocking request may run to its end. A
 *       {@link StreamingChatModel} is cancelled through its streaming handle.</li>
 *   <li>LangChain4j exceptions become {@link ProviderException}s: HTTP status from
 *       {@code HttpException} or the exception type (rate limit 429, authentication 401, …),
 *       retryable by Fusion's shared rule; messages are bounded and pass core's
 *       {@link dev.fusion.Redactor#redactForeign}: every key the process holds is masked whatever its
 *       shape (registered ones, and secret-named environment variables), and anything shaped like a
 *       credential too. A key the wrapped model got from elsewhere: {@code Redactor.register(key)}.</li>
 * </ul>
 *
 * <p>Thread-safe when the wrapped model is (LangChain4j's models are). Immutable.
 */
public final class LangChain4jModel implements ChatModel {

    private static final Map<ModelProvider, String> PROVIDERS = Map.ofEntries(
            Map.entry(ModelProvider.OPEN_AI, "openai"),
            Map.entry(ModelProvider.ANTHROPIC, "anthropic"),
            Map.entry(ModelProvider.GOOGLE_AI_GEMINI, "gemini"),
            Map.entry(ModelProvider.GOOGLE_GENAI, "gemini"),
            Map.entry(ModelProvider.GOOGLE_VERTEX_AI_GEMINI, "vertex"),
            Map.entry(ModelProvider.GOOGLE_VERTEX_AI_ANTHROPIC, "vertex"),
            Map.entry(ModelProvider.AMAZON_BEDROCK, "bedrock"),
            Map.entry(ModelProvider.AZURE_OPEN_AI, "azure-openai"),
            Map.entry(ModelProvider.MICROSOFT_FOUNDRY, "azure-foundry"),
            Map.entry(ModelProvider.GITHUB_MODELS, "github-models"),
            Map.entry(ModelProvider.MISTRAL_AI, "mistral"),
            Map.entry(ModelProvider.OLLAMA, "ollama"),
            Map.entry(ModelProvider.WATSONX, "watsonx"),
            Map.entry(ModelProvider.COHERE, "cohere"));

    private final ModelRef ref;
    private final dev.langchain4j.model.chat.ChatModel chat;
    private final StreamingChatModel streaming;

    private LangChain4jModel(ModelRef ref, dev.langchain4j.model.chat.ChatModel chat, StreamingChatModel streaming) {
        this.ref = Objects.requireNonNull(ref, "ref");
        this.chat = chat;
        this.streaming = streaming;
        // The keys this process holds for models Fusion does not build (the wrapped model's own key)
        dev.fusion.Redactor.registerEnvironment();
    }

    /** A LangChain4j model under {@code provider:model} (how the fusion prices it and names it in the ledger). */
    public static LangChain4jModel of(String ref, dev.langchain4j.model.chat.ChatModel model) {
        return of(ModelRef.parse(ref), model);
    }

    /** A LangChain4j model under {@code ref}. */
    public static LangChain4jModel of(ModelRef ref, dev.langchain4j.model.chat.ChatModel model) {
        return new LangChain4jModel(ref, Objects.requireNonNull(model, "model"), null);
    }

    /**
     * A LangChain4j model under the reference it describes itself by: its {@code provider()}
     * ({@code OPEN_AI → openai}, {@code ANTHROPIC → anthropic}, {@code GOOGLE_AI_GEMINI → gemini},
     * {@code AMAZON_BEDROCK → bedrock}, {@code AZURE_OPEN_AI → azure-openai},
     * {@code MISTRAL_AI → mistral}, {@code OLLAMA → ollama}, …) and its default model name.
     *
     * @throws InvalidConfigurationException when the model names no known provider or no model;
     *                                       pass the reference explicitly then
     */
    public static LangChain4jModel of(dev.langchain4j.model.chat.ChatModel model) {
        Objects.requireNonNull(model, "model");
        String provider = PROVIDERS.get(model.provider());
        String name = model.defaultRequestParameters() == null ? null : model.defaultRequestParameters().modelName();
        if (provider == null || name == null || name.isBlank()) {
            throw new InvalidConfigurationException("cannot tell which model this LangChain4j " + model.getClass().getSimpleName()
                    + " is (provider " + model.provider() + ", model name " + (name == null ? "unset" : "'" + name + "'")
                    + "); pass its reference explicitly: LangChain4jModel.of(\"provider:model\", model)");
        }
        return of(new ModelRef(provider, name), model);
    }

    /**
     * The blocking and the streaming LangChain4j model of one model under {@code provider:model}:
     * Fusion's plain calls use {@code chat}, its streamed calls (the judge of a streamed ask, a
     * streaming panel) use {@code streaming}, so the judge's tokens reach the caller as generated.
     */
    public static LangChain4jModel of(String ref, dev.langchain4j.model.chat.ChatModel chat, StreamingChatModel streaming) {
        return new LangChain4jModel(ModelRef.parse(ref), Objects.requireNonNull(chat, "chat"),
                Objects.requireNonNull(streaming, "streaming"));
    }

    /** A streaming LangChain4j model under {@code provider:model}; answers stream natively. */
    public static LangChain4jModel streaming(String ref, StreamingChatModel model) {
        return new LangChain4jModel(ModelRef.parse(ref), null, Objects.requireNonNull(model, "model"));
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public Mono<ModelResponse> call(ModelRequest request) {
        if (chat == null) {
            return ChatModel.collect(stream(request));
        }
        return Mono.deferContextual(context -> {
            Mono<ModelResponse> call = Mono.fromCallable(() -> response(chat.chat(Messages.toChatRequest(request))))
                    .onErrorMap(Failures::of);
            return context.getOrDefault(MAY_BLOCK_KEY, null) == Thread.currentThread()
                    ? call : call.subscribeOn(Schedulers.boundedElastic());
        });
    }

    @Override
    public Flux<ModelStreamEvent> stream(ModelRequest request) {
        if (streaming == null) {
            return ChatModel.super.stream(request);
        }
        return Flux.create(sink -> {
            AtomicReference<StreamingHandle> handle = new AtomicReference<>();
            sink.onCancel(() -> {
                StreamingHandle h = handle.get();
                if (h != null) {
                    h.cancel();
                }
            });
            try {
                streaming.chat(Messages.toChatRequest(request), new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        handle.set(context.streamingHandle());
                        if (sink.isCancelled()) {
                            context.streamingHandle().cancel();
                        } else if (partial.text() != null && !partial.text().isEmpty()) {
                            sink.next(new ModelStreamEvent.TextDelta(partial.text()));
                        }
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        try {
                            sink.next(new ModelStreamEvent.Completed(response(response)));
                            sink.complete();
                        } catch (RuntimeException e) {
                            sink.error(Failures.of(e));
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        sink.error(Failures.of(error));
                    }
                });
            } catch (RuntimeException e) {
                sink.error(Failures.of(e));
            }
        });
    }

    @Override
    public boolean streamsNatively() {
        return streaming != null;
    }

    /** A LangChain4j response as a Fusion response; no text is a failure, no usage is unknown usage. */
    static ModelResponse response(ChatResponse response) {
        AiMessage message = response == null ? null : response.aiMessage();
        if (message == null) {
            throw ProviderException.malformed("the LangChain4j model returned no message", null);
        }
        if (message.hasToolExecutionRequests()) {
            return withCalls(response, message);
        }
        String text = message.text();
        if (text == null || text.isBlank()) {
            throw new ProviderException(ProviderException.Kind.EMPTY_ANSWER, -1, "empty_answer", null, true, null, null,
                    "the LangChain4j model answered with no text", null);
        }
        String finish = response.finishReason() == null ? null : response.finishReason().name().toLowerCase(Locale.ROOT);
        TokenUsage usage = response.tokenUsage();
        if (usage == null || usage.inputTokenCount() == null || usage.outputTokenCount() == null) {
            return ModelResponse.withUnknownUsage(text, null, finish, response.modelName());
        }
        if (usage.inputTokenCount() < 0 || usage.outputTokenCount() < 0) {
            throw ProviderException.malformed("the LangChain4j model reported negative token counts: " + usage, null);
        }
        return new ModelResponse(text, Usage.of(usage.inputTokenCount(), usage.outputTokenCount()), null, finish,
                response.modelName());
    }

    /** A response proposing tool calls (a member offered the request's tools), its text possibly empty. */
    private static ModelResponse withCalls(ChatResponse response, AiMessage message) {
        java.util.List<dev.fusion.model.ToolCall> calls = new java.util.ArrayList<>();
        for (dev.langchain4j.agent.tool.ToolExecutionRequest r : message.toolExecutionRequests()) {
            try {
                String id = r.id() == null || r.id().isBlank() ? dev.fusion.model.ToolCall.SYNTHETIC_ID_PREFIX + calls.size() : r.id();
                String args = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
                calls.add(new dev.fusion.model.ToolCall(id, r.name(), args));
            } catch (RuntimeException e) {
                throw ProviderException.malformed("the LangChain4j model proposed a malformed tool call: " + e.getMessage(), null);
            }
        }
        String text = message.text() == null ? "" : message.text();
        TokenUsage usage = response.tokenUsage();
        if (usage == null || usage.inputTokenCount() == null || usage.outputTokenCount() == null) {
            return new ModelResponse(text, Usage.ZERO, null, ModelResponse.FINISH_TOOL_CALLS, response.modelName(), false, calls);
        }
        if (usage.inputTokenCount() < 0 || usage.outputTokenCount() < 0) {
            throw ProviderException.malformed("the LangChain4j model reported negative token counts: " + usage, null);
        }
        return new ModelResponse(text, Usage.of(usage.inputTokenCount(), usage.outputTokenCount()), null,
                ModelResponse.FINISH_TOOL_CALLS, response.modelName(), true, calls);
    }

    @Override
    public String toString() {
        return "LangChain4jModel[" + ref + ", " + (chat != null ? chat : streaming).getClass().getSimpleName() + "]";
    }
}
