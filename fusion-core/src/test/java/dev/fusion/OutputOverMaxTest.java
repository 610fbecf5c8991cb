package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 12: output beyond the request's max is recorded as reported, flagged, noted and charged in full. */
class OutputOverMaxTest {

    private static final Price PRICE = Price.of("1", "2");

    private static FakeModel reporting(String ref, long output) {
        return FakeModel.responding(ref, r -> ModelResponse.of("answer", Usage.of(10, output)));
    }

    @Test
    void theSlackIsFivePercentOrSixteenTokens() {
        assertThat(CallRecord.outputSlack(100)).isEqualTo(16);
        assertThat(CallRecord.outputSlack(1000)).isEqualTo(50);
    }

    @Test
    void inflatedOutputIsFlaggedNotedAndChargedInFull() {
        long inflated = 1_000_000_000L;
        FakeModel judge = FakeModel.instant("p:j", "m");
        Fusion f = Fusion.builder().panel(reporting("p:a", inflated), reporting("p:b", 100 + 16))
                .judge(judge).price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE)
                .maxOutputTokens(100).budgetUsd(new BigDecimal("0.05")).spendCapUsd(new BigDecimal("1"), null).build();
        // The misreport passes the budget: no further paid call starts (the judge), and the ask ends typed
        // with every record and the notes.
        AskFailedException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> f.ask("q"),
                AskFailedException.class);
        assertThat(judge.calls.get()).isZero();
        java.util.List<CallRecord> calls = e.calls();
        CallRecord a = calls.get(0);
        CallRecord b = calls.get(1);
        assertThat(a.usage().output()).as("recorded as reported").isEqualTo(inflated);
        assertThat(a.costFlags()).containsExactly(CostFlag.OUTPUT_OVER_MAX);
        assertThat(b.costFlags()).as("within the slack").isEmpty();
        BigDecimal aCost = PRICE.costOf(Usage.of(10, inflated));
        assertThat(a.cost().usd()).contains(aCost);
        assertThat(e.getMessage()).contains("p:a", String.valueOf(inflated), "charged in full");
        // The ledger is true: the misreport is spent in full, far beyond the budget and the cap.
        assertThat(f.spentUsd()).isGreaterThanOrEqualTo(aCost);
        assertThat(f.spentUsd()).isEqualByComparingTo(calls.stream().map(c -> c.cost().usd().orElse(BigDecimal.ZERO))
                .reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(ResultJson.calls(calls).toString()).contains("\"costFlags\":[\"output_over_max\"]");
        // And the cap, now exceeded, admits nothing more.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.ask("q")).isInstanceOf(BudgetExceededException.class);
    }

    @Test
    void reasoningTokensCountTowardsTheMax() {
        FusionResult r = Fusion.builder()
                .panel(FakeModel.responding("p:a", q -> ModelResponse.of("a", new Usage(10, 0, 0, 0, 60, 60))))
                .judge(FakeModel.instant("p:j", "m")).maxOutputTokens(100).build().ask("q");
        assertThat(r.panel().get(0).costFlags()).containsExactly(CostFlag.OUTPUT_OVER_MAX);
    }
}
