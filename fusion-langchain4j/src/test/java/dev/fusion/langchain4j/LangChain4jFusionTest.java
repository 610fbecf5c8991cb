package dev.fusion.langchain4j;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.fusion.sandbox.WireRequest;
import dev.fusion.sandbox.OutputMode;
import dev.fusion.sandbox.Script;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.TokenStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Both directions against real LangChain4j classes: a fusion whose members and judge are LangChain4j
 * {@link OpenAiChatModel}s talking HTTP to the sandbox, run through real {@link AiServices}.
 */
class LangChain4jFusionTest {

    private static final String QUESTION = "Why is the sky blue?";
    private static final String LIMITED = "sandbox-limited";
    private static final String REFUSED = "sandbox-refused";
    /** What a provider's 401 body may quote; must never reach Fusion's errors. */
    /** A judge that answers JSON only when the question it merges carries JSON format instructions. */
    private static final String JSON_JUDGE = "sandbox-json-judge";
    /** A judge that streams a long answer slowly (50 ms between chunks). */
    private static final String SLOW_JUDGE = "sandbox-slow-judge";
    private static final String LEAKY_KEY = "sk-proj-Abc123SecretKeyMaterial0987";

    private static WireServer server;

    interface Assistant {
        String answer(String question);
    }

    interface LedgerAssistant {
        Result<String> answer(String question);
    }

    record Verdict(String summary, int confidence) {
    }

    interface StructuredAssistant {
        Verdict verdict(String question);
    }

    interface StreamingAssistant {
        TokenStream answer(String question);
    }

    /** What the sandbox received for the recorded models (panel members and the judge), in arrival order. */
    private static final List<WireRequest> RECORDED = new CopyOnWriteArrayList<>();

    private static Script recorded(Behaviour personas) {
        return request -> {
            RECORDED.add(request);
            return personas.decide(request);
        };
    }

