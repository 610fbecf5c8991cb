package dev.fusion;

import dev.fusion.cost.Price;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Fusion#plan}: the ask's own budget planning, shown without a call; its verdict is the ask's. */
class AskPlanTest {

    @Test
    void aBudgetTooSmallForTheJudgeIsExceededWithTheAsksOwnError() {
        FakeModel a = FakeModel.instant("p:a", "a");
        FakeModel judge = FakeModel.instant("p:judge", "m");
        Fusion f = Fusion.builder().panel(a).judge(judge).price("p:a", Price.of("1", "1"))
                .price("p:judge", Price.of("15", "75")).judgeMaxOutputTokens(2000)
                .budgetUsd(new BigDecimal("0.05")).build();

        AskPlan plan = f.plan(FusionRequest.of("q"));

        assertThat(plan.verdict()).isEqualTo(AskPlan.Verdict.EXCEEDED);
        assertThat(a.calls.get() + judge.calls.get()).isZero();
        assertThat(plan.limitUsd()).isEqualByComparingTo("0.05");
        assertThatThrownBy(() -> f.ask("q")).isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(plan.exceeded().orElseThrow()).hasMessage(e.getMessage());
            assertThat(plan.exceeded().orElseThrow().neededUsd()).isEqualByComparingTo(e.neededUsd());
        });
    }

    @Test
    void skippedMembersAndReservationsAreTheAsks() {
        FakeModel cheap = FakeModel.instant("p:cheap", "a");
        FakeModel pricey = FakeModel.instant("p:pricey", "b");
        FakeModel judge = FakeModel.instant("p:judge", "m");
        Fusion f = Fusion.builder().panel(cheap, pricey).judge(judge).maxOutputTokens(1000).judgeMaxOutputTokens(1000)
                .price("p:cheap", Price.of("0.1", "0.4")).price("p:pricey", Price.of("15", "600"))
                .price("p:judge", Price.of("1", "2")).budgetUsd(new BigDecimal("0.1")).build();

        AskPlan plan = f.plan(FusionRequest.of("q"));
        assertThat(cheap.calls.get() + pricey.calls.get() + judge.calls.get()).isZero();
        assertThat(plan.verdict()).isEqualTo(AskPlan.Verdict.WITHIN_BUDGET);
        assertThat(plan.skipped()).singleElement().satisfies(s -> {
            assertThat(s.memberId()).isEqualTo("p:pricey");
            assertThat(s.skipReason()).contains("worst case $0.6");
            assertThat(s.worstCaseUsd()).isNull();
        });
        AskPlan.Reservation admitted = plan.reservations().get(0);
        assertThat(admitted.memberId()).isEqualTo("p:cheap");
        assertThat(admitted.worstCaseUsd()).isPositive();
        assertThat(plan.reservedUsd()).isEqualByComparingTo(plan.judgeReservationUsd().add(admitted.worstCaseUsd()));
        assertThat(plan.reservedUsd()).isLessThanOrEqualTo(new BigDecimal("0.1"));

        FusionResult r = f.ask("q");
        assertThat(r.panel().get(1).status()).isEqualTo(CallStatus.SKIPPED);
        assertThat(r.panel().get(1).error().message()).isEqualTo(plan.skipped().get(0).skipReason());
        assertThat(r.notes()).containsAll(plan.notes());
    }

    @Test
    void aPerRequestBudgetOverridesTheDefaultAndTooFewMembersForTheQuorumIsExceeded() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b"))
                .judge(FakeModel.instant("p:judge", "m")).maxOutputTokens(1000).judgeMaxOutputTokens(100)
                .price("p:a", Price.of("1", "100")).price("p:b", Price.of("1", "100")).price("p:judge", Price.of("1", "1"))
                .quorum(2).build();
        assertThat(f.plan(FusionRequest.of("q")).verdict()).isEqualTo(AskPlan.Verdict.UNBOUNDED);
        assertThat(f.plan(FusionRequest.of("q")).reservations()).hasSize(2)
                .allSatisfy(res -> assertThat(res.worstCaseUsd()).isNull());

        FusionRequest tight = FusionRequest.builder().prompt("q").budgetUsd(new BigDecimal("0.15")).build();
        AskPlan plan = f.plan(tight);
        assertThat(plan.verdict()).isEqualTo(AskPlan.Verdict.EXCEEDED);
        assertThat(plan.exceeded().orElseThrow()).hasMessageContaining("quorum is 2");
        assertThat(plan.skipped()).hasSize(1);
        assertThatThrownBy(() -> f.ask(tight)).isInstanceOf(BudgetExceededException.class)
                .hasMessage(plan.exceeded().orElseThrow().getMessage());
    }

    @Test
    void aRequestThatDoesNotFitThePanelIsAConfigurationErrorAsForTheAsk() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(FakeModel.instant("p:judge", "m")).build();
        FusionRequest tooMany = FusionRequest.builder().prompt("q").quorum(3).build();
        assertThatThrownBy(() -> f.plan(tooMany)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("quorum 3 is larger than the panel");
        assertThatThrownBy(() -> f.ask(tooMany)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("quorum 3 is larger than the panel");
    }

    @Test
    void aSpendCapBoundsThePlanByWhatIsLeft() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(FakeModel.instant("p:judge", "m"))
                .price("p:a", Price.of("1", "1")).price("p:judge", Price.of("15", "75")).judgeMaxOutputTokens(2000)
                .spendCapUsd(new BigDecimal("0.01"), null).build();
        AskPlan plan = f.plan(FusionRequest.of("q"));
        assertThat(plan.verdict()).isEqualTo(AskPlan.Verdict.EXCEEDED);
        assertThat(plan.exceeded().orElseThrow()).hasMessageContaining("spend cap");
    }
}
