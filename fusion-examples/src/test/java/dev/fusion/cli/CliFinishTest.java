package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.fusion.cli.CliTest.FAST;
import static dev.fusion.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI on the sandbox as a user meets it: stdout is the answer (JSON stays JSON, no label in it), each
 * strategy's behaviour shows on the default panel and is announced as a demonstration on stderr, errors speak
 * in flags and config keys, and tables and help fit the terminal without cutting words or ids.
 */
class CliFinishTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SCHEMA = "../examples/ticket-schema.json";

    static String message() throws Exception {
        return Files.readString(Path.of("../examples/ticket-message.txt"));
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>(FAST);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void askWithASchemaAndJsonPrintsOneJsonObjectWhoseAnswerCarriesNoLabel() throws Exception {
        CliTest.Run r = cli("ask", "--sandbox", "--schema", SCHEMA, "--json", message());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());               // the whole stdout is one JSON object
        assertThat(j.get("answer").asText()).doesNotContain("[sandbox]");
        JsonNode answer = JSON.readTree(j.get("answer").asText());
        assertThat(answer).isEqualTo(j.get("answerJson"));
        assertThat(answer.get("sentiment").asText()).isEqualTo("negative");
        assertThat(answer.get("items").get(1).get("sku").asText()).isEqualTo("MS-7");
        assertThat(j.get("sandbox").asBoolean()).isTrue();
    }

    @Test
    void voteOnTheShippedTicketPrintsPlainJsonOnStdoutAndShowsMajoritiesAndAJudgedDispute() throws Exception {
        CliTest.Run r = cli("ask", "--sandbox", "--schema", SCHEMA, "--strategy", "vote", message());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("[sandbox]");
        // the answer block (up to the first blank line) is the pretty JSON, parseable as it is
        String block = r.out().substring(0, r.out().indexOf("\n\n"));
        JsonNode answer = JSON.readTree(block);
        assertThat(answer.get("sentiment").asText()).isEqualTo("negative");
        assertThat(answer.get("category").asText()).isEqualTo("delivery");
        assertThat(r.out()).containsPattern("/sentiment\\s+75%").containsPattern("/category\\s+100%")
                .containsPattern("/priority\\s+50%");
        assertThat(r.out()).contains("judge");   // the disputed priority went to the judge
        assertThat(r.err()).contains("[sandbox] demonstration of vote:");

        CliTest.Run j = cli("ask", "--sandbox", "--schema", SCHEMA, "--strategy", "vote", "--json", message());
        JsonNode result = j.json();
        assertThat(result.get("agreement").get("/sentiment").asDouble()).isEqualTo(0.75);
        assertThat(result.get("agreement").get("/priority").asDouble()).as("disputed 2 of 4: the judge chose").isEqualTo(0.5);
        assertThat(result.get("calls").findValuesAsText("role")).contains("judge");
    }

    @Test
    void cascadeSkipsTheJudgeOnAShortAnswerQuestionAndJudgesAnOpenOne() throws Exception {
        CliTest.Run agreed = cli("ask", "--sandbox", "--strategy", "cascade", "--json",
                "What is the capital of France? Answer with the city name.");
        assertThat(agreed.code()).as(agreed.err()).isZero();
        JsonNode a = agreed.json();
        assertThat(a.get("answer").asText()).startsWith("Paris");
        assertThat(a.get("judged").asBoolean()).isFalse();
        assertThat(a.get("calls").findValuesAsText("role")).doesNotContain("judge").hasSize(4);

        CliTest.Run open = cli("ask", "--sandbox", "--strategy", "cascade", "--json", "What is the CAP theorem?");
        assertThat(open.json().get("judged").asBoolean()).isTrue();

        CliTest.Run plain = cli("ask", "--sandbox", "--strategy", "cascade", "What is the capital of France? Answer with the city name.");
        assertThat(plain.err()).contains("[sandbox] demonstration of cascade:");
        assertThat(plain.out()).contains("judge was skipped");
    }

    @Test
    void errorsSpeakInFlagsAndConfigKeys() {
        CliTest.Run frob = cli("frob");
        assertThat(frob.code()).isEqualTo(2);
        assertThat(frob.err().strip()).isEqualTo("fusion: unknown command or argument 'frob'; see fusion --help");

        CliTest.Run noJudge = cli("ask", "--panel", "openai:gpt-6-luna", "q");
        assertThat(noJudge.code()).isEqualTo(2);
        assertThat(noJudge.err()).contains("--judge MODEL").doesNotContain("setup's");

        CliTest.Run rounds = cli("ask", "--sandbox", "--strategy", "layered:rounds=0", "q");
        assertThat(rounds.code()).isEqualTo(2);
        assertThat(rounds.err()).startsWith("fusion: --strategy layered").doesNotContain("strategy strategy");

        CliTest.Run vote = cli("ask", "--sandbox", "--strategy", "vote", "q");
        assertThat(vote.err()).contains("--schema FILE").doesNotContain("FusionRequest", "builder()");

        CliTest.Run budget = cli("ask", "--sandbox", "--budget", "0.0000001", "q");
        assertThat(budget.code()).isEqualTo(1);
        assertThat(budget.err()).contains("raise the budget with --budget USD");
    }

    @Test
    void aPanelOverrideReplacesTheDefaultPanelInWhatIsPrinted() {
        CliTest.Run r = cli("ask", "--sandbox", "--quorum", "2", "--panel",
                "sandbox-openai:sandbox-swift,sandbox-gemini:sandbox-terse", "What is DNS?");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("panel from --panel: [sandbox-openai:sandbox-swift, sandbox-gemini:sandbox-terse]")
                .doesNotContain("sandbox-anthropic:sandbox-scholar");
    }

    @Test
    void helpFitsTheTerminalWithoutBreakingWords() {
        for (String cols : List.of("80", "100")) {
            CliTest.Run r = cli(env("COLUMNS", cols), "ask", "--help");
            assertThat(r.out().lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(Integer.parseInt(cols)));
            assertThat(r.out()).doesNotContainPattern("(?m)\\be\\.$").doesNotContainPattern("(?m)^\\s+g\\.");
        }
        CliTest.Run eval = cli("eval", "--help");
        assertThat(eval.out()).contains("--schema=FILE");
        assertThat(eval.out().replaceAll("\\s+", " ")).contains("vote (needs --schema)");
    }

    @Test
    void theSandboxServerSaysHowToStopItOnce() {
        CliTest.Run r = cli("sandbox", "--once");
        assertThat(r.code()).isZero();
        assertThat(r.out().split("Ctrl", -1).length - 1).isLessThanOrEqualTo(1);
        assertThat(r.out()).doesNotContain("Ctrl-C");
    }

    @Test
    void modelsPricesShowsTheDateFlagsStalePricesAndFitsColumns() {
        Clock day = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
        for (int width : List.of(60, 120)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = FusionCli.run(new String[] {"models", "--prices"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), env("COLUMNS", Integer.toString(width)), false, day);
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
            // the price list (after the presets table) fits the width
            String prices = text.substring(text.indexOf("bundled price book"));
            assertThat(prices.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(width));
            assertThat(text).contains("read on", "STALE", "secondary source", "read on a copy of the vendor page");
            // gpt-5.5 was read 2026-06-30: 160 days before the fixed day
            assertThat(text).containsPattern("2026-06-30\\s+160d STALE");
            assertThat(text).containsPattern("price\\(s\\) read more than 90 days ago are STALE");
        }
        // a day on which nothing of that date is stale yet
        Clock early = Clock.fixed(Instant.parse("2026-07-01T10:00:00Z"), ZoneOffset.UTC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FusionCli.run(new String[] {"models", "--prices"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), env("COLUMNS", "160"), false, early);
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("2026-06-30\\s+1d\\s");
    }

    @Test
    void evalTakesASchemaSoVoteCanRun(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("tickets.jsonl");
        Files.writeString(data, "{\"id\": \"t1\", \"question\": " + JSON.writeValueAsString(message())
                + ", \"reference\": \"\\\"sentiment\\\"\\\\s*:\\\\s*\\\"negative\\\"\", \"grading\": \"regex\"}\n");
        CliTest.Run noSchema = cli("eval", "--sandbox", "--strategy", "vote", "--out", dir.resolve("a").toString(), data.toString());
        assertThat(noSchema.code()).isEqualTo(2);
        assertThat(noSchema.err()).contains("--schema FILE");

        CliTest.Run r = cli("eval", "--sandbox", "--strategy", "vote", "--schema", SCHEMA, "--no-singles",
                "--out", dir.resolve("b").toString(), data.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("fusion\\s+100\\.0%\\s+1/1").doesNotContain("[sandbox]");
    }
}
