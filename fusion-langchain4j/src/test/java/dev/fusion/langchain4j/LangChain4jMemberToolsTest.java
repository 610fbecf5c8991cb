package dev.fusion.langchain4j;

import dev.fusion.DecidedBy;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import dev.fusion.sandbox.WireServer;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A LangChain4j model used as a panel member receives the request's tools and returns its proposed calls:
 * real LangChain4j {@link OpenAiChatModel}s over HTTP to the sandbox, whose tool personas call deterministically.
 */
class LangChain4jMemberToolsTest {

    static final ToolSpec CALC = ToolSpec.of("calculator", "Evaluates arithmetic",
            "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\",\"description\":\"e.g. 2*3\"}},"
                    + "\"required\":[\"expression\"],\"additionalProperties\":false}");
    static final String QUESTION = "What is 17 * 23?";

    private static WireServer server;
    private static final List<WireRequest> RECORDED = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        Behaviour personas = Sandbox.behaviour(0);
        Script recorded = request -> {
            RECORDED.add(request);
            return personas.decide(request);
        };
        server = WireServer.start(Behaviour.builder().models(personas)
                .model(Sandbox.SWIFT, recorded).model(Sandbox.SCHOLAR, recorded).model(Sandbox.TERSE, recorded)
                .model(Sandbox.JUDGE, recorded).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        RECORDED.clear();
        server.resetStats();
    }

    private static LangChain4jModel member(String model) {
        return LangChain4jModel.of(Sandbox.PROVIDER_OPENAI + ":" + model, OpenAiChatModel.builder()
                .baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox").modelName(model).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build());
    }

    @Test
    void aLangChain4jMemberIsOfferedTheToolsAndProposesCallsThenAnswersFromTheResults() throws Exception {
        ModelRequest first = ModelRequest.builder().user(QUESTION).tools(List.of(CALC)).build();

        ModelResponse proposed = member(Sandbox.SWIFT).call(first).block();

        assertThat(proposed.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("calculator");
            assertThat(c.arguments().path("expression").asText()).isEqualTo("17*23");
            assertThat(c.id()).isNotBlank();
        });
        assertThat(proposed.finishReason()).isEqualTo(ModelResponse.FINISH_TOOL_CALLS);
        assertThat(proposed.usage().totalTokens()).isPositive();
        WireRequest sent = RECORDED.get(0);
        assertThat(sent.tools()).extracting(WireRequest.Tool::name).containsExactly("calculator");
        var schema = new com.fasterxml.jackson.databind.ObjectMapper().readTree(sent.tools().get(0).parametersJson());
        assertThat(schema.at("/properties/expression/type").asText()).isEqualTo("string");
        assertThat(schema.at("/properties/expression/description").asText()).isEqualTo("e.g. 2*3");
        assertThat(schema.at("/required/0").asText()).isEqualTo("expression");

        ToolCall call = proposed.toolCalls().get(0);
        ModelRequest second = first.toBuilder().messages(List.of(ChatMessage.user(QUESTION),
                ChatMessage.assistant("", proposed.toolCalls()),
                ChatMessage.toolResults(List.of(ToolResult.error(call, "calculator offline"))))).build();
        ModelResponse answer = member(Sandbox.SWIFT).call(second).block();

        assertThat(answer.hasToolCalls()).isFalse();
        assertThat(answer.text()).contains("calculator returned calculator offline");
        // OpenAI's wire format has no error flag (LangChain4j's OpenAI client sends the text); the result reaches
        // the member answering the call it proposed
        assertThat(RECORDED.get(1).toolResults()).singleElement().satisfies(o -> {
            assertThat(o.content()).isEqualTo("calculator offline");
            assertThat(o.name()).isEqualTo("calculator");
        });
    }

    @Test
    void aFusionOfLangChain4jMembersDecidesTheStepWithoutAJudgeWhenTheyAgree() {
        Fusion fusion = Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.SCHOLAR), member(Sandbox.TERSE))
                .judge(member(Sandbox.JUDGE)).quorum(2).retry(RetryPolicy.NONE).priceBook(Sandbox.priceBook()).build();

        FusionResult r = fusion.ask(FusionRequest.builder().prompt(QUESTION).tools(CALC).build());

        assertThat(r.toolCalls()).singleElement().satisfies(c -> assertThat(c.argumentsJson()).contains("17*23"));
        assertThat(r.decidedBy()).contains(DecidedBy.UNANIMOUS);
        assertThat(server.requestCount(Sandbox.JUDGE)).isZero();
    }

    @Test
    void aStreamingLangChain4jMemberReturnsItsCallsInTheCompletedEvent() {
        LangChain4jModel streaming = LangChain4jModel.streaming(Sandbox.PROVIDER_OPENAI + ":" + Sandbox.SWIFT,
                OpenAiStreamingChatModel.builder().baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox")
                        .modelName(Sandbox.SWIFT).timeout(Duration.ofSeconds(20)).build());

        List<ModelStreamEvent> events = streaming.stream(ModelRequest.builder().user(QUESTION).tools(List.of(CALC)).build())
                .collectList().block();

        ModelResponse done = ((ModelStreamEvent.Completed) events.get(events.size() - 1)).response();
        assertThat(done.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("calculator");
            assertThat(c.arguments().path("expression").asText()).isEqualTo("17*23");
        });
    }
}
