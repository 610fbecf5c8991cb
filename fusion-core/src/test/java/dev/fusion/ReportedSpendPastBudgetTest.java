package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A provider reporting a cost far above its price: once the spend recorded for the ask passes its budget,
 * no further paid call starts; the ask ends with {@link AskFailedException} carrying every record and
 * saying why ({@link BudgetExceededException} stays the refusal before any call, when nothing was spent).
 */
class ReportedSpendPastBudgetTest {

    private static final Price PRICE = Price.of("1", "2");

    /** Reports usage that prices to two billion dollars (10^15 output tokens at $2 per million). */
    private static FakeModel overReporting(String ref) {
        return FakeModel.responding(ref, r -> ModelResponse.of("a", Usage.of(100, 1_000_000_000_000_000L)));
    }

    /** Answers at its price in tokens, but reports (a believable) $5,000 for the call. */
    private static FakeModel overBilling(String ref) {
        return FakeModel.responding(ref, r -> new ModelResponse("a", Usage.of(100, 50), new BigDecimal("5000"), "stop", null));
    }

    @Test
    void aMemberReportingBillionsStopsTheAskBeforeTheJudge() {
        FakeModel judge = FakeModel.instant("p:j", "m");
        Fusion f = Fusion.builder().panel(overReporting("p:a"), FakeModel.instant("p:b", "b")).judge(judge)
                .price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE).budgetUsd(new BigDecimal("0.05")).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOfSatisfying(AskFailedException.class, e -> {
            assertThat(e).isNotInstanceOf(BudgetExceededException.class);
            assertThat(e.calls()).extracting(CallRecord::memberId).containsExactly("p:a", "p:b");
            assertThat(e.calls().get(0).cost().usd()).hasValueSatisfying(
                    usd -> assertThat(usd).isGreaterThanOrEqualTo(new BigDecimal("2e9")));
            assertThat(e.getMessage()).contains("no further paid call was started", "limit of $0.05");
        });
        assertThat(judge.calls.get()).as("the judge is never called").isZero();
    }

    @Test
    void aReportedCostPastTheBudgetStopsItToo() {
        FakeModel judge = FakeModel.instant("p:j", "m");
        Fusion f = Fusion.builder().panel(overBilling("p:a"), FakeModel.instant("p:b", "b")).judge(judge)
                .price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE).budgetUsd(new BigDecimal("0.05")).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOfSatisfying(AskFailedException.class,
                e -> assertThat(e.getMessage()).contains("charged $5000", "no further paid call"));
        assertThat(judge.calls.get()).isZero();
    }

    @Test
    void theStreamEndsTypedWithoutAJudgeStart() {
        FakeModel judge = FakeModel.instant("p:j", "m");
        Fusion f = Fusion.builder().panel(overReporting("p:a"), FakeModel.instant("p:b", "b")).judge(judge)
                .price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE).budgetUsd(new BigDecimal("0.05")).build();
        java.util.List<FusionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> f.stream(FusionRequest.of("q")).doOnNext(events::add).blockLast())
                .isInstanceOf(AskFailedException.class);
        assertThat(events).noneMatch(ev -> ev instanceof FusionEvent.JudgeStarted);
        assertThat(judge.calls.get()).isZero();
    }

    @Test
    void aLaterRoundDoesNotStartEither() {
        FakeModel b = FakeModel.instant("p:b", "b");
        Fusion f = Fusion.builder().panel(overReporting("p:a"), b).judge(FakeModel.instant("p:j", "m"))
                .strategy(Strategy.layered(2))
                .price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE).budgetUsd(new BigDecimal("0.5")).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOf(AskFailedException.class);
        assertThat(b.calls.get()).as("round 2 never starts").isEqualTo(1);
    }

    @Test
    void withinTheBudgetNothingChanges() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b"))
                .judge(FakeModel.instant("p:j", "m"))
                .price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE).budgetUsd(new BigDecimal("0.05")).build();
        assertThat(f.ask("q").answer()).isEqualTo("m");
    }
}
