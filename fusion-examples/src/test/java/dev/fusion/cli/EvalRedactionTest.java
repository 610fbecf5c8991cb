package dev.fusion.cli;

import dev.fusion.Fusion;
import dev.fusion.Redactor;
import dev.fusion.cli.eval.EvalItem;
import dev.fusion.cli.eval.EvalRunner;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The eval's files pass through the redactor: a failure whose text holds a registered key (here a
 * plain exception, which no constructor redacts) reaches {@code state.jsonl}, {@code runs.csv}
 * and {@code summary.json} without any run of 8 of its characters.
 */
class EvalRedactionTest {

    private static final String KEY = "sk-Ev4Lq9Rz2Xc7Vb1Nm6Kp3Jt8";

    static {
        Redactor.register(KEY);
    }

    /** A model that fails with the key in a plain exception's message. */
    static final class Leaky implements ChatModel {
        private final ModelRef ref = ModelRef.parse("p:leaky");

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest r) {
            return Mono.error(new IllegalStateException("upstream said: bad key " + KEY + " / " + KEY.substring(4, 16)));
        }
    }

    static final class Fine implements ChatModel {
        private final ModelRef ref = ModelRef.parse("p:fine");

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest r) {
            return Mono.just(ModelResponse.of("Paris", Usage.of(10, 1)));
        }
    }

    static boolean leaks(String text) {
        for (int i = 0; i + Redactor.RUN <= KEY.length(); i++) {
            if (text.contains(KEY.substring(i, i + Redactor.RUN))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void stateRunsAndSummaryHoldNoRunOfAKey(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"id\": \"cap\", \"question\": \"capital of France?\", \"reference\": \"Paris\"}\n");
        Fine fine = new Fine();
        Fusion fusion = Fusion.builder().panel(fine).judge(fine).build();
        Map<String, ChatModel> singles = new LinkedHashMap<>();
        singles.put("p:leaky", new Leaky());
        List<EvalItem> items = EvalRunner.readItems(data);
        Path state = dir.resolve("state.jsonl");
        EvalRunner runner = new EvalRunner(fusion, singles, null, PriceBook.empty(), 1, null, 64, Duration.ofSeconds(5));
        List<EvalRunner.Run> runs = runner.run(items, state, p -> { });
        EvalRunner.Run failed = runs.stream().filter(r -> r.system().equals("p:leaky")).findFirst().orElseThrow();
        assertThat(failed.error()).contains("IllegalStateException"); // the failure was recorded

        Path json = dir.resolve("summary.json");
        Path csv = dir.resolve("runs.csv");
        EvalRunner.writeReports(EvalRunner.summarize(runs, List.of("fusion", "p:leaky")), runs, json, csv);
        for (Path f : List.of(state, csv, json)) {
            String text = Files.readString(f);
            assertThat(leaks(text)).as("%s: %s", f.getFileName(), text).isFalse();
        }
        assertThat(Files.readString(state)).contains("bad key ***");
        assertThat(Files.readString(csv)).contains("bad key ***");
    }
}
