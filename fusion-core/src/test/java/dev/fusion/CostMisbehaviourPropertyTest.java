package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, property-style: providers misbehave at random (usage inflated far beyond the max,
 * negative reported cost, missing usage) under random budgets and spend caps, over many seeded runs.
 * Whatever they report: the ledger's spent total never goes down, a call only exceeds its
 * reservation when it is flagged {@link CostFlag#OUTPUT_OVER_MAX}, and the recorded spend exceeds
 * the cap by no more than the flagged misreports of the one ask that crossed it (after which the
 * cap admits no further ask).
 */
class CostMisbehaviourPropertyTest {

    enum Misbehaviour { HONEST, INFLATED, NEGATIVE_COST, NO_USAGE }

    private static final int RUNS = 120;
    /** Coverage across runs, so the property cannot hold vacuously. */
    private int admitted;
    private int flagged;
    private int unknown;
    private int crossings;
    private static final int ASKS_PER_RUN = 6;

    @Test
    void theLedgerStaysTrueUnderRandomMisreports() {
        for (int seed = 0; seed < RUNS; seed++) {
            try {
                run(seed);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
        assertThat(admitted).as("asks admitted").isGreaterThan(RUNS);
        assertThat(flagged).as("inflated calls seen").isGreaterThan(RUNS / 4);
        assertThat(unknown).as("calls without usage seen").isGreaterThan(RUNS / 4);
        assertThat(crossings).as("runs whose spend crossed the cap").isGreaterThan(RUNS / 10);
    }

    private void run(long seed) {
        Random rnd = new Random(seed);
        int maxOut = 50 + rnd.nextInt(500);
        int members = 1 + rnd.nextInt(3);
        Price price = Price.of(String.valueOf(1 + rnd.nextInt(20)), String.valueOf(1 + rnd.nextInt(80)));
        Fusion.Builder b = Fusion.builder().judge(FakeModel.instant("p:j", "merged")).price("p:j", Price.of("1", "1"))
                .maxOutputTokens(maxOut).judgeMaxOutputTokens(200).quorum(1);
        List<Misbehaviour[]> scripts = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            String ref = "p:m" + i;
            Misbehaviour[] perAsk = new Misbehaviour[ASKS_PER_RUN];
            for (int a = 0; a < ASKS_PER_RUN; a++) {
                perAsk[a] = Misbehaviour.values()[rnd.nextInt(Misbehaviour.values().length)];
            }
            scripts.add(perAsk);
            long inflated = maxOut + CallRecord.outputSlack(maxOut) + 1 + (long) (rnd.nextDouble() * 1e9);
            long honestOut = rnd.nextInt(maxOut + 1);
            int[] ask = {0};
            b.panel(FakeModel.responding(ref, r -> {
                Misbehaviour m = perAsk[Math.min(ask[0]++, ASKS_PER_RUN - 1)];
                return switch (m) {
                    case HONEST -> ModelResponse.of("a", Usage.of(5, honestOut));
                    case INFLATED -> ModelResponse.of("a", Usage.of(5, inflated));
                    case NEGATIVE_COST -> new ModelResponse("a", Usage.of(5, honestOut),
                            BigDecimal.valueOf(-rnd.nextInt(1_000_000)), "stop", null);
                    case NO_USAGE -> ModelResponse.withUnknownUsage("a", null, "stop", null);
                };
            })).price(ref, price);
        }
        BigDecimal cap = BigDecimal.valueOf(1 + rnd.nextInt(2000), 4);       // $0.0001 .. $0.2
        BigDecimal budget = rnd.nextBoolean() ? BigDecimal.valueOf(1 + rnd.nextInt(1000), 4) : null;
        Fusion f = b.budgetUsd(budget).spendCapUsd(cap, null).build();

        BigDecimal reservation = price.worstCase(
                TokenEstimator.defaultEstimator().estimate(ModelRef.parse("p:m0"), "q\n"), maxOut);
        BigDecimal previous = BigDecimal.ZERO;
        BigDecimal overage = BigDecimal.ZERO;
        boolean crossed = false;
        for (int a = 0; a < ASKS_PER_RUN; a++) {
            List<CallRecord> panelCalls;
            Boolean costComplete;
            try {
                FusionResult r = f.ask("q");
                panelCalls = r.panel();
                costComplete = r.costComplete();
            } catch (BudgetExceededException e) {
                assertThat(f.spentUsd()).as("a refused ask spends nothing").isEqualByComparingTo(previous);
                continue;
            } catch (AskFailedException e) {
                // A misreport passed the ask's limit mid-ask: no further paid call started (no judge).
                assertThat(e.getMessage()).contains("no further paid call was started");
                assertThat(e.calls()).noneMatch(c -> c.role() == CallRole.JUDGE);
                panelCalls = e.calls();
                costComplete = null;
            }
            assertThat(crossed).as("no ask is admitted once the recorded spend passed the cap").isFalse();
            admitted++;
            BigDecimal spent = f.spentUsd();
            assertThat(spent).as("the ledger never goes down").isGreaterThanOrEqualTo(previous);
            for (CallRecord c : panelCalls) {
                if (c.status() == CallStatus.SKIPPED) {
                    continue;
                }
                BigDecimal known = c.cost().usd().orElse(BigDecimal.ZERO);
                assertThat(known).as("no cost is negative").isNotNegative();
                boolean over = c.usage().completionTokens() > maxOut + CallRecord.outputSlack(maxOut);
                assertThat(c.costFlags().contains(CostFlag.OUTPUT_OVER_MAX)).as("flagged iff over the max: %s", c)
                        .isEqualTo(over);
                if (c.usageQuality() == UsageQuality.UNKNOWN) {
                    unknown++;
                }
                if (c.costFlags().contains(CostFlag.OUTPUT_OVER_MAX)) {
                    flagged++;
                    overage = overage.add(known.subtract(reservation).max(BigDecimal.ZERO));
                } else {
                    assertThat(known).as("an unflagged call stays within its reservation: %s", c)
                            .isLessThanOrEqualTo(reservation);
                }
                if (c.cost().reportedUsd() != null) {
                    assertThat(c.cost().reportedUsd()).isNotNegative();
                }
                if (c.usageQuality() != UsageQuality.REPORTED && costComplete != null) {
                    assertThat(costComplete).isFalse();
                }
            }
            assertThat(spent).as("the recorded spend passes the cap only by flagged misreports")
                    .isLessThanOrEqualTo(cap.add(overage));
            crossed = spent.compareTo(cap) > 0;
            if (crossed) {
                crossings++;
            }
            previous = spent;
        }
    }
}
