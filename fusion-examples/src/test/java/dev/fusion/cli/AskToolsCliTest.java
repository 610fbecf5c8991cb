package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.fusion.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fusion ask --tools}: a fused tool decision from the shell on the offline sandbox, and the next step. */
class AskToolsCliTest {

    static final String TOOLS = """
            [{"type":"function","function":{"name":"calculator","description":"Evaluates arithmetic",
              "parameters":{"type":"object","properties":{"expression":{"type":"string"}},"required":["expression"]}}},
             {"type":"function","function":{"name":"get_time","description":"The current time",
              "parameters":{"type":"object","properties":{}}}}]
            """;

    @Test
    void theJsonFormPrintsTheDecidedCallsAndTheNextStepAnswersWithTheResults(@TempDir Path dir) throws Exception {
        Path tools = Files.writeString(dir.resolve("tools.json"), TOOLS);
        CliTest.Run step = cli("ask", "--sandbox", "--json", "--tools", tools.toString(), "What is 17 * 23?");
        assertThat(step.code()).as(step.err()).isZero();
        JsonNode j = step.json();
        assertThat(j.get("finishReason").asText()).isEqualTo("tool_calls");
        assertThat(j.get("decidedBy").asText()).isEqualTo("unanimous");
        JsonNode call = j.get("toolCalls").get(0);
        assertThat(call.get("name").asText()).isEqualTo("calculator");
        assertThat(call.get("arguments").get("expression").asText()).isEqualTo("17*23");
        assertThat(j.get("calls")).noneMatch(c -> c.get("role").asText().equals("judge"));

        Path previous = Files.writeString(dir.resolve("step1.json"), step.out());
        CliTest.Run next = cli("ask", "--sandbox", "--json", "--tools", tools.toString(), "--continue", previous.toString(),
                "--tool-result", call.get("id").asText() + "=391");
        assertThat(next.code()).as(next.err()).isZero();
        JsonNode n = next.json();
        assertThat(n.get("finishReason").asText()).isEqualTo("stop");
        assertThat(n.get("answer").asText()).contains("391");
        assertThat(n.get("toolCalls")).isEmpty();
    }

    @Test
    void theHumanFormPrintsTheCallsAndBadInputsAreClearErrors(@TempDir Path dir) throws Exception {
        Path tools = Files.writeString(dir.resolve("tools.json"), TOOLS);
        CliTest.Run r = cli("ask", "--sandbox", "--tools", tools.toString(), "What is 6 * 7?");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Tool calls decided (unanimous):").contains("calculator {\"expression\":\"6*7\"}");

        Path bad = Files.writeString(dir.resolve("bad.json"), "[{\"type\":\"function\",\"function\":{\"name\":\"has space\"}}]");
        CliTest.Run e = cli("ask", "--sandbox", "--tools", bad.toString(), "hi");
        assertThat(e.code()).isNotZero();
        assertThat(e.err()).contains("--tools").contains("tool #1");
        CliTest.Run orphan = cli("ask", "--sandbox", "--tools", tools.toString(), "--tool-result", "x=1", "hi");
        assertThat(orphan.code()).isNotZero();
        assertThat(orphan.err()).contains("--continue");
    }
}
