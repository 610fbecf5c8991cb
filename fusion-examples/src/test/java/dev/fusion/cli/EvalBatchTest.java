package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fusion eval --batch} on the sandbox: every run (single models, the fusion's members and judge, the
 * grader) through the sandbox's batch APIs, recorded as batch-priced, at half the cost of the same eval
 * without batches (the sandbox's fictional batch prices are half its standard ones, and its answers are
 * deterministic).
 */
class EvalBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path data() throws Exception {
        Path data = dir.resolve("capitals.jsonl");
        Files.writeString(data, """
                {"id": "q1", "question": "What is the capital of France?", "reference": "Paris", "grading": "contains"}
                {"id": "q2", "question": "What is the capital of Japan?", "reference": "Tokyo", "grading": "judge"}
                """);
        return data;
    }

    private static List<JsonNode> state(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void evalThroughBatchesCostsHalfAndMarksEveryRunAsBatchPriced() throws Exception {
        Path data = data();
        CliTest.Run direct = CliTest.cli("eval", "--sandbox", "--out", dir.resolve("direct").toString(), data.toString());
        assertThat(direct.code()).as(direct.err()).isZero();
        CliTest.Run batch = CliTest.cli("eval", "--sandbox", "--batch", "--out", dir.resolve("batch").toString(),
                data.toString());
        assertThat(batch.code()).as(batch.err()).isZero();
        assertThat(batch.err()).contains("batch: submitting").contains("ended");

        List<JsonNode> directRuns = state(dir.resolve("direct/state.jsonl"));
        List<JsonNode> batchRuns = state(dir.resolve("batch/state.jsonl"));
        assertThat(batchRuns).hasSameSizeAs(directRuns).isNotEmpty();
        assertThat(batchRuns).allSatisfy(r -> {
            assertThat(r.path("pricing").asText()).isEqualTo("batch");
            assertThat(r.path("error").isNull()).as(r.toString()).isTrue();
            assertThat(r.path("priced").asBoolean()).isTrue();
        });
        for (JsonNode b : batchRuns) {
            JsonNode d = directRuns.stream().filter(x -> x.path("id").equals(b.path("id"))
                    && x.path("system").equals(b.path("system"))).findFirst().orElseThrow();
            assertThat(b.path("correct").asBoolean()).as(b.toString()).isEqualTo(d.path("correct").asBoolean());
            if (!b.path("system").asText().equals("fusion")) {
                // the same deterministic answer, at exactly half the price
                assertThat(b.path("answer").asText()).isEqualTo(d.path("answer").asText());
                assertThat(b.get("costUsd").decimalValue().multiply(BigDecimal.valueOf(2)))
                        .isEqualByComparingTo(d.get("costUsd").decimalValue());
            } else {
                assertThat(b.get("costUsd").decimalValue()).isPositive()
                        .isLessThan(d.get("costUsd").decimalValue());
            }
        }
        // every batch ended and its state file is gone: nothing left to resume
        try (var files = Files.list(dir.resolve("batch/batches"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".batch.json"))).isEmpty();
        }
    }
}
