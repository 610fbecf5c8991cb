package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The strategy registry is complete end to end: every {@link StrategyKind}, parsed from its configuration
 * name with its defaults, plans an ask under a budget (its own budget needs) and answers a real ask on the
 * engine, the result naming the strategy. A kind whose registration were missing or wrong could not pass.
 */
class EveryStrategyTest {

    private static final String SCHEMA = """
            {"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}""";

    @Test
    void everyKindPlansAndAnswersUnderItsName() {
        for (StrategyKind kind : StrategyKind.values()) {
            Strategy strategy = Strategy.parse(kind.wireName(), Map.of());
            FakeModel a = FakeModel.instant("p:a", "{\"a\":1}");
            FakeModel b = FakeModel.instant("p:b", "{\"a\":1}");
            FakeModel judge = FakeModel.instant("p:judge", "{\"a\":1}");
            Fusion.Builder builder = Fusion.builder().judge(judge).strategy(strategy)
                    .price("p:a", Price.of("1", "2")).price("p:b", Price.of("1", "2")).price("p:judge", Price.of("1", "2"))
                    .maxOutputTokens(100).judgeMaxOutputTokens(100).budgetUsd(new BigDecimal("5"));
            Fusion fusion = (kind == StrategyKind.SELF_MOA ? builder.panel(a) : builder.panel(a, b)).build();
            FusionRequest request = kind == StrategyKind.VOTE
                    ? FusionRequest.builder().prompt("q").schema(SCHEMA).build() : FusionRequest.of("q");

            AskPlan plan = fusion.plan(request);
            assertThat(plan.strategy()).as(kind.wireName()).isEqualTo(kind.wireName());
            assertThat(plan.verdict()).as(kind.wireName()).isEqualTo(AskPlan.Verdict.WITHIN_BUDGET);
            assertThat(plan.judgeReservationUsd()).as(kind.wireName()).isPositive();

            FusionResult result = fusion.ask(request);
            assertThat(result.strategy()).as(kind.wireName()).isEqualTo(kind.wireName());
            assertThat(result.answer()).as(kind.wireName()).isNotBlank();
            assertThat(result.totalCostUsd()).as(kind.wireName()).isLessThanOrEqualTo(new BigDecimal("5"));
        }
    }
}
