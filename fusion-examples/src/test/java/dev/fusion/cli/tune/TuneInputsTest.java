package dev.fusion.cli.tune;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The candidates file and the data file: what they accept, and clear refusals of what they do not. */
class TuneInputsTest {

    @Test
    void theShippedSampleFilesLoad() throws Exception {
        TuneCandidates c = TuneCandidates.load(Path.of("../examples/tune-candidates.yaml"));
        assertThat(c.members()).hasSize(6);
        assertThat(c.judges()).hasSize(2);
        assertThat(c.strategies()).extracting(TuneCandidates.StrategyChoice::name)
                .containsExactly("synthesize", "select-best", "analyze");
        assertThat(c.panelSizes()).containsExactly(2, 3);
        List<TuneItem> items = TuneItem.read(Path.of("../examples/tune-sample.jsonl"));
        assertThat(items).hasSize(16);
        assertThat(items).filteredOn(i -> i.grader() != null).extracting(i -> i.grader().type())
                .contains(Grader.Type.NUMERIC, Grader.Type.REGEX);
    }

    @Test
    void unknownKeysAndBadValuesAreRefusedNamingTheFix() {
        assertThatThrownBy(() -> TuneCandidates.parse("members: [a:b]\njudges: [c:d]\njudge: [e:f]\n", "t.yaml"))
                .hasMessageContaining("t.yaml: unknown key 'judge'").hasMessageContaining("judges");
        assertThatThrownBy(() -> TuneCandidates.parse("judges: [c:d]\n", "t.yaml")).hasMessageContaining("'members' is missing");
        assertThatThrownBy(() -> TuneCandidates.parse("members: [a:b, a:b]\njudges: [c:d]\n", "t.yaml"))
                .hasMessageContaining("lists a:b twice");
        assertThatThrownBy(() -> TuneCandidates.parse("members: [a:b]\njudges: [c:d]\npanelSizes: [5]\n", "t.yaml"))
                .hasMessageContaining("panelSizes");
        assertThatThrownBy(() -> TuneCandidates.parse("members: [a:b]\njudges: [c:d]\nstrategies: [nonesuch]\n", "t.yaml"))
                .hasMessageContaining("strategy nonesuch");
        assertThatThrownBy(() -> TuneCandidates.parse("members: [a:b]\njudges: [c:d]\nmaxOutputTokens: -1\n", "t.yaml"))
                .hasMessageContaining("maxOutputTokens");
    }

    @Test
    void strategyOptionsAreReadAsInAConfigFile() {
        TuneCandidates c = TuneCandidates.parse("members: [a:b, c:d]\njudges: [e:f]\n"
                + "strategies: [synthesize, {name: layered, rounds: 2}]\n", "t.yaml");
        assertThat(c.strategies().get(1).label()).isEqualTo("layered(rounds=2)");
        assertThat(c.strategies().get(1).strategy().name()).isEqualTo("layered");
        assertThat(c.panelSizes()).containsExactly(2);
    }

    @Test
    void anOversizedCandidatesFileIsRefusedBeforeParsing(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "# " + "x".repeat((int) TuneCandidates.MAX_BYTES));
        assertThatThrownBy(() -> TuneCandidates.load(big)).hasMessageContaining("over 256 KiB");
    }

    @Test
    void dataItemsTakeTheirOwnGraderOrAGraderTypeInGrading(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, """
                {"id": "a", "question": "q", "reference": "42", "grading": "numeric"}
                {"id": "b", "question": "q", "reference": "x", "grader": {"type": "exact"}}
                {"id": "c", "question": "q", "reference": "x"}
                """);
        List<TuneItem> items = TuneItem.read(data);
        assertThat(items.get(0).grader().type()).isEqualTo(Grader.Type.NUMERIC);
        assertThat(items.get(1).grader().type()).isEqualTo(Grader.Type.EXACT);
        assertThat(items.get(2).effectiveGrader(null).type()).isEqualTo(Grader.Type.CONTAINS);
        Files.writeString(data, "{\"id\": \"a\", \"question\": \"q\", \"reference\": \"forty\", \"grading\": \"numeric\"}\n");
        assertThatThrownBy(() -> TuneItem.read(data)).hasMessageContaining("line 1").hasMessageContaining("number");
        Files.writeString(data, "{\"id\": \"a\", \"question\": \"q\", \"reference\": \"x\", \"grader\": {\"type\": \"exact\", \"bogus\": 1}}\n");
        assertThatThrownBy(() -> TuneItem.read(data)).hasMessageContaining("unknown grader key 'bogus'");
    }
}
