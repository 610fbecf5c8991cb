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

    @Test
    void aBudgetedJudgeWithoutUsageIsChargedItsExactWorstCase() {
        // The judge-time worst case is no longer counted up front when a cheap bound shows the judge fits;
        // a judge whose usage is unknown must still be charged the worst case of its exact prompt count.
        int judgeMax = 300;
        String longAnswer = "The ledger keeps one row per account; ".repeat(20) + "\u00e9\u4e2d\ud83d\ude00 done.";
        FakeModel judge = silent("p:j");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", longAnswer), FakeModel.instant("p:b", "b"))
                .judge(judge).price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE)
                .judgeMaxOutputTokens(judgeMax).budgetUsd(new BigDecimal("1")).spendCapUsd(new BigDecimal("10"), null)
                .build();
        FusionResult r = f.ask("q");
        assertThat(r.judgeCalls().get(0).usageQuality()).isEqualTo(UsageQuality.UNKNOWN);
        dev.fusion.model.ModelRequest sent = judge.requests.get(0);
        StringBuilder prompt = new StringBuilder(sent.system()).append('\n');
        sent.messages().forEach(m -> prompt.append(m.content()).append('\n'));
        BigDecimal judgeWorst = PRICE.worstCase(
                TokenEstimator.defaultEstimator().estimate(ModelRef.parse("p:j"), prompt.toString()), judgeMax);
        BigDecimal members = PRICE.costOf(Usage.of(100, 50)).multiply(BigDecimal.valueOf(2));
        assertThat(f.spentUsd()).as("members as reported, the judge at its exact worst case")
                .isEqualByComparingTo(members.add(judgeWorst));
    }

    @Test
    void theCheapBoundIsNeverBelowTheEstimate() {
        TokenEstimator.Default d = (TokenEstimator.Default) TokenEstimator.defaultEstimator();
        java.util.Random random = new java.util.Random(7);
        String alphabet = "ab cd\n\t.,;{}()\u00e9\u00df\u4e2d\u6587\ud83d\ude00 0123456789";
        for (int i = 0; i < 200; i++) {
            StringBuilder t = new StringBuilder();
            for (int k = random.nextInt(400); k > 0; k--) {
                t.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = t.toString();
            for (ModelRef ref : new ModelRef[] {ModelRef.parse("openai:gpt-4o"), ModelRef.parse("p:j")}) {
                assertThat(d.estimateAtMost(ref, text)).as(text).isGreaterThanOrEqualTo(d.estimate(ref, text));
            }
        }
    }
}
