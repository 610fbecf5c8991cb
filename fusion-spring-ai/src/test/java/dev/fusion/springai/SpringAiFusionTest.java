package dev.fusion.springai;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Usage;
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
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Both directions against real Spring AI classes: a fusion whose members and judge are Spring AI
 * {@link OpenAiChatModel}s talking HTTP to the sandbox, used through a real {@link ChatClient}.
 */
class SpringAiFusionTest {

    private static final String QUESTION = "Why is the sky blue?";
    private static final String LIMITED = "sandbox-limited";
    private static final String REFUSED = "sandbox-refused";
    /** A judge that answers JSON only when the question it merges carries JSON format instructions. */
    private static final String JSON_JUDGE = "sandbox-json-judge";
    private static final String LEAKY_KEY = "sk-proj-Abc123SecretKeyMaterial0987";

    private static WireServer server;

    /** What the sandbox received for the recorded models, in arrival order. */
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
                .model(LIMITED, Reply.fault(Fault.http(429, "slow down")))
                .model(REFUSED, Reply.fault(Fault.http(401, "Incorrect API key provided: " + LEAKY_KEY)))
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

    record Verdict(String summary, int confidence) {
    }

    @BeforeEach
    void reset() {
        server.resetStats();
        RECORDED.clear();
    }

    private static OpenAiChatModel openAi(String model) {
        OpenAiChatOptions options = OpenAiChatOptions.builder()
                .baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox")
                .maxRetries(0).timeout(Duration.ofSeconds(20)).streamUsage(true)
                .model(model).build();
        return OpenAiChatModel.builder().options(options).build();
    }

    private static SpringAiModel member(String model) {
        return SpringAiModel.of(Sandbox.PROVIDER_OPENAI + ":" + model, openAi(model));
    }

