package dev.fusion.faults;

import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.cost.Rates;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budget over real HTTP: the sandbox bills every call its worst case (the whole max-tokens
 * limit generated, half of it as reasoning), and the server's own tally, priced, must never
 * exceed the budget, whatever the panel, prices, limits and faults.
 */
class BudgetUnderFaultsTest {

    static final RetryPolicy RETRY = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50),
            Duration.ofSeconds(2), 0.0);
    static final Duration DEADLINE = Duration.ofSeconds(6);
    static final Duration MARGIN = Duration.ofSeconds(2);

    /** Short common words: the sandbox's 4-characters-a-token count stays under the engine's estimate. */
    static final String[] WORDS = {"two", "plus", "is", "four", "and", "the", "sum", "of", "one", "more"};
    /** Far longer than any max-tokens limit here, so every answer is clipped to the limit. */
    static final String LONG_ANSWER = "four ".repeat(4000).strip();

    /** Generates the whole limit: half reasoning, the rest visible text. */
    static Reply worstCase() {
        return Reply.text(LONG_ANSWER).reasoningTokens(1_000_000);
    }

    static String prompt(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 5 + rnd.nextInt(200);
        for (int i = 0; i < n; i++) {
            sb.append(WORDS[rnd.nextInt(WORDS.length)]).append(' ');
        }
        return sb.toString().strip() + "?";
    }

    static BigDecimal rate(Random rnd, double min, double max) {
        return BigDecimal.valueOf(min + rnd.nextDouble() * (max - min)).setScale(3, RoundingMode.HALF_UP);
    }

    static Price randomPrice(Random rnd) {
        BigDecimal in = rate(rnd, 0.05, 15);
        BigDecimal out = rate(rnd, 0.2, 75);
        // Some models bill reasoning above visible output.
        BigDecimal reasoning = rnd.nextInt(3) == 0 ? out.multiply(BigDecimal.valueOf(2)) : null;
        return Price.of(new Rates(in, out, null, null, null, reasoning));
    }

    /** A member's script: mostly the worst case, sometimes going wrong first or altogether. */
    static Script randomScript(Random rnd) {
        return switch (rnd.nextInt(7)) {
            case 0 -> Script.failing(Fault.http(500));
            // Billed, then failed (no visible text): retried only while the reservation allows.
            case 5 -> Script.sequence(Reply.text("").reasoningTokens(1_000_000), worstCase());
            case 1 -> Script.failTimes(1, Fault.http(503), Script.always(worstCase()));
            case 2 -> Script.failTimes(1, Fault.truncatedBody(), Script.always(worstCase()));
            case 3 -> Script.always(worstCase().latencyMillis(30));
            default -> Script.always(worstCase());
        };
    }

    @Test
    void spendNeverExceedsTheBudgetAcrossRandomConfigurations() {
        long seed = Long.getLong("faults.seed", 20261122L);
        Random rnd = new Random(seed);
        int configs = 36;
        int answered = 0;
        int refused = 0;
        int skippedSeen = 0;
        for (int k = 0; k < configs; k++) {
            WireFormat format = WireFormat.values()[k % 3];
            int panelSize = 1 + rnd.nextInt(5);
            int maxOut = 16 + rnd.nextInt(240);
            int judgeMaxOut = 16 + rnd.nextInt(500);
            Map<String, Price> prices = new HashMap<>();
            Behaviour.Builder b = Behaviour.builder();
            List<String> members = new ArrayList<>();
            for (int i = 0; i < panelSize; i++) {
                String id = "m" + i;
                members.add(id);
                prices.put(id, randomPrice(rnd));
                b.model(id, randomScript(rnd));
            }
            prices.put("judge", randomPrice(rnd));
            prices.put("fallback", randomPrice(rnd));
            // The judge sometimes fails, billed or not, so the fallback may run too.
            int judgeFate = rnd.nextInt(4);
            b.model("judge", judgeFate == 0 ? Script.failing(Fault.http(529))
                    : judgeFate == 1 ? Script.sequence(Reply.text("").reasoningTokens(1_000_000), worstCase())
                    : Script.always(worstCase()));
            b.model("fallback", Script.always(worstCase()));
            String prompt = prompt(rnd);
            String context = "config " + k + " (seed " + seed + "): " + format + ", panel " + panelSize
                    + ", maxOut " + maxOut + ", judgeMaxOut " + judgeMaxOut + ", prices " + prices;

            try (Rig rig = Rig.start(format, b.build())) {
                Fusion.Builder fb = Fusion.builder().judge(rig.model("judge")).fallbackJudge(rig.model("fallback"))
                        .retry(RETRY).judgeRetry(RETRY).deadline(DEADLINE).maxOutputTokens(maxOut)
                        .judgeMaxOutputTokens(judgeMaxOut).onJudgeFailure(OnJudgeFailure.BEST_ANSWER);
                members.forEach(id -> fb.member(Member.of(rig.model(id))));
                prices.forEach((id, p) -> fb.price(rig.ref(id), p));
                // Budgets from "not even the judge" to "everything fits", each priced from a
                // worst case computed the way the server will bill it.
                BigDecimal everything = worstCaseBound(prices, members, maxOut, judgeMaxOut, prompt);
                BigDecimal budget = everything.multiply(BigDecimal.valueOf(0.05 + rnd.nextDouble() * 1.2))
                        .setScale(8, RoundingMode.HALF_UP);
                fb.quorum(1).budgetUsd(budget);

                Rig.Outcome o = Rig.ask(fb.build(), dev.fusion.FusionRequest.of(prompt), DEADLINE.plus(MARGIN));

                assertThat(o.elapsed()).as(context).isLessThanOrEqualTo(DEADLINE.plus(MARGIN));
                BigDecimal served = BigDecimal.ZERO;
                for (String id : prices.keySet()) {
                    served = served.add(Rig.servedCost(rig.server, id, prices.get(id)));
                }
                assertThat(served).as("the server's bill vs the budget $%s, %s", budget, context)
                        .isLessThanOrEqualTo(budget);
                BigDecimal recorded = Rig.sum(o.calls().stream().map(c -> c.cost().usd().orElseThrow()).toList());
                assertThat(recorded).as("recorded cost vs the server's bill, %s", context).isEqualByComparingTo(served);
                if (o.failure() instanceof BudgetExceededException) {
                    refused++;
                    assertThat(rig.server.requestCount()).as("a refused ask calls nothing, " + context).isZero();
                    continue;
                }
                for (CallRecord c : o.calls()) {
                    if (c.status() == CallStatus.SKIPPED) {
                        skippedSeen++;
                        assertThat(c.attempts()).isZero();
                        assertThat(c.error().type()).isEqualTo("budget");
                        assertThat(c.error().message()).contains("skipped by the budget");
                        assertThat(rig.server.requestCount(c.model().model())).as("skipped %s was called", c).isZero();
                        if (o.result() != null) {
                            assertThat(o.result().notes())
                                    .anySatisfy(n -> assertThat(n).contains(c.memberId()).contains("skipped"));
                        }
                    }
                }
                if (o.result() == null) {
                    // Every admitted member failed: a typed failure carrying every record.
                    assertThat(o.failure()).as(context).isInstanceOf(dev.fusion.QuorumNotMetException.class);
                    assertThat(o.calls().stream().filter(c -> c.role() == dev.fusion.CallRole.PANEL))
                            .hasSize(panelSize);
                } else {
                    answered++;
                    assertThat(o.result().totalCostUsd()).isLessThanOrEqualTo(budget);
                    assertThat(o.result().panel()).as("every member has a record").hasSize(panelSize);
                }
            }
        }
        // The random configurations really covered the three regimes.
        assertThat(refused).as("asks refused up front").isPositive();
        assertThat(answered).as("asks answered").isPositive();
        assertThat(skippedSeen).as("members skipped by the budget").isPositive();
    }

    /**
     * An upper bound on what the whole ask can cost when every call generates its full limit:
     * prompts counted generously (the engine's own estimate is tighter).
     */
    static BigDecimal worstCaseBound(Map<String, Price> prices, List<String> members, int maxOut, int judgeMaxOut,
                                     String prompt) {
        long promptTokens = prompt.length() / 2 + 64;
        BigDecimal total = BigDecimal.ZERO;
        for (String m : members) {
            total = total.add(prices.get(m).worstCase(promptTokens, maxOut));
        }
        long judgeIn = promptTokens + 600 + (long) members.size() * (maxOut * 2L + 24);
        total = total.add(prices.get("judge").worstCase(judgeIn, judgeMaxOut)
                .max(prices.get("fallback").worstCase(judgeIn, judgeMaxOut)));
        return total;
    }

    // ------------------------------------------------------------------ refused before any call

    @ParameterizedTest(name = "a budget too small for the judge over {0} fails before any request")
    @EnumSource(WireFormat.class)
    void budgetTooSmallForTheJudgeFailsBeforeAnyCall(WireFormat format) {
        try (Rig rig = Rig.start(format, Behaviour.of(Script.always(worstCase())))) {
            Fusion f = Fusion.builder().panel(rig.model("m1"), rig.model("m2")).judge(rig.model("judge"))
                    .price(rig.ref("m1"), Price.of("1", "2")).price(rig.ref("m2"), Price.of("1", "2"))
                    .price(rig.ref("judge"), Price.of("15", "75"))
                    .budgetUsd(new BigDecimal("0.0001")).build();
            Rig.Outcome o = Rig.ask(f, Duration.ofSeconds(5));
            assertThat(o.failure()).isInstanceOf(BudgetExceededException.class)
                    .hasMessageContaining("cannot cover the judge's worst case");
            BudgetExceededException e = (BudgetExceededException) o.failure();
            assertThat(e.budgetUsd()).isEqualByComparingTo("0.0001");
            assertThat(e.neededUsd()).isGreaterThan(e.budgetUsd());
            assertThat(rig.server.requestCount()).as("requests the server saw").isZero();
            o.assertNoCanary();
        }
    }

    // ------------------------------------------------------------------ billed failures

    /**
     * An attempt that is billed and still fails (the model spent its budget on reasoning and
     * returned no visible text, finish reason "stop": retryable) must stay in the ledger, and its
     * retry must not push the ask over the budget.
     */
    @ParameterizedTest(name = "a billed empty answer that is retried stays in the ledger and the budget over {0}")
    @EnumSource(WireFormat.class)
    void billedFailedAttemptsAreKeptAndBudgeted(WireFormat format) {
        Reply billedEmpty = Reply.text("").reasoningTokens(1_000_000);
        Behaviour b = Behaviour.builder()
                .model("m1", Script.failTimes(2, Fault.http(500), Script.sequence(billedEmpty, worstCase())))
                .model("m2", Script.sequence(billedEmpty, billedEmpty, worstCase()))
                .model("judge", Script.sequence(billedEmpty, worstCase()))
                .build();
        Price price = Price.of("1", "10");
        try (Rig rig = Rig.start(format, b)) {
            Fusion.Builder fb = Fusion.builder().panel(rig.model("m1"), rig.model("m2")).judge(rig.model("judge"))
                    .retry(RetryPolicy.retries(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                    .judgeRetry(RetryPolicy.retries(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                    .maxOutputTokens(200).judgeMaxOutputTokens(300).deadline(DEADLINE);
            for (String id : List.of("m1", "m2", "judge")) {
                fb.price(rig.ref(id), price);
            }
            // First without a budget: every billed attempt must be in the records.
            Rig.Outcome free = Rig.ask(fb.build(), DEADLINE.plus(MARGIN));
            assertThat(free.failure()).isNull();
            for (String id : List.of("m1", "m2", "judge")) {
                CallRecord c = free.call(id);
                assertThat(c.usage()).as("usage of %s vs what the server billed", c)
                        .isEqualTo(rig.server.servedUsage(id));
            }
            assertThat(free.result().totalCostUsd()).isEqualByComparingTo(
                    Rig.sum(List.of(Rig.servedCost(rig.server, "m1", price), Rig.servedCost(rig.server, "m2", price),
                            Rig.servedCost(rig.server, "judge", price))));
        }
    }

    /**
     * The same billed failures under a budget of exactly the engine's reservations (a fixed token
     * estimate makes them computable here): a retry or a fallback judge that could overrun what is
     * left of its reservation must not run.
     */
    @ParameterizedTest(name = "billed failures cannot push spend over an exact budget over {0}")
    @EnumSource(WireFormat.class)
    void billedFailuresStayWithinAnExactBudget(WireFormat format) {
        Reply billedEmpty = Reply.text("").reasoningTokens(1_000_000);
        Behaviour b = Behaviour.builder()
                .model("m1", Script.always(worstCase()))
                .model("m2", Script.sequence(billedEmpty, billedEmpty, worstCase()))
                .model("judge", Script.sequence(billedEmpty, worstCase()))
                .model("fallback", Script.always(worstCase()))
                .build();
        Price price = Price.of("1", "10");
        // The sandbox's own token rule (4 characters a token) plus a little: a tight, honest
        // upper bound, so the reservations are close to what the calls really cost.
        dev.fusion.cost.TokenEstimator estimator = (model, text) -> (text.codePointCount(0, text.length()) + 3) / 4 + 8;
        int maxOut = 200;
        int judgeMaxOut = 300;
        String question = "What is two plus two? Answer briefly.";
        dev.fusion.model.ModelRef any = dev.fusion.model.ModelRef.parse("x:y");
        BigDecimal member = price.worstCase(estimator.estimate(any, question + "\n"), maxOut);
        dev.fusion.judge.JudgePrompt jp = dev.fusion.judge.JudgePrompt.synthesize();
        // The engine's allowance for two answers: each its max output times the cross-tokenizer factor
        // 1.3 plus 40 tokens of label and boundary-id tags, and 64 for the sentence announcing the id.
        long judgeIn = estimator.estimate(any, jp.system() + "\n" + jp.render(question, List.of()))
                + (long) Math.ceil(2 * (maxOut * 1.3 + 40)) + 64;
        BigDecimal budget = member.add(member).add(price.worstCase(judgeIn, judgeMaxOut));
        try (Rig rig = Rig.start(format, b)) {
            Fusion.Builder fb = Fusion.builder().panel(rig.model("m1"), rig.model("m2")).judge(rig.model("judge"))
                    .fallbackJudge(rig.model("fallback")).onJudgeFailure(OnJudgeFailure.BEST_ANSWER)
                    .retry(RetryPolicy.retries(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                    .judgeRetry(RetryPolicy.retries(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                    .maxOutputTokens(maxOut).judgeMaxOutputTokens(judgeMaxOut).deadline(DEADLINE)
                    .tokenEstimator(estimator).budgetUsd(budget);
            for (String id : List.of("m1", "m2", "judge", "fallback")) {
                fb.price(rig.ref(id), price);
            }
            Rig.Outcome o = Rig.ask(fb.build(), DEADLINE.plus(MARGIN));
            assertThat(o.failure()).as("failure").isNull();
            assertThat(o.result().panel()).noneMatch(c -> c.status() == CallStatus.SKIPPED);
            BigDecimal served = BigDecimal.ZERO;
            for (String id : List.of("m1", "m2", "judge", "fallback")) {
                served = served.add(Rig.servedCost(rig.server, id, price));
            }
            assertThat(served).as("the server's bill vs the budget $%s; records %s", budget, o.calls())
                    .isLessThanOrEqualTo(budget);
            assertThat(o.result().totalCostUsd()).isEqualByComparingTo(served);
            for (CallRecord c : o.calls()) {
                assertThat(c.usage()).as("usage of %s", c).isEqualTo(rig.server.servedUsage(c.model().model()));
            }
            // m2's billed empty answer left too little of its reservation for a worst-case retry.
            assertThat(o.call("m2").status()).isEqualTo(CallStatus.FAILED);
            assertThat(o.call("m2").attempts()).isEqualTo(1);
            assertThat(o.call("m2").error().type()).isEqualTo("empty_answer");
            // Likewise the judge, and its fallback no longer fits what is left of the judges' reservation.
            assertThat(o.call("judge").attempts()).isEqualTo(1);
            assertThat(o.call("fallback").status()).isEqualTo(CallStatus.SKIPPED);
            assertThat(o.call("fallback").error().type()).isEqualTo("budget");
            assertThat(rig.server.requestCount("fallback")).isZero();
            assertThat(o.result().judged()).isFalse();
            assertThat(o.result().notes()).anySatisfy(n -> assertThat(n).contains("fallback").contains("skipped by the budget"));
        }
    }
}
