package dev.fusion.springai;

import dev.fusion.DecidedBy;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.annotation.Tool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tools through Spring AI, both directions, with real Spring AI classes against the sandbox over HTTP: a real
 * {@link ChatClient} with {@code @Tool} methods runs its tool loop through a fusion whose members are Spring
 * AI {@link OpenAiChatModel}s; and a Spring AI model used as a panel member receives the request's tools and
 * returns its proposed calls.
 */
class SpringAiToolsTest {

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

    private static OpenAiChatModel openAi(String model) {
        return OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox")
                .maxRetries(0).timeout(Duration.ofSeconds(20)).model(model).build()).build();
    }

    private static SpringAiModel member(String model) {
        return SpringAiModel.of(Sandbox.PROVIDER_OPENAI + ":" + model, openAi(model));
    }

    private static Fusion fusion() {
        return Fusion.builder()
                .panel(member(Sandbox.SWIFT), member(Sandbox.SCHOLAR), member(Sandbox.TERSE))
                .judge(SpringAiModel.streaming(Sandbox.PROVIDER_OPENAI + ":" + Sandbox.JUDGE, openAi(Sandbox.JUDGE)))
                .quorum(2).retry(RetryPolicy.NONE).priceBook(Sandbox.priceBook())
                .build();
    }

    /** Two tools an agent would have; they record what they were called with. */
    static final class CityTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "Evaluates an arithmetic product such as 17*23")
        String calculator(String expression) {
            calls.add("calculator(" + expression + ")");
            long product = 1;
            for (String n : expression.split("\\*")) {
                product *= Long.parseLong(n.strip());
            }
            return String.valueOf(product);
        }

        @Tool(description = "Looks up how many people live in a city")
        String lookupPopulation(String city) {
            calls.add("lookupPopulation(" + city + ")");
            return city.equals("Paris") ? "2102650 people" : "unknown city";
        }
    }

    @Test
    void aChatClientWithToolMethodsCompletesATwoStepTaskThroughAFusion() {
        CityTools tools = new CityTools();
        ChatClient client = ChatClient.create(FusionChatModel.of(fusion()));

        ChatResponse response = client.prompt("What is 17 * 23, and how many people live in Paris?")
                .tools(tools).call().chatResponse();

        // step 1: swift and scholar propose both calls, terse only the calculator: a quorum of 2 decides both
        assertThat(tools.calls).containsExactlyInAnyOrder("calculator(17*23)", "lookupPopulation(Paris)");
        // step 2: the members answer from the tool results, and the judge's answer carries them
        String answer = response.getResult().getOutput().getText();
        assertThat(answer).contains("391").contains("2102650");
        assertThat(response.getResult().getOutput().hasToolCalls()).isFalse();
        FusionResult last = FusionChatModel.fusionResult(response).orElseThrow();
        assertThat(last.hasToolCalls()).isFalse();
        // every member of both steps was offered both tools, and the second step carried both results
        List<WireRequest> panel = RECORDED.stream().filter(r -> !r.model().equals(Sandbox.JUDGE)).toList();
        assertThat(panel).hasSize(6);
        assertThat(panel).allSatisfy(r -> assertThat(r.tools()).extracting(WireRequest.Tool::name)
                .containsExactlyInAnyOrder("calculator", "lookupPopulation"));
        assertThat(panel.stream().filter(r -> !r.toolResults().isEmpty()).toList()).hasSize(3)
                .allSatisfy(r -> assertThat(r.toolResults()).extracting(WireRequest.ToolOutput::content)
                        .containsExactlyInAnyOrder("391", "2102650 people"));
    }

    @Test
    void aFusedDecisionComesBackAsAssistantToolCallsWhenSpringAiDoesNotRunTheTools() {
        CityTools tools = new CityTools();
        Prompt prompt = new Prompt("What is 17 * 23?", FusionChatOptions.builder()
                .toolCallbacks(List.of(ToolCallbacks.from(tools))).build());

        ChatResponse response = FusionChatModel.of(fusion()).call(prompt);

        AssistantMessage message = response.getResult().getOutput();
        assertThat(message.getToolCalls()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("calculator");
            assertThat(call.type()).isEqualTo("function");
            assertThat(call.arguments()).contains("17*23");
        });
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("tool_calls");
        assertThat(FusionChatModel.fusionResult(response).orElseThrow().decidedBy()).contains(DecidedBy.UNANIMOUS);
        assertThat(tools.calls).as("the model never runs a tool itself").isEmpty();
        assertThat(server.requestCount(Sandbox.JUDGE)).as("unanimous: no judge call").isZero();
    }

    @Test
    void aStreamedChatClientPromptWithToolsAlsoRunsTheLoop() {
        CityTools tools = new CityTools();
        List<String> pieces = ChatClient.create(FusionChatModel.of(fusion())).prompt("What is 17 * 23?")
                .tools(tools).stream().content().collectList().block();

        assertThat(tools.calls).containsExactly("calculator(17*23)");
        assertThat(String.join("", pieces)).contains("391");
    }

    @Test
    void aSpringAiModelAsAPanelMemberReceivesTheToolsAndReturnsItsCalls() {
        ToolSpec calc = ToolSpec.of("calculator", "Evaluates arithmetic",
                "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}");
        ModelRequest first = ModelRequest.builder().user("What is 17 * 23?").tools(List.of(calc)).build();

        ModelResponse proposed = member(Sandbox.SWIFT).call(first).block();

        assertThat(proposed.hasToolCalls()).isTrue();
        ToolCall call = proposed.toolCalls().get(0);
        assertThat(call.name()).isEqualTo("calculator");
        assertThat(call.arguments().path("expression").asText()).isEqualTo("17*23");
        assertThat(proposed.finishReason()).isEqualTo(ModelResponse.FINISH_TOOL_CALLS);
        assertThat(proposed.usage().totalTokens()).isPositive();
        assertThat(RECORDED).singleElement().satisfies(r -> {
            assertThat(r.tools()).extracting(WireRequest.Tool::name).containsExactly("calculator");
            assertThat(r.tools().get(0).parametersJson()).contains("\"expression\"");
        });

        ModelRequest second = first.toBuilder().messages(List.of(ChatMessage.user("What is 17 * 23?"),
                ChatMessage.assistant("", proposed.toolCalls()),
                ChatMessage.toolResults(List.of(ToolResult.of(call, "391"))))).build();
        ModelResponse answer = member(Sandbox.SWIFT).call(second).block();

        assertThat(answer.hasToolCalls()).isFalse();
        assertThat(answer.text()).contains("calculator returned 391");
        WireRequest followUp = RECORDED.get(1);
        assertThat(followUp.toolResults()).singleElement().satisfies(o -> assertThat(o.content()).isEqualTo("391"));
    }
}
