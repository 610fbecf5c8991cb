package dev.fusion.providers;

import dev.fusion.BudgetExceededException;
import dev.fusion.Conversation;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A multi-step tool conversation sharing one budget across asks, over real HTTP: two steps spend most of
 * it, and the third is refused before any request reaches the server.
 */
class ConversationBudgetTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    final AtomicInteger requests = new AtomicInteger();

    static final ToolSpec CALC = ToolSpec.of("calculator", "Evaluates arithmetic",
            "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}");

    private Fusion fusion() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                requests.incrementAndGet();
                // every member proposes the same call (unanimous: no judge call), with the same billed usage
                return json(200, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                        + "\"tool_calls\":[{\"id\":\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"calculator\","
                        + "\"arguments\":\"{\\\"expression\\\":\\\"17*23\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
                        + "\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":90}}");
            }
        });
        Providers p = TestSupport.providers(server, null, null);
        Price price = Price.of("1", "2");
        return Fusion.builder().panelStreaming(false).panel(p.model("oai:m1"), p.model("oai:m2"))
                .judge(p.model("oai:judge")).quorum(2).price("oai:m1", price).price("oai:m2", price).price("oai:judge", price)
                .maxOutputTokens(100).judgeMaxOutputTokens(100)
                .retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE).build();
    }

    private static FusionRequest step(List<ChatMessage> history) {
        return FusionRequest.builder().messages(history).tools(CALC).build();
    }

    @Test
    void theThirdStepIsRefusedBeforeAnyRequestWhenTheFirstTwoSpentTheBudget() {
        Fusion fusion = fusion();
        List<ChatMessage> history = new ArrayList<>(List.of(ChatMessage.user("What is 17 * 23?")));
        BigDecimal worst = fusion.plan(step(history).toBuilder().budgetUsd(BigDecimal.ONE).build()).reservedUsd();
        BigDecimal stepCost = new BigDecimal("0.00046"); // 2 calls x (50 x $1 + 90 x $2) per million
        // room for the worst case plus one and a half steps: two steps fit, the third's worst case does not
        Conversation task = fusion.conversation(worst.add(stepCost.multiply(new BigDecimal("1.5"))));

        FusionResult first = task.ask(step(history));
        assertThat(first.totalCostUsd()).isEqualByComparingTo(stepCost);
        history.add(ChatMessage.assistant(first.answer(), first.toolCalls()));
        history.add(ChatMessage.toolResults(List.of(ToolResult.of(first.toolCalls().get(0), "391"))));
        FusionResult second = task.ask(step(history));
        assertThat(second.totalCostUsd()).isEqualByComparingTo(stepCost);
        assertThat(task.spentUsd()).isEqualByComparingTo(stepCost.multiply(BigDecimal.valueOf(2)));
        int before = requests.get();
        assertThat(before).isEqualTo(4);

        BudgetExceededException refused = catchThrowableOfType(BudgetExceededException.class,
                () -> task.ask(step(history)));

        assertThat(refused).isNotNull();
        assertThat(requests.get()).as("no request was sent").isEqualTo(before);
        assertThat(task.spentUsd()).isEqualByComparingTo(stepCost.multiply(BigDecimal.valueOf(2)));
        assertThat(task.remainingUsd()).isLessThan(worst);
        // the same asks without the shared budget would all run
        assertThat(fusion.ask(step(history)).toolCalls()).isNotEmpty();
    }

    @Test
    void aRequestsOwnSmallerBudgetStillApplies() {
        Fusion fusion = fusion();
        Conversation task = fusion.conversation(BigDecimal.ONE);
        BudgetExceededException refused = catchThrowableOfType(BudgetExceededException.class, () -> task.ask(
                FusionRequest.builder().prompt("q").tools(CALC).budgetUsd(new BigDecimal("0.0000001")).build()));
        assertThat(refused).isNotNull();
        assertThat(requests.get()).isZero();
        assertThat(task.spentUsd()).isEqualByComparingTo(BigDecimal.ZERO);
    }
}
