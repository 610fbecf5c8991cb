package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scripted workload: 20 questions, 12 of which (60%) get a unanimous short answer from the three
 * cheap members; the other 8 get three different paragraphs. The same fakes are asked once with
 * the always-judge default and once with the cascade; spend is compared from the ledger. Usage is
 * derived from what each fake is actually sent (about 4 characters per token), so the judge pays
 * for reading its prompt and the answers.
 */
class CascadeWorkloadTest {

    private static final String PARAGRAPH = "It depends on the constraints; here is a considered view with several"
            + " caveats, trade-offs and a recommendation that differs from the other members in its details. ";

    private static long tokens(String s) {
        return s.length() / 4 + 1;
    }

    /** A model whose usage is measured from the request and its reply. */
    private static FakeModel measured(String ref, Function<String, String> replyToQuestion) {
        return FakeModel.responding(ref, r -> {
            String reply = replyToQuestion.apply(r.lastUserText());
            return ModelResponse.of(reply, Usage.of(promptTokens(r), tokens(reply)));
        });
    }

    private static long promptTokens(ModelRequest r) {
        long t = r.system() == null ? 0 : tokens(r.system());
        for (ChatMessage m : r.messages()) {
            t += tokens(m.content());
        }
        return t;
    }

    @Test
    void cascadeSpendsAtMostSixtyPercentOfAlwaysJudgeWhenSixtyPercentAreUnanimous() {
        List<String> questions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            questions.add(i < 12 ? "Short factual question #" + i + ": what is " + i + " times 7? Answer with the number."
                    : "Open design question #" + i + ": how should we shard the orders table?");
        }
        Map<String, Function<String, String>> styles = Map.of(
                "a", q -> q.startsWith("Short") ? number(q) : "A: " + PARAGRAPH.repeat(3),
                "b", q -> q.startsWith("Short") ? number(q) + "." : "B: " + PARAGRAPH.repeat(4),
                "c", q -> q.startsWith("Short") ? " " + number(q) + " " : "C: " + PARAGRAPH.repeat(2));
        FakeModel a = measured("openrouter:deepseek/deepseek-v4-pro", styles.get("a"));
        FakeModel b = measured("openrouter:moonshotai/kimi-k2.6", styles.get("b"));
        FakeModel c = measured("gemini:gemini-3-flash", styles.get("c"));
        FakeModel judge = measured("anthropic:claude-opus-4-8", q -> "Merged: " + PARAGRAPH.repeat(5));

        BigDecimal always = spend(base(a, b, c, judge).build(), questions);
        int judgeCallsAlways = judge.calls.get();
        BigDecimal cascade = spend(base(a, b, c, judge).strategy(Strategy.cascade()).build(), questions);
        int judgeCallsCascade = judge.calls.get() - judgeCallsAlways;

        BigDecimal ratio = cascade.divide(always, MathContext.DECIMAL64);
        System.out.printf("cascade workload: always-judge $%s, cascade $%s, ratio %.3f (judge calls %d vs %d)%n",
                always.toPlainString(), cascade.toPlainString(), ratio.doubleValue(), judgeCallsAlways, judgeCallsCascade);
        assertThat(judgeCallsAlways).isEqualTo(20);
        assertThat(judgeCallsCascade).isEqualTo(8);
        assertThat(ratio).isLessThanOrEqualTo(new BigDecimal("0.6"));
    }

    private static String number(String q) {
        int i = Integer.parseInt(q.replaceAll(".*what is (\\d+) times.*", "$1"));
        return Integer.toString(i * 7);
    }

    private static Fusion.Builder base(FakeModel a, FakeModel b, FakeModel c, FakeModel judge) {
        return Fusion.builder().panel(a, b, c).judge(judge).shuffleSeed(1)
                .price("openrouter:deepseek/deepseek-v4-pro", Price.of("0.27", "1.10"))
                .price("openrouter:moonshotai/kimi-k2.6", Price.of("0.60", "2.50"))
                .price("gemini:gemini-3-flash", Price.of("0.30", "2.50"))
                .price("anthropic:claude-opus-4-8", Price.of("15", "75"));
    }

    private static BigDecimal spend(Fusion f, List<String> questions) {
        BigDecimal total = BigDecimal.ZERO;
        for (String q : questions) {
            FusionResult r = f.ask(q);
            assertThat(r.costComplete()).isTrue();
            total = total.add(r.totalCostUsd());
        }
        return total;
    }
}
