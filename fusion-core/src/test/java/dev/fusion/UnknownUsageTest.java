package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 12: a provider that reports no usage leaves the call's cost unknown, never $0. */
class UnknownUsageTest {

    private static final Price PRICE = Price.of("1", "2");

    private static FakeModel silent(String ref) {
        return FakeModel.responding(ref, r -> ModelResponse.withUnknownUsage("answer without usage", null, "stop", null));
    }

    @Test
    void aCallWithoutUsageIsIncompletelyCostedAndNoted() {
        FusionResult r = Fusion.builder().panel(silent("p:a"), FakeModel.instant("p:b", "b"))
                .judge(FakeModel.instant("p:j", "m")).price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE)
                .build().ask("q");
        CallRecord a = r.panel().get(0);
        assertThat(a.status()).isEqualTo(CallStatus.OK);
        assertThat(a.usageQuality()).isEqualTo(UsageQuality.UNKNOWN);
        assertThat(a.cost().usd()).as("unknown, not $0").isEmpty();
        assertThat(a.costComplete()).isFalse();
        assertThat(r.panel().get(1).usageQuality()).isEqualTo(UsageQuality.REPORTED);
        assertThat(r.costComplete()).isFalse();
        assertThat(r.incompletelyCosted()).containsExactly(a);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("p:a", "reported no usage", "unknown"));
        assertThat(ResultJson.toJson(r)).contains("\"usageQuality\":\"unknown\"");
    }

    @Test
    void aBudgetedAskChargesItsReservedWorstCase() {
        int maxOut = 500;
        Fusion f = Fusion.builder().panel(silent("p:a"), FakeModel.instant("p:b", "b"))
                .judge(FakeModel.instant("p:j", "m")).price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE)
                .maxOutputTokens(maxOut).budgetUsd(new BigDecimal("1")).spendCapUsd(new BigDecimal("10"), null).build();
        FusionResult r = f.ask("q");
        BigDecimal reservedForA = PRICE.worstCase(
                TokenEstimator.defaultEstimator().estimate(ModelRef.parse("p:a"), "q\n"), maxOut);
        BigDecimal known = PRICE.costOf(Usage.of(100, 50)).multiply(BigDecimal.valueOf(2)); // p:b and the judge
        assertThat(reservedForA).isPositive();
        assertThat(f.spentUsd()).isEqualByComparingTo(reservedForA.add(known));
        assertThat(r.totalCostUsd()).as("the result sums known costs only").isEqualByComparingTo(known);
        assertThat(r.costComplete()).isFalse();
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("p:a", "reserved worst case"));
    }
}
