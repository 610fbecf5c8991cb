package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BudgetTest {

    private static final com.knuddels.jtokkit.api.Encoding O200K = com.knuddels.jtokkit.Encodings
            .newLazyEncodingRegistry().getEncoding(com.knuddels.jtokkit.api.EncodingType.O200K_BASE);

    /**
     * A worst-case model: answers with exactly as many tokens as it is allowed, and reports as prompt
     * usage the exact token count of everything it was sent.
     */
    private static FakeModel greedy(String ref) {
        FakeModel[] self = new FakeModel[1];
        self[0] = FakeModel.scripted(ref, n -> Mono.fromSupplier(() -> {
            dev.fusion.model.ModelRequest req = self[0].requests.get(self[0].requests.size() - 1);
            StringBuilder sent = new StringBuilder(req.system() == null ? "" : req.system());
            req.messages().forEach(m -> sent.append(m.content()));
            int max = req.maxOutputTokens();
            return dev.fusion.model.ModelResponse.of(" word".repeat(max),
                    new Usage(O200K.countTokensOrdinary(sent.toString()), 0, 0, 0, max, 0));
        }));
        return self[0];
    }

    @Test
    void aBudgetTooSmallForTheJudgeFailsBeforeAnyCall() {
        FakeModel a = FakeModel.instant("p:a", "a");
        FakeModel judge = FakeModel.instant("p:judge", "m");
        Fusion f = Fusion.builder().panel(a).judge(judge).price("p:a", Price.of("1", "1"))
                .price("p:judge", Price.of("15", "75")).judgeMaxOutputTokens(2000)
                .budgetUsd(new BigDecimal("0.05")).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(e.getMessage()).contains("judge's worst case", "raise the budget");
            assertThat(e.neededUsd()).isGreaterThan(new BigDecimal("0.05"));
        });
        assertThat(a.calls.get() + judge.calls.get()).isZero();
    }

    @Test
    void membersThatDoNotFitAreSkippedAndReported() {
        FakeModel cheap = FakeModel.instant("p:cheap", "a");
        FakeModel pricey = FakeModel.instant("p:pricey", "b");
        FakeModel judge = FakeModel.instant("p:judge", "m");
        Fusion f = Fusion.builder().panel(cheap, pricey).judge(judge).maxOutputTokens(1000).judgeMaxOutputTokens(1000)
                .price("p:cheap", Price.of("0.1", "0.4")).price("p:pricey", Price.of("15", "600"))
                .price("p:judge", Price.of("1", "2")).budgetUsd(new BigDecimal("0.1")).build();
        FusionResult r = f.ask("q");
        assertThat(r.panel().get(0).status()).isEqualTo(CallStatus.OK);
        CallRecord skipped = r.panel().get(1);
        assertThat(skipped.status()).isEqualTo(CallStatus.SKIPPED);
        assertThat(skipped.attempts()).isZero();
        assertThat(skipped.error().type()).isEqualTo("budget");
        assertThat(skipped.error().message()).contains("worst case $0.6");
        assertThat(pricey.calls.get()).isZero();
        assertThat(r.notes()).anyMatch(n -> n.contains("p:pricey skipped"));
        assertThat(r.budgetUsd()).isEqualByComparingTo("0.1");
    }

    @Test
    void budgetThatAdmitsFewerMembersThanTheQuorumFailsBeforeAnyCall() {
        FakeModel a = FakeModel.instant("p:a", "a");
        FakeModel b = FakeModel.instant("p:b", "b");
        Fusion f = Fusion.builder().panel(a, b).judge(FakeModel.instant("p:j", "m")).quorum(2)
                .price("p:a", Price.of("1", "1")).price("p:b", Price.of("1", "500")).price("p:j", Price.of("1", "1"))
                .budgetUsd(new BigDecimal("0.1")).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOf(BudgetExceededException.class)
                .hasMessageContaining("quorum is 2");
        assertThat(a.calls.get() + b.calls.get()).isZero();
    }

    @Test
    void spendNeverExceedsTheBudgetAcrossRandomConfigurations() {
        randomBudgets(dev.fusion.judge.Strategy.synthesize(), 7, 200);
    }

    /**
     * The same property for strategies with several judge calls or panel rounds. The greedy judge
     * never returns valid JSON, so analyze and select-best take their longest path (the call, the
     * retry with its error, then synthesis); layered members read every reference.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"analyze", "layered", "layered:3", "select-best", "cascade"})
    void spendNeverExceedsTheBudgetForMultiCallStrategies(String spec) {
        String[] parts = spec.split(":");
        java.util.Map<String, Object> opts = parts.length > 1 ? java.util.Map.of("rounds", Integer.parseInt(parts[1]))
                : java.util.Map.of();
        randomBudgets(dev.fusion.judge.Strategy.parse(parts[0], opts), spec.hashCode(), 200);
    }

    private void randomBudgets(dev.fusion.judge.Strategy strategy, long seed, int rounds) {
        Random rnd = new Random(seed);
        int skippedSomewhere = 0;
        int answered = 0;
        for (int round = 0; round < rounds; round++) {
            int n = (strategy instanceof dev.fusion.judge.Strategy.Cascade ? 2 : 1) + rnd.nextInt(6);
            Fusion.Builder b = Fusion.builder().allowUnpriced(false).maxOutputTokens(100 + rnd.nextInt(2000))
                    .judgeMaxOutputTokens(100 + rnd.nextInt(4000)).strategy(strategy);
            for (int i = 0; i < n; i++) {
                String ref = "p:m" + i;
                b.panel(greedy(ref));
                b.price(ref, Price.of(rate(rnd), rate(rnd)));
            }
            b.judge(greedy("p:judge")).price("p:judge", Price.of(rate(rnd), rate(rnd)));
            // $0 .. $0.2; strategies with up to four judge calls need up to ten times more to answer at all
            BigDecimal budget = new BigDecimal(rnd.nextInt(2000)).movePointLeft(judgeCallsOf(strategy) > 1 ? 3 : 4);
            b.budgetUsd(budget);
            Fusion f = b.build();
            try {
                FusionResult r = f.ask("question " + round);
                answered++;
                assertThat(r.strategy()).isEqualTo(strategy.name());
                assertThat(r.totalCostUsd()).as("%s round %d", strategy.name(), round).isLessThanOrEqualTo(budget);
                if (r.panel().stream().anyMatch(c -> c.status() == CallStatus.SKIPPED)) {
                    skippedSomewhere++;
                }
            } catch (BudgetExceededException e) {
                assertThat(e.budgetUsd()).isEqualByComparingTo(budget);
            }
        }
        assertThat(skippedSomewhere).as("the random configurations exercise skipping").isPositive();
        assertThat(answered).as("the random configurations answer some asks").isGreaterThan(rounds / 10);
    }

    private static int judgeCallsOf(dev.fusion.judge.Strategy s) {
        return s instanceof dev.fusion.judge.Strategy.Analyze || s instanceof dev.fusion.judge.Strategy.SelectBest ? 3 : 1;
    }

    private static String rate(Random rnd) {
        return new BigDecimal(rnd.nextInt(3000)).movePointLeft(2).toPlainString(); // $0 .. $30 per M
    }

    @Test
    void spendCapAcrossAsksIsEnforcedAndReadable() {
        Fusion f = Fusion.builder().panel(greedy("p:a")).judge(greedy("p:j"))
                .maxOutputTokens(1000).judgeMaxOutputTokens(1000)
                .price("p:a", Price.of("1", "4")).price("p:j", Price.of("1", "4"))
                .spendCapUsd(new BigDecimal("0.05"), Duration.ofDays(1)).build();
        int answered = 0;
        for (int i = 0; i < 20; i++) {
            try {
                f.ask("q");
                answered++;
            } catch (BudgetExceededException e) {
                assertThat(e.getMessage()).contains("spend cap");
            }
        }
        assertThat(answered).isBetween(1, 19);
        assertThat(f.spentUsd()).isLessThanOrEqualTo(new BigDecimal("0.05")).isPositive();
    }
}
