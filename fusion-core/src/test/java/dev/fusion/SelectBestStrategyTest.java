package dev.fusion;

import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Ranking;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class SelectBestStrategyTest {

    private static final Pattern ANSWER = Pattern.compile("Answer (\\d+):\\n(.*?)\\n</answer-\\d{19}>", Pattern.DOTALL);

    /** The answers as the judge saw them, in order. */
    static List<String> shown(ModelRequest r) {
        List<String> out = new ArrayList<>();
        Matcher m = ANSWER.matcher(r.messages().get(0).content());
        while (m.find()) {
            out.add(m.group(2));
        }
        return out;
    }

    static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        java.util.Collections.reverse(copy);
        return copy;
    }

    /** A judge that ranks with the given function from the shown texts to 1-based numbers, best first. */
    static FakeModel ranker(Function<List<String>, List<Integer>> rank) {
        return FakeModel.replying("p:judge", r -> {
            if (!r.system().equals(JudgePrompt.rank().system())) {
                return "SYNTH";
            }
            StringBuilder sb = new StringBuilder("{\"ranking\": [");
            List<Integer> order = rank.apply(shown(r));
            for (int i = 0; i < order.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append("{\"answer\": ").append(order.get(i)).append(", \"reason\": \"r\"}");
            }
            return sb.append("]}").toString();
        });
    }

    private static Fusion.Builder panel() {
        return Fusion.builder().panel(FakeModel.instant("p:a", "alpha"), FakeModel.instant("p:b", "CORRECT beta"),
                FakeModel.instant("p:c", "gamma")).shuffleSeed(11);
    }

    @Test
    void theTopAnswerIsReturnedVerbatimWithTheCombinedRanking() {
        // Prefers the correct answer wherever it appears; otherwise keeps the shown order.
        FakeModel judge = ranker(texts -> {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                if (texts.get(i).startsWith("CORRECT")) {
                    order.add(0, i + 1);
                } else {
                    order.add(i + 1);
                }
            }
            return order;
        });
        FusionResult r = panel().judge(judge).strategy(Strategy.selectBest(true)).build().ask("q");

        assertThat(r.strategy()).isEqualTo("select-best");
        assertThat(r.answer()).isEqualTo("CORRECT beta");
        assertThat(r.judged()).isTrue();
        Ranking ranking = r.ranking().orElseThrow();
        assertThat(ranking.winner()).isEqualTo("p:b");
        assertThat(ranking.entries().get(0)).isEqualTo(new Ranking.Entry("p:b", 4)); // 2 points in each of two rounds
        assertThat(ranking.entries()).extracting(Ranking.Entry::memberId).containsExactlyInAnyOrder("p:a", "p:b", "p:c");
        assertThat(ranking.positionBiasCancelled()).isTrue();
        assertThat(r.judgeCalls()).extracting(CallRecord::step).containsExactly("rank", "rank-reversed");
        // The second round shows the answers in reverse.
        List<String> first = shown(judge.requests.get(0));
        List<String> second = shown(judge.requests.get(1));
        assertThat(second).isEqualTo(reversed(first));
        assertThat(ranking.roundOrders().get(1)).isEqualTo(reversed(ranking.roundOrders().get(0)));
        assertThat(r.answerOrder()).isEqualTo(ranking.roundOrders().get(0));
    }

    @Test
    void pureFirstPositionBiasIsCancelledByTheReversedRound() {
        FakeModel biased = ranker(texts -> {
            List<Integer> order = new ArrayList<>();
            for (int i = 1; i <= texts.size(); i++) {
                order.add(i); // always "Answer 1 is best"
            }
            return order;
        });
        FusionResult twoRounds = panel().judge(biased).strategy(Strategy.selectBest(true)).build().ask("q");
        Ranking ranking = twoRounds.ranking().orElseThrow();
        // Every answer got first place once and last place once: equal Borda scores.
        assertThat(ranking.entries()).extracting(Ranking.Entry::score).containsOnly(2);
        // With equal scores the first round's order breaks the tie.
        assertThat(ranking.winner()).isEqualTo(ranking.roundRankings().get(0).get(0));

        FusionResult oneRound = panel().judge(ranker(t -> List.of(1, 2, 3))).strategy(Strategy.selectBest(false))
                .build().ask("q");
        assertThat(oneRound.judgeCalls()).extracting(CallRecord::step).containsExactly("rank");
        assertThat(oneRound.ranking().orElseThrow().entries()).extracting(Ranking.Entry::score).containsExactly(2, 1, 0);
        assertThat(oneRound.ranking().orElseThrow().positionBiasCancelled()).isFalse();
    }

    @Test
    void anIncompleteRankingIsRetriedWithTheErrorThenDegradesToSynthesis() {
        FakeModel judge = ranker(texts -> List.of(1, 2)); // leaves one out, every time
        FusionResult r = panel().judge(judge).strategy(Strategy.selectBest(true)).build().ask("q");
        assertThat(judge.requests.get(1).lastUserText()).contains("missing [3]");
        assertThat(r.judgeCalls()).extracting(CallRecord::step).containsExactly("rank", "rank-retry", "synthesize");
        assertThat(r.answer()).isEqualTo("SYNTH");
        assertThat(r.ranking()).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("degraded to plain synthesis"));
    }

    @Test
    void theChosenAnswerIsStreamedAsTheJudgesDelta() {
        FakeModel judge = ranker(texts -> List.of(2, 1, 3));
        List<FusionEvent> events = panel().judge(judge).strategy(Strategy.selectBest(false)).build()
                .stream(FusionRequest.of("q")).collectList().block();
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.JudgeDelta).singleElement()
                .satisfies(e -> assertThat(((FusionEvent.JudgeDelta) e).text()).isEqualTo(r.answer()));
    }
}
