package dev.fusion.cli;

import dev.fusion.Fusion;
import dev.fusion.cli.eval.EvalItem;
import dev.fusion.cli.eval.EvalRunner;
import dev.fusion.cli.eval.Pareto;
import dev.fusion.cli.eval.Scoring;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvalTest {

    /** Answers by a function of the prompt; counts calls. */
    static final class Scripted implements ChatModel {
        final ModelRef ref;
        final Function<String, String> answer;
        final AtomicInteger calls = new AtomicInteger();

        Scripted(String ref, Function<String, String> answer) {
            this.ref = ModelRef.parse(ref);
            this.answer = answer;
        }

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest r) {
            return Mono.fromSupplier(() -> {
                calls.incrementAndGet();
                return ModelResponse.of(answer.apply(r.lastUserText()), Usage.of(1000, 100));
            });
        }
    }

    @Test
    void scoringModes() {
        assertThat(Scoring.score(EvalItem.Grading.EXACT, "  Paris. ", "paris")).isTrue();
        assertThat(Scoring.score(EvalItem.Grading.EXACT, "Paris, France", "paris")).isFalse();
        assertThat(Scoring.score(EvalItem.Grading.CONTAINS, "The answer is 1,000 meters.", "1000 meters")).isTrue();
        assertThat(Scoring.score(EvalItem.Grading.CONTAINS, "The answer is 10000 meters.", "1000 meters")).isFalse();
        assertThat(Scoring.score(EvalItem.Grading.CONTAINS, "Pi is about 3.14", "3.14")).isTrue();
        assertThat(Scoring.score(EvalItem.Grading.CONTAINS, "Café au lait", "cafe")).isTrue();
        assertThat(Scoring.score(EvalItem.Grading.REGEX, "It took 42 seconds", "\\b42\\s*s")).isTrue();
        assertThat(Scoring.score(EvalItem.Grading.REGEX, "It took 420 seconds", "\\b42\\b")).isFalse();
        assertThat(Scoring.score(EvalItem.Grading.CONTAINS, null, "x")).isFalse();
    }

    @Test
    void paretoFrontKeepsOnlyUndominatedPricedSystems() {
        List<String> front = Pareto.front(List.of(
                new Pareto.Point("fusion", 0.9, new BigDecimal("0.50")),
                new Pareto.Point("flagship", 0.9, new BigDecimal("1.00")),   // same score, dearer: dominated
                new Pareto.Point("cheap", 0.6, new BigDecimal("0.05")),      // cheapest: on the front
                new Pareto.Point("mid", 0.5, new BigDecimal("0.20")),        // worse and dearer than cheap
                new Pareto.Point("unpriced", 1.0, null)));                   // unknown cost: never on it
        assertThat(front).containsExactly("fusion", "cheap");
    }

    @Test
    void badDataLinesGiveClearErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "{\"question\": \"q\"}\n");
        assertThatThrownBy(() -> EvalRunner.readItems(f)).hasMessageContaining("line 1").hasMessageContaining("reference");
        Files.writeString(f, "{\"question\": \"q\", \"reference\": \"r\", \"grading\": \"fuzzy\"}\n");
        assertThatThrownBy(() -> EvalRunner.readItems(f)).hasMessageContaining("exact, contains, regex or judge");
        Files.writeString(f, "{\"question\": \"q\", \"reference\": \"(\", \"grading\": \"regex\"}\n");
        assertThatThrownBy(() -> EvalRunner.readItems(f)).hasMessageContaining("not a valid regex");
    }

    @Test
    void evalScoresCostsAndResumesAfterInterruption(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, String.join("\n",
                "{\"id\": \"cap\", \"question\": \"capital of France?\", \"reference\": \"Paris\"}",
                "# a comment",
                "{\"id\": \"sum\", \"question\": \"2+2?\", \"reference\": \"^\\\\s*4\", \"grading\": \"regex\"}",
                "{\"id\": \"color\", \"question\": \"sky color?\", \"reference\": \"blue\", \"grading\": \"exact\"}"));
        Scripted right = new Scripted("p:right", q -> q.contains("France") ? "Paris" : q.contains("2+2") ? "4" : "Blue.");
        Scripted wrong = new Scripted("p:wrong", q -> "I am not sure");
        // The judge keys on the question, not on a bare digit: its prompt fences answers with a random numeric
        // boundary id, which holds a '4' most of the time whatever the question.
        Scripted judge = new Scripted("p:judge", q -> q.contains("Paris") ? "It is Paris" : q.contains("2+2") ? "4" : "blue");
        PriceBook prices = PriceBook.empty().with(ModelRef.parse("p:right"), Price.of("1", "2"))
                .with(ModelRef.parse("p:wrong"), Price.of("0.1", "0.2")).with(ModelRef.parse("p:judge"), Price.of("3", "6"));
        Fusion fusion = Fusion.builder().panel(right, wrong).judge(judge).priceBook(prices).build();
        Map<String, ChatModel> singles = new java.util.LinkedHashMap<>();
        singles.put("p:right", right);
        singles.put("p:wrong", wrong);
        List<EvalItem> items = EvalRunner.readItems(data);
        Path state = dir.resolve("state.jsonl");

        // First run stops early: the spend cap is hit after a few runs (concurrency 1 keeps it deterministic).
        EvalRunner capped = new EvalRunner(fusion, singles, null, prices, 1, new BigDecimal("0.005"), 256, Duration.ofSeconds(5));
        List<EvalRunner.Run> partial = capped.run(items, state, p -> { });
        assertThat(partial.size()).isBetween(1, 8);
        // Simulate an interruption that cut the last line short.
        Files.writeString(state, "{\"id\": \"col", java.nio.file.StandardOpenOption.APPEND);

        int rightCallsBefore = right.calls.get();
        EvalRunner full = new EvalRunner(fusion, singles, null, prices, 4, null, 256, Duration.ofSeconds(5));
        List<EvalRunner.Run> all = full.run(items, state, p -> { });
        assertThat(all).hasSize(9); // 3 items x (fusion + 2 singles), none twice
        assertThat(all.stream().map(r -> r.id() + "/" + r.system()).distinct().count()).isEqualTo(9);
        // The resumed run only made the calls that were missing.
        assertThat(right.calls.get() - rightCallsBefore).isLessThan(6);

        // Every run survives a further resume: nothing was glued onto the broken line.
        assertThat(EvalRunner.readState(state)).hasSize(9);
        List<EvalRunner.SystemSummary> summary = EvalRunner.summarize(all, List.of("fusion", "p:right", "p:wrong"));
        EvalRunner.SystemSummary f = summary.get(0);
        EvalRunner.SystemSummary r = summary.get(1);
        EvalRunner.SystemSummary w = summary.get(2);
        assertThat(f.system()).isEqualTo("fusion");
        assertThat(f.correct()).isEqualTo(3);   // "It is Paris" contains Paris; "4" matches; "blue" exact
        assertThat(r.correct()).isEqualTo(3);
        assertThat(w.correct()).isZero();
        // p:right alone: 3 calls x (1000 x $1 + 100 x $2) / 1e6 = 3 x 0.0012
        assertThat(r.costUsd()).isEqualByComparingTo("0.0036");
        assertThat(r.costPerCorrect()).isEqualByComparingTo("0.0012");
        assertThat(w.costPerCorrect()).isNull();
        // The single right model is as good as the fusion and cheaper: it alone is on the front with wrong (cheapest).
        assertThat(r.paretoFront()).isTrue();
        assertThat(f.paretoFront()).isFalse();
        assertThat(w.paretoFront()).isTrue();

        Path json = dir.resolve("summary.json");
        Path csv = dir.resolve("runs.csv");
        EvalRunner.writeReports(summary, all, json, csv);
        assertThat(Files.readString(json)).contains("\"paretoFront\" : true", "\"costPerCorrectUsd\" : 0.0012");
        assertThat(Files.readAllLines(csv)).hasSize(10).first().isEqualTo("id,system,correct,costUsd,latencyMs,error");
    }
}
