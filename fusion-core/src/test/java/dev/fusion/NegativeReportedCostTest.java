package dev.fusion;

import dev.fusion.cost.CostSource;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 12: a negative provider-reported cost is ignored and noted; a spend total never decreases. */
class NegativeReportedCostTest {

    private static FakeModel refunding(String ref) {
        return FakeModel.responding(ref, r -> new ModelResponse("a", Usage.of(100, 50), new BigDecimal("-1000"), "stop", null));
    }

    @Test
    void aNegativeReportedCostIsIgnoredFlaggedAndNoted() {
        Price price = Price.of("1", "2");
        Fusion f = Fusion.builder().panel(refunding("p:a")).judge(FakeModel.instant("p:j", "m"))
                .price("p:a", price).price("p:j", price).spendCapUsd(new BigDecimal("1"), null).build();
        FusionResult r = f.ask("q");
        CallRecord a = r.panel().get(0);
        assertThat(a.cost().reportedUsd()).isNull();
        assertThat(a.cost().usd()).contains(price.costOf(Usage.of(100, 50)));
        assertThat(a.costFlags()).containsExactly(CostFlag.REPORTED_COST_IGNORED);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("p:a", "negative cost", "ignored"));
        assertThat(f.spentUsd()).isEqualByComparingTo(price.costOf(Usage.of(100, 50)).multiply(BigDecimal.valueOf(2)));
    }

    @Test
    void anUnpricedModelsNegativeFigureNeverBecomesItsCost() {
        BigDecimal before;
        Fusion f = Fusion.builder().panel(refunding("p:a")).judge(FakeModel.instant("p:j", "m"))
                .price("p:j", Price.of("1", "2")).allowUnpriced(true).spendCapUsd(new BigDecimal("1"), null).build();
        f.ask("q");
        before = f.spentUsd();
        FusionResult r = f.ask("q");
        assertThat(r.panel().get(0).cost().source()).isEqualTo(CostSource.UNPRICED);
        assertThat(r.totalCostUsd()).isNotNegative();
        assertThat(f.spentUsd()).as("never decreases").isGreaterThan(before);
    }
}
