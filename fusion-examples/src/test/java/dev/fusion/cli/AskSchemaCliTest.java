package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.structured.StructuredSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.fusion.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code fusion ask --schema/--image/--reasoning} over the offline sandbox: a real vote, and clear errors for bad inputs. */
class AskSchemaCliTest {

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("examples/ticket-schema.json"))) {
            p = p.getParent();
        }
        return p;
    }

    private static String ticket() throws Exception {
        return Files.readString(root().resolve("examples/ticket-message.txt"));
    }

    @Test
    void aVoteOnTheSandboxPrintsSchemaValidJsonAndTheAgreementPerField() throws Exception {
        Path schema = root().resolve("examples/ticket-schema.json");
        CliTest.Run r = cli("ask", "--sandbox", "--json", "--schema", schema.toString(), "--strategy", "vote",
                "Extract the ticket: " + ticket());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("strategy").asText()).isEqualTo("vote");
        StructuredSchema s = StructuredSchema.parse(Files.readString(schema));
        assertThat(s.validate(j.get("answerJson"))).isEmpty();
        assertThat(j.get("agreement").size()).isPositive();
        j.get("agreement").forEach(v -> assertThat(v.asDouble()).isBetween(0.0, 1.0));
        long judgeCalls = 0;
        for (JsonNode c : j.get("calls")) {
            if (c.get("role").asText().equals("judge")) {
                judgeCalls++;
                assertThat(c.get("step").asText()).startsWith("resolve");
            }
        }
        // The sandbox personas disagree on some fields: those, and only those, go to one judge call.
        boolean disputed = false;
        for (JsonNode v : j.get("agreement")) {
            disputed |= v.asDouble() <= 0.5;
        }
        assertThat(judgeCalls).isEqualTo(disputed ? 1 : 0);
        assertThat(j.get("judged").asBoolean()).isEqualTo(disputed);
    }

    @Test
    void theHumanFormPrintsPrettyJsonAndTheAgreementBelowTheCostTable() throws Exception {
        CliTest.Run r = cli("ask", "--sandbox", "--schema", root().resolve("examples/ticket-schema.json").toString(),
                "--strategy", "vote", "Extract the ticket: " + ticket());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("\\{\\R(\\[sandbox] )?  \"customer\" : ");
        int agreement = r.out().indexOf("Agreement per field");
        assertThat(agreement).isPositive();
        assertThat(r.out().substring(agreement)).contains("/category").containsPattern("/priority +\\d+%");
    }

    /** The CLI as on a terminal (live table, the judge's text streamed), in-process. */
    private static CliTest.Run onTerminal(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = FusionCli.run(args, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8), CliTest.FAST, true);
        return new CliTest.Run(code, out.toString(java.nio.charset.StandardCharsets.UTF_8),
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void withASchemaTheAnswerIsPrintedOnceAsPrettyJsonEvenWhenTheJudgeStreams() throws Exception {
        String schema = root().resolve("examples/ticket-schema.json").toString();
        String prompt = "Extract the ticket: " + ticket();
        // synthesize: the judge's reply streams on a terminal (and with --stream when piped); vote: the settled object.
        for (String[] mode : new String[][] {{"--strategy", "synthesize"}, {"--strategy", "vote"}}) {
            CliTest.Run live = onTerminal("ask", "--sandbox", "--schema", schema, mode[0], mode[1], prompt);
            CliTest.Run piped = cli("ask", "--sandbox", "--stream", "--schema", schema, mode[0], mode[1], prompt);
            for (CliTest.Run r : List.of(live, piped)) {
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(count(r.out(), "\"customer\"")).as(mode[1] + ":\n" + r.out()).isEqualTo(1);
                assertThat(r.out()).containsPattern("\\{\\R(\\[sandbox] )?  \"customer\" : "); // pretty, not raw
            }
        }
        // Without a schema, --stream still streams the judge's text, printed once.
        CliTest.Run plain = onTerminal("ask", "--sandbox", "What is DNS?");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(count(plain.out(), "What the answers agree on")).isEqualTo(1);
    }

    @Test
    void withoutASchemaTheJsonFormIsUnchanged() throws Exception {
        CliTest.Run r = cli("ask", "--sandbox", "--json", "What is DNS?");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().has("answerJson")).isFalse();
        assertThat(r.json().has("agreement")).isFalse();
    }

    @Test
    void voteWithoutASchemaIsAClearErrorBeforeAnyCall() {
        CliTest.Run r = cli("ask", "--sandbox", "--strategy", "vote", "Classify this");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("vote strategy needs a JSON Schema").contains("--schema");
    }

    @Test
    void badInputsAreClearErrors(@TempDir Path dir) throws Exception {
        Path notJson = Files.writeString(dir.resolve("s.json"), "{not json");
        CliTest.Run r = cli("ask", "--sandbox", "--schema", notJson.toString(), "q");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--schema").contains("not a usable JSON Schema");

        Path big = dir.resolve("big.json");
        Files.write(big, new byte[StructuredSchema.MAX_SCHEMA_CHARS + 1]);
        assertThat(cli("ask", "--sandbox", "--schema", big.toString(), "q").err()).contains("larger than");
        assertThat(cli("ask", "--sandbox", "--schema", dir.resolve("missing.json").toString(), "q").err())
                .contains("no such file");

        Path txt = Files.writeString(dir.resolve("photo.png"), "not really a png");
        CliTest.Run img = cli("ask", "--sandbox", "--image", txt.toString(), "q");
        assertThat(img.code()).isEqualTo(2);
        assertThat(img.err()).contains("--image").contains("not a PNG, JPEG, GIF or WebP");

        CliTest.Run re = cli("ask", "--sandbox", "--reasoning", "extreme", "q");
        assertThat(re.code()).isEqualTo(2);
        assertThat(re.err()).contains("--reasoning 'extreme' is invalid");
        assertThat(cli("ask", "--sandbox", "--reasoning", "0", "q").code()).isEqualTo(2);
    }

    @Test
    void imagesAndReasoningReachTheAsk(@TempDir Path dir) throws Exception {
        byte[] png = java.util.Base64.getDecoder().decode(
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        Path image = Files.write(dir.resolve("pixel"), png); // no extension: the bytes say PNG
        CliTest.Run r = cli("ask", "--sandbox", "--json", "--image", image.toString(), "--image", image.toString(),
                "--reasoning", "low", "--max-tokens", "4096", "What is in the picture?");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.json().get("calls").get(0).get("status").asText()).isEqualTo("ok");
        assertThat(AskInputs.mediaType(png)).isEqualTo("image/png");
        assertThat(AskInputs.mediaType(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0})).isEqualTo("image/jpeg");
        assertThat(AskInputs.mediaType("GIF89a....".getBytes())).isEqualTo("image/gif");
        assertThat(AskInputs.mediaType("RIFF\0\0\0\0WEBPVP8 ".getBytes())).isEqualTo("image/webp");
        assertThat(AskInputs.reasoning("HIGH").effort()).isEqualTo(dev.fusion.model.Effort.HIGH);
        assertThat(AskInputs.reasoning("2048").tokens()).isEqualTo(2048);
    }
}