    @BeforeAll
    static void start() {
        Behaviour personas = Sandbox.behaviour(0);
        server = WireServer.start(Behaviour.builder()
                .models(personas)
                .model(Sandbox.SWIFT, recorded(personas))
                .model(Sandbox.TERSE, recorded(personas))
                .model(Sandbox.JUDGE, recorded(personas))
                .model(LIMITED, Reply.fault(Fault.http(429, "slow down")))
                .model(REFUSED, Reply.fault(Fault.http(401, "Incorrect API key provided: " + LEAKY_KEY)))
                .model(SLOW_JUDGE, Reply.text("word ".repeat(400).trim()).wordsPerChunk(1)
                        .chunkDelay(Duration.ofMillis(50)))
                // the record's shape reaches the judge natively (the schema on the wire) or as prompt instructions
                .model(JSON_JUDGE, request -> RECORDED.add(request) && request.outputMode() == OutputMode.JSON_SCHEMA
                        ? (request.schema().contains("\"confidence\"")
                                ? Reply.text("{\"summary\": \"Rayleigh scattering\", \"confidence\": 4}")
                                : Reply.text("{}"))
                        : request.lastUserText().contains("JSON")
                        && request.lastUserText().contains("confidence")
                        ? Reply.text("{\"summary\": \"Rayleigh scattering\", \"confidence\": 4}")
                        : Reply.text("no format instructions reached the judge"))
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.resetStats();
        RECORDED.clear();
    }

    private static OpenAiChatModel openAi(String model) {
        return OpenAiChatModel.builder().baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox")
                .modelName(model).maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    }

    private static LangChain4jModel member(String model) {
        return LangChain4jModel.of(Sandbox.PROVIDER_OPENAI + ":" + model, openAi(model));
    }

    private static OpenAiStreamingChatModel openAiStreaming(String model) {
        return OpenAiStreamingChatModel.builder().baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox")
                .modelName(model).timeout(Duration.ofSeconds(20)).build();
    }

    /** The judge as LangChain4j's blocking and streaming OpenAI models, so streamed asks stream its tokens. */
    private static LangChain4jModel judge() {
        return LangChain4jModel.of(Sandbox.PROVIDER_OPENAI + ":" + Sandbox.JUDGE, openAi(Sandbox.JUDGE),
                openAiStreaming(Sandbox.JUDGE));
    }

    private static Fusion fusion() {
        return Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.SCHOLAR), member(Sandbox.TERSE))
                .judge(judge())
                .quorum(3)
                .retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .build();
    }

    /** What a call should cost: the persona's price on the usage the server says it served. */
    private static BigDecimal servedCost(String model) {
        Usage served = server.servedUsage(model);
        return Sandbox.persona(model).price().costOf(Usage.of(served.promptTokens(), served.completionTokens()));
    }

    @Test
    void anAiServicesInterfaceReturningAStringRunsOnThePanelAndTheJudge() {
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(FusionChatModel.of(fusion())).build();

        String answer = assistant.answer(QUESTION);

        assertThat(answer).contains("What the answers agree on").doesNotContain("[sandbox]");
        for (String model : List.of(Sandbox.SWIFT, Sandbox.SCHOLAR, Sandbox.TERSE, Sandbox.JUDGE)) {
            assertThat(server.requestCount(model)).as(model).isEqualTo(1);
        }
    }

    @Test
    void theResponseCarriesTotalTokenUsageAndTheFusionResultWhoseCostsEqualTheLedger() {
        LedgerAssistant assistant = AiServices.builder(LedgerAssistant.class).chatModel(FusionChatModel.of(fusion())).build();

        Result<String> result = assistant.answer(QUESTION);

        FusionResult fused = FusionChatResponseMetadata.fusionResult(result.finalResponse()).orElseThrow();
        assertThat(result.content()).isEqualTo(fused.answer());
        assertThat(fused.judged()).isTrue();
        assertThat(result.tokenUsage().inputTokenCount()).isEqualTo((int) fused.totalUsage().promptTokens()).isPositive();
        assertThat(result.tokenUsage().outputTokenCount()).isEqualTo((int) fused.totalUsage().completionTokens()).isPositive();
        assertThat(result.finalResponse().metadata().modelName()).isEqualTo("sandbox-openai:sandbox-judge");

        BigDecimal expected = BigDecimal.ZERO;
        for (CallRecord call : fused.calls()) {
            Usage served = server.servedUsage(call.model().model());
            assertThat(call.usage().promptTokens()).as(call.memberId()).isEqualTo(served.promptTokens());
            assertThat(call.usage().completionTokens()).as(call.memberId()).isEqualTo(served.completionTokens());
            assertThat(call.cost().usd()).as(call.memberId()).contains(servedCost(call.model().model()));
            expected = expected.add(servedCost(call.model().model()));
        }
        assertThat(fused.calls()).hasSize(4);
        assertThat(fused.totalCostUsd()).isEqualByComparingTo(expected).isPositive();
        assertThat(fused.costComplete()).isTrue();
    }

    @Test
    void anAiServicesInterfaceReturningARecordGetsItsJsonInstructionsToTheJudge() {
        Fusion fusion = Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.TERSE))
                .judge(member(JSON_JUDGE))
                .quorum(2).retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .price(Sandbox.PROVIDER_OPENAI + ":" + JSON_JUDGE, dev.fusion.cost.Price.of("1.00", "5.00"))
                .build();
        StructuredAssistant assistant = AiServices.builder(StructuredAssistant.class)
                .chatModel(FusionChatModel.of(fusion)).build();

        Verdict verdict = assistant.verdict(QUESTION);

        assertThat(verdict).isEqualTo(new Verdict("Rayleigh scattering", 4));
        assertThat(server.requestCount(JSON_JUDGE)).isEqualTo(1);
    }

    @Test
    void anAiServicesMethodReturningARecordSendsItsJsonSchemaToThePanelAndStatesItToTheJudge() throws Exception {
        Fusion fusion = Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.TERSE))
                .judge(member(JSON_JUDGE))
                .quorum(2).retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .price(Sandbox.PROVIDER_OPENAI + ":" + JSON_JUDGE, dev.fusion.cost.Price.of("1.00", "5.00"))
                .build();
        StructuredAssistant assistant = AiServices.builder(StructuredAssistant.class)
                .chatModel(FusionChatModel.of(fusion)).build();

        // a scripted judge: the engine does not yet send the judge the format natively, and the standard
        // sandbox judge answers free text without it
        assertThat(assistant.verdict(QUESTION)).isEqualTo(new Verdict("Rayleigh scattering", 4));

        JsonNode expected = new ObjectMapper().readTree(
                "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"},\"confidence\":{\"type\":\"integer\"}}}");
        ObjectMapper json = new ObjectMapper();
        List<WireRequest> panel = RECORDED.stream().filter(r -> !r.model().equals(JSON_JUDGE)).toList();
        assertThat(panel).extracting(WireRequest::model).containsExactlyInAnyOrder(Sandbox.SWIFT, Sandbox.TERSE);
        for (WireRequest request : panel) {
            assertThat(request.outputMode()).as(request.model()).isEqualTo(OutputMode.JSON_SCHEMA);
            assertThat(json.readTree(request.schema())).as(request.model()).isEqualTo(expected);
            // the panel personas answered schema-valid JSON: the schema really constrained them
            assertThat(server.requestCount(request.model())).isEqualTo(1);
        }
        WireRequest judge = RECORDED.stream().filter(r -> r.model().equals(JSON_JUDGE)).findFirst().orElseThrow();
        assertThat(judge.lastUserText()).contains("valid against this JSON Schema").contains("\"confidence\"");
    }

    @Test
    void aJsonResponseFormatWithoutASchemaAsksThePanelForJsonModeAndTellsTheJudge() {
        Fusion fusion = Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.TERSE))
                .judge(member(Sandbox.JUDGE))
                .quorum(2).retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .build();

        ChatResponse response = FusionChatModel.of(fusion).chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.JSON).build());

        assertThat(response.aiMessage().text()).isNotBlank();
        assertThat(RECORDED).hasSize(3);
        assertThat(RECORDED).filteredOn(r -> !r.model().equals(Sandbox.JUDGE)).hasSize(2).allSatisfy(request -> {
            assertThat(request.outputMode()).as(request.model()).isEqualTo(OutputMode.JSON);
            assertThat(request.schema()).isNull();
        });
        assertThat(RECORDED).filteredOn(r -> r.model().equals(Sandbox.JUDGE)).singleElement()
                .satisfies(judge -> assertThat(judge.lastUserText()).contains("Answer with one JSON object only"));
    }

    @Test
    void aSchemaElementFusionCannotTranslateFailsBeforeAnyCall() {
        dev.langchain4j.model.chat.request.json.JsonSchemaElement alien = () -> "a custom element type";
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from(QUESTION))
                .responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.builder()
                        .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON)
                        .jsonSchema(dev.langchain4j.model.chat.request.json.JsonSchema.builder().name("Alien")
                                .rootElement(dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder()
                                        .addProperty("x", alien).build())
                                .build())
                        .build())
                .build();

        assertThatThrownBy(() -> FusionChatModel.of(fusion()).chat(request))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("JsonRawSchema");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void streamingDeliversTheJudgesTokensThenTheCompleteResponse() throws Exception {
        FusionChatModel model = FusionChatModel.of(fusion());
        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        model.chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });

        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        FusionResult fused = FusionChatResponseMetadata.fusionResult(response).orElseThrow();
        assertThat(partials).hasSizeGreaterThan(1);
        assertThat(String.join("", partials)).isEqualTo(response.aiMessage().text()).isEqualTo(fused.answer());
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo((int) fused.totalUsage().completionTokens());
        CallRecord judge = fused.judge().orElseThrow();
        assertThat(judge.timeToFirstToken()).isNotNull();
        // the streamed judge's usage still reaches the ledger and its cost
        assertThat(judge.usage().completionTokens()).isEqualTo(server.servedUsage(Sandbox.JUDGE).completionTokens()).isPositive();
        assertThat(judge.cost().usd()).contains(servedCost(Sandbox.JUDGE));
    }

    /** A fusion whose judge streams slowly (LangChain4j streaming model), and a listener seeing how the judge call ends. */
    private static Fusion slowJudgeFusion(CompletableFuture<CallRecord> judgeEnd) {
        return Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.TERSE))
                .judge(LangChain4jModel.of(Sandbox.PROVIDER_OPENAI + ":" + SLOW_JUDGE, openAi(SLOW_JUDGE),
                        openAiStreaming(SLOW_JUDGE)))
                .quorum(2).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .listener(new dev.fusion.FusionListener() {
                    @Override
                    public void onCallFinished(CallRecord record) {
                        if (record.role() == dev.fusion.CallRole.JUDGE) {
                            judgeEnd.complete(record);
                        }
                    }
                })
                .build();
    }

    @Test
    void cancellingThroughTheStreamingHandleCancelsTheAsk() throws Exception {
        CompletableFuture<CallRecord> judgeEnd = new CompletableFuture<>();
        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> completed = new CompletableFuture<>();

        FusionChatModel.of(slowJudgeFusion(judgeEnd)).chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(dev.langchain4j.model.chat.response.PartialResponse partial,
                                          dev.langchain4j.model.chat.response.PartialResponseContext context) {
                partials.add(partial.text());
                context.streamingHandle().cancel();
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                completed.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                completed.completeExceptionally(error);
            }
        });

        CallRecord judge = judgeEnd.get(30, TimeUnit.SECONDS);
        assertThat(judge.status()).isEqualTo(dev.fusion.CallStatus.CANCELLED);
        assertThat(partials).hasSize(1);
        assertThat(completed).isNotDone();
    }

    @Test
    void aHandlerThatThrowsEndsTheStreamWithItsExceptionAndCancelsTheAsk() throws Exception {
        CompletableFuture<CallRecord> judgeEnd = new CompletableFuture<>();
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        IllegalStateException boom = new IllegalStateException("the handler broke");

        FusionChatModel.of(slowJudgeFusion(judgeEnd)).chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                throw boom;
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                error.completeExceptionally(new AssertionError("completed after the handler threw"));
            }

            @Override
            public void onError(Throwable t) {
                error.complete(t);
            }
        });

        assertThat(error.get(30, TimeUnit.SECONDS)).isSameAs(boom);
        assertThat(judgeEnd.get(30, TimeUnit.SECONDS).status()).isEqualTo(dev.fusion.CallStatus.CANCELLED);
    }

    @Test
    void aStreamingMembersHttpFailureIsTyped() {
        LangChain4jModel limited = LangChain4jModel.streaming(Sandbox.PROVIDER_OPENAI + ":" + LIMITED, openAiStreaming(LIMITED));

        assertThatThrownBy(() -> limited.stream(ModelRequest.builder().user(QUESTION).build()).blockLast())
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.retryable()).isTrue();
                });
    }

    @Test
    void anAiServicesTokenStreamStreamsTheFusedAnswer() throws Exception {
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(FusionChatModel.of(fusion())).build();
        StringBuilder text = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        assistant.answer(QUESTION)
                .onPartialResponse(text::append)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();

        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertThat(text.toString()).isEqualTo(response.aiMessage().text()).contains("What the answers agree on")
                .doesNotContain("[sandbox]");
        assertThat(FusionChatResponseMetadata.fusionResult(response)).isPresent();
    }

    @Test
    void whatAFusionCannotHonourFailsBeforeAnyCall() {
        // Tools are honoured now (a fused tool decision); a tool no wire format can name is not.
        ChatRequest withTools = ChatRequest.builder().messages(UserMessage.from(QUESTION))
                .toolSpecifications(ToolSpecification.builder().name("the weather").description("the weather").build())
                .build();

        assertThatThrownBy(() -> FusionChatModel.of(fusion()).chat(withTools))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("tool");
        ChatRequest withStops = ChatRequest.builder().messages(UserMessage.from(QUESTION)).stopSequences(List.of("END")).build();
        assertThatThrownBy(() -> FusionChatModel.of(fusion()).chat(withStops))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("stopSequences");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void aLangChain4jMembersUsageIsMappedAndAnUnknownReferenceIsUnpriced() {
        LangChain4jModel derived = LangChain4jModel.of(openAi(Sandbox.SWIFT));
        assertThat(derived.ref()).isEqualTo(new ModelRef("openai", Sandbox.SWIFT));
        Fusion fusion = Fusion.builder()
                .panel(derived, member(Sandbox.TERSE))
                .judge(member(Sandbox.JUDGE))
                .quorum(2).retry(RetryPolicy.NONE).allowUnpriced(true)
                .priceBook(Sandbox.priceBook())
                .build();

        FusionResult result = fusion.ask(QUESTION);

        CallRecord swift = result.panel().stream().filter(c -> c.model().equals(derived.ref())).findFirst().orElseThrow();
        assertThat(swift.isOk()).isTrue();
        assertThat(swift.cost().isPriced()).isFalse();
        assertThat(swift.usage().promptTokens()).isEqualTo(server.servedUsage(Sandbox.SWIFT).promptTokens()).isPositive();
        assertThat(result.costComplete()).isFalse();
        assertThat(result.unpricedCalls()).isEqualTo(1);
    }

    @Test
    void aModelThatCannotNameItselfNeedsAnExplicitReference() {
        dev.langchain4j.model.chat.ChatModel anonymous = new dev.langchain4j.model.chat.ChatModel() {
            @Override
            public ChatResponse doChat(ChatRequest request) {
                throw new AssertionError("never called");
            }
        };
        assertThatThrownBy(() -> LangChain4jModel.of(anonymous))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("LangChain4jModel.of(\"provider:model\", model)");
    }

    @Test
    void langChain4jFailuresBecomeTypedProviderFailuresWithoutKeyMaterial() {
        ModelRequest request = ModelRequest.builder().user(QUESTION).build();

        assertThatThrownBy(() -> member(LIMITED).call(request).block())
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.retryable()).isTrue();
                });
        assertThatThrownBy(() -> member(REFUSED).call(request).block())
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).doesNotContain("Abc123").doesNotContain("sk-proj").doesNotContain("0987");
                    assertThat(e.getCause()).isNull();
                });

        Fusion fusion = Fusion.builder().panel(member(Sandbox.SWIFT), member(LIMITED)).judge(member(Sandbox.JUDGE))
                .quorum(1).retry(RetryPolicy.NONE).priceBook(Sandbox.priceBook()).build();
        FusionResult result = fusion.ask(QUESTION);
        CallRecord limited = result.failures().stream().filter(c -> c.model().model().equals(LIMITED)).findFirst().orElseThrow();
        assertThat(limited.error().type()).isEqualTo("http_429");
        assertThat(result.judged()).isTrue();
    }

    @Test
    void aStreamingLangChain4jMemberStreamsNatively() {
        LangChain4jModel member = LangChain4jModel.streaming(Sandbox.PROVIDER_OPENAI + ":" + Sandbox.SWIFT,
                openAiStreaming(Sandbox.SWIFT));

        List<ModelStreamEvent> events = member.stream(ModelRequest.builder().user(QUESTION).build()).collectList().block();

        assertThat(member.streamsNatively()).isTrue();
        assertThat(events).last().isInstanceOf(ModelStreamEvent.Completed.class);
        List<String> deltas = events.stream().filter(e -> e instanceof ModelStreamEvent.TextDelta)
                .map(e -> ((ModelStreamEvent.TextDelta) e).text()).toList();
        ModelResponse response = ((ModelStreamEvent.Completed) events.get(events.size() - 1)).response();
        assertThat(deltas).hasSizeGreaterThan(1);
        assertThat(String.join("", deltas)).isEqualTo(response.text());
        assertThat(response.text()).isEqualTo(Sandbox.answer(Sandbox.SWIFT, QUESTION));
    }
}