    private static Fusion fusion() {
        return Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.SCHOLAR), member(Sandbox.TERSE))
                .judge(SpringAiModel.streaming(Sandbox.PROVIDER_OPENAI + ":" + Sandbox.JUDGE, openAi(Sandbox.JUDGE)))
                .quorum(3)
                .retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .build();
    }

    private static BigDecimal servedCost(String model) {
        Usage served = server.servedUsage(model);
        return Sandbox.persona(model).price().costOf(Usage.of(served.promptTokens(), served.completionTokens()));
    }

    @Test
    void chatClientCallContentRunsOnThePanelAndTheJudge() {
        ChatClient client = ChatClient.create(FusionChatModel.of(fusion()));

        String answer = client.prompt(QUESTION).call().content();

        // the sandbox judge's merge, with no label inside the content (the label is the x-fusion-sandbox header)
        assertThat(answer).startsWith("What the answers agree on:").doesNotContain("[sandbox]");
        for (String model : List.of(Sandbox.SWIFT, Sandbox.SCHOLAR, Sandbox.TERSE, Sandbox.JUDGE)) {
            assertThat(server.requestCount(model)).as(model).isEqualTo(1);
        }
    }

    @Test
    void theResponseMetadataCarriesTotalUsageAndTheResultWhoseCostsEqualTheLedger() {
        ChatClient client = ChatClient.create(FusionChatModel.of(fusion()));

        ChatResponse response = client.prompt().system("Answer briefly.").user(QUESTION).call().chatResponse();

        FusionResult fused = FusionChatModel.fusionResult(response).orElseThrow();
        assertThat(response.getResult().getOutput().getText()).isEqualTo(fused.answer());
        assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo((int) fused.totalUsage().promptTokens()).isPositive();
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo((int) fused.totalUsage().completionTokens());
        assertThat(response.getMetadata().getUsage().getNativeUsage()).isEqualTo(fused.totalUsage());
        assertThat(response.getMetadata().getModel()).isEqualTo("sandbox-openai:sandbox-judge");

        BigDecimal expected = BigDecimal.ZERO;
        for (CallRecord call : fused.calls()) {
            assertThat(call.usage().promptTokens()).as(call.memberId()).isEqualTo(server.servedUsage(call.model().model()).promptTokens());
            assertThat(call.cost().usd()).as(call.memberId()).contains(servedCost(call.model().model()));
            expected = expected.add(servedCost(call.model().model()));
        }
        assertThat(fused.calls()).hasSize(4);
        assertThat(fused.totalCostUsd()).isEqualByComparingTo(expected).isPositive();
    }

    @Test
    void chatClientEntityGetsItsFormatInstructionsToTheJudgeAndParsesTheRecord() {
        Fusion fusion = Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.TERSE))
                .judge(member(JSON_JUDGE))
                .quorum(2).retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .price(Sandbox.PROVIDER_OPENAI + ":" + JSON_JUDGE, dev.fusion.cost.Price.of("1.00", "5.00"))
                .build();

        Verdict verdict = ChatClient.create(FusionChatModel.of(fusion)).prompt(QUESTION).call().entity(Verdict.class);

        assertThat(verdict).isEqualTo(new Verdict("Rayleigh scattering", 4));
        assertThat(server.requestCount(JSON_JUDGE)).isEqualTo(1);
    }

    @Test
    void chatClientEntityWorksOnTheSandboxItselfBecauseNoLabelIsInsideTheAnswer() {
        // the whole sandbox panel and its own judge: the format instructions reach every persona in words,
        // each answers plain JSON, and the judge's answer is JSON too, so ChatClient can parse it
        Verdict verdict = ChatClient.create(FusionChatModel.of(fusion())).prompt(QUESTION).call().entity(Verdict.class);
        assertThat(verdict).isNotNull();
        assertThat(verdict.summary()).isNotBlank().doesNotContain("[sandbox]");

        Verdict natively = ChatClient.create(FusionChatModel.of(fusion())).prompt(QUESTION)
                .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT).call().entity(Verdict.class);
        assertThat(natively).isNotNull();
        assertThat(natively.summary()).isNotBlank().doesNotContain("[sandbox]");
    }

    @Test
    void nativeStructuredOutputSendsTheRecordsSchemaToThePanelAndStatesItToTheJudge() throws Exception {
        Fusion fusion = Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.TERSE))
                .judge(member(JSON_JUDGE))
                .quorum(2).retry(RetryPolicy.NONE)
                .priceBook(Sandbox.priceBook())
                .price(Sandbox.PROVIDER_OPENAI + ":" + JSON_JUDGE, dev.fusion.cost.Price.of("1.00", "5.00"))
                .build();

        Verdict verdict = ChatClient.create(FusionChatModel.of(fusion)).prompt(QUESTION)
                .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT).call().entity(Verdict.class);

        // a scripted judge: the engine does not yet send the judge the format natively
        assertThat(verdict).isEqualTo(new Verdict("Rayleigh scattering", 4));
        ObjectMapper json = new ObjectMapper();
        List<WireRequest> panel = RECORDED.stream().filter(r -> !r.model().equals(JSON_JUDGE)).toList();
        assertThat(panel).extracting(WireRequest::model).containsExactlyInAnyOrder(Sandbox.SWIFT, Sandbox.TERSE);
        for (WireRequest request : panel) {
            assertThat(request.outputMode()).as(request.model()).isEqualTo(OutputMode.JSON_SCHEMA);
            JsonNode schema = json.readTree(request.schema());
            assertThat(schema.path("properties").path("summary").path("type").asText()).as(request.schema()).isEqualTo("string");
            assertThat(schema.path("properties").path("confidence").path("type").asText()).isEqualTo("integer");
            // native, not ChatClient's prompt instructions
            assertThat(request.firstUserText()).as(request.model()).startsWith(QUESTION)
                    .doesNotContain("Your response should be in JSON format");
        }
        WireRequest judge = RECORDED.stream().filter(r -> r.model().equals(JSON_JUDGE)).findFirst().orElseThrow();
        assertThat(judge.lastUserText()).contains("valid against this JSON Schema").contains("\"confidence\"");
    }

    @Test
    void jsonModeHasNoPortableSpringAiOptionSoAMemberIsToldInWords() {
        ModelRequest request = ModelRequest.builder().user(QUESTION)
                .responseFormat(dev.fusion.model.ResponseFormat.json()).build();

        member(Sandbox.SWIFT).call(request).block();

        assertThat(RECORDED).singleElement().satisfies(wire -> {
            assertThat(wire.outputMode()).isEqualTo(OutputMode.TEXT);
            assertThat(wire.lastUserText()).startsWith(QUESTION).contains("Answer with one JSON object only");
        });
    }

    @Test
    void anOutputSchemaThatIsNotJsonFailsTypedBeforeAnyCall() {
        Prompt prompt = new Prompt(QUESTION, StructuredOutputChatOptions.builder().outputSchema("{\"type\":").build());

        assertThatThrownBy(() -> FusionChatModel.of(fusion()).call(prompt))
                .isInstanceOf(dev.fusion.InvalidConfigurationException.class)
                .hasMessageContaining("JSON Schema is not valid JSON");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void chatClientStreamDeliversTheJudgesTokens() {
        ChatClient client = ChatClient.create(FusionChatModel.of(fusion()));

        List<ChatResponse> responses = client.prompt(QUESTION).stream().chatResponse().collectList().block();

        ChatResponse last = responses.get(responses.size() - 1);
        FusionResult fused = FusionChatModel.fusionResult(last).orElseThrow();
        String streamed = String.join("", responses.stream().map(r -> r.getResult().getOutput().getText()).toList());
        assertThat(responses).hasSizeGreaterThan(2);
        assertThat(streamed).isEqualTo(fused.answer());
        assertThat(last.getMetadata().getUsage().getCompletionTokens()).isEqualTo((int) fused.totalUsage().completionTokens());
        CallRecord judge = fused.judge().orElseThrow();
        assertThat(judge.timeToFirstToken()).isNotNull();
        assertThat(judge.cost().usd()).contains(servedCost(Sandbox.JUDGE));

        List<String> content = ChatClient.create(FusionChatModel.of(fusion())).prompt(QUESTION).stream().content()
                .collectList().block();
        assertThat(String.join("", content)).contains("What the answers agree on");
    }

    @Test
    void whatAFusionCannotHonourFailsBeforeAnyCall() {
        ChatClient client = ChatClient.create(FusionChatModel.of(fusion()));

        assertThatThrownBy(() -> client.prompt(QUESTION).options(ChatOptions.builder().topP(0.5)).call().content())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("topP");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void anUnpricedReferenceLeavesTheCallUnpricedWithItsUsageKnown() {
        SpringAiModel swift = SpringAiModel.of("openai:" + Sandbox.SWIFT, openAi(Sandbox.SWIFT));
        Fusion fusion = Fusion.builder().panel(swift, member(Sandbox.TERSE)).judge(member(Sandbox.JUDGE))
                .quorum(2).retry(RetryPolicy.NONE).allowUnpriced(true).priceBook(Sandbox.priceBook()).build();

        FusionResult result = fusion.ask(QUESTION);

        CallRecord call = result.panel().stream().filter(c -> c.model().equals(swift.ref())).findFirst().orElseThrow();
        assertThat(call.isOk()).isTrue();
        assertThat(call.cost().isPriced()).isFalse();
        assertThat(call.usage().completionTokens()).isEqualTo(server.servedUsage(Sandbox.SWIFT).completionTokens()).isPositive();
        assertThat(result.unpricedCalls()).isEqualTo(1);
    }

    @Test
    void springAiFailuresBecomeTypedProviderFailuresWithoutKeyMaterial() {
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
    }

    @Test
    void aStreamingSpringAiMemberStreamsNativelyWithItsUsage() {
        SpringAiModel swift = SpringAiModel.streaming(Sandbox.PROVIDER_OPENAI + ":" + Sandbox.SWIFT, openAi(Sandbox.SWIFT));

        List<ModelStreamEvent> events = swift.stream(ModelRequest.builder().user(QUESTION).build()).collectList().block();

        ModelResponse response = ((ModelStreamEvent.Completed) events.get(events.size() - 1)).response();
        List<String> deltas = events.stream().filter(e -> e instanceof ModelStreamEvent.TextDelta)
                .map(e -> ((ModelStreamEvent.TextDelta) e).text()).toList();
        assertThat(deltas).hasSizeGreaterThan(1);
        assertThat(String.join("", deltas)).isEqualTo(response.text()).isEqualTo(Sandbox.answer(Sandbox.SWIFT, QUESTION));
        assertThat(response.usageReported()).isTrue();
        assertThat(response.usage().completionTokens()).isEqualTo(server.servedUsage(Sandbox.SWIFT).completionTokens());
    }
}
