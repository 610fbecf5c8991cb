package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.fusion.cli.CliTest.FAST;
import static dev.fusion.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

/** What a new user meets first on the CLI: preview without keys, printed names accepted, clean errors in CLI terms. */
class FirstContactCliTest {

    @Test
    void previewNeedsNoKeysBecauseItSendsNothing() {
        CliTest.Run r = cli(Map.of(), "preview", "--panel", "openai:gpt-6-luna,gemini:gemini-3.5-flash",
                "--judge", "anthropic:claude-opus-4-8", "Explain", "quicksort");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("openai:gpt-6-luna", "anthropic:claude-opus-4-8", "worst case")
                .doesNotContain("unpriced").doesNotContain(PreviewKeys.PLACEHOLDER);
        assertThat(r.err()).doesNotContain("API key");
    }

    @Test
    void previewLeavesASetKeyAloneAndNeverPrintsIt() {
        String canary = "sk-canary-preview-4d1e";
        CliTest.Run r = cli(Map.of("OPENAI_API_KEY", canary), "preview", "q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out() + r.err()).doesNotContain(canary).doesNotContain("4d1e");
        assertThat(PreviewKeys.env(Map.of("OPENAI_API_KEY", canary), null)).containsEntry("OPENAI_API_KEY", canary)
                .containsEntry("ANTHROPIC_API_KEY", PreviewKeys.PLACEHOLDER);
    }

    @Test
    void sandboxNamesTheCliPrintsWorkWithoutTheSandboxFlag() throws Exception {
        CliTest.Run r = cli(FAST, "ask", "--json", "--panel", "sandbox-openai:sandbox-swift,sandbox-gemini:sandbox-terse",
                "--judge", "sandbox-openai:sandbox-judge", "What", "is", "DNS?");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("judged").asBoolean()).isTrue();
        assertThat(j.get("calls")).hasSize(3);
        assertThat(j.get("calls").get(2).get("model").asText()).isEqualTo("sandbox-openai:sandbox-judge");
        assertThat(j.get("totalCostUsd").decimalValue()).isPositive();
    }

    @Test
    void everyBadFlagValueGivesOneCleanLineAndExit2() {
        for (List<String> args : List.of(
                List.of("ask", "--sandbox", "--budget", "abc", "q"),
                List.of("ask", "--sandbox", "--budget", "-1", "q"),
                List.of("ask", "--sandbox", "--quorum", "two", "q"),
                List.of("ask", "--sandbox", "--max-tokens", "lots", "q"),
                List.of("preview", "--sandbox", "--budget", "1e", "q"),
                List.of("eval", "--sandbox", "--concurrency", "x", "examples/eval-sample.jsonl"),
                List.of("eval", "--sandbox", "--max-spend", "$1", "examples/eval-sample.jsonl"),
                List.of("sandbox", "--port", "http"))) {
            CliTest.Run r = cli(FAST, args.toArray(String[]::new));
            assertThat(r.code()).as(args + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(args.toString()).startsWith("fusion: ").doesNotContain("\n")
                    .doesNotContain("Exception").doesNotContain("java.");
        }
        assertThat(cli(FAST, "ask", "--budget", "abc", "q").err()).contains("--budget", "'abc'", "0.05");
    }

    @Test
    void hintsSpeakCliNotJava() {
        CliTest.Run moa = cli(FAST, "ask", "--sandbox", "--strategy", "self-moa", "q");
        assertThat(moa.code()).isEqualTo(2);
        assertThat(moa.err()).contains("--panel", "--strategy self-moa:samples=").doesNotContain("selfMoa(");

        CliTest.Run unknown = cli(Map.of(), "ask", "--panel", "lab:llama", "--judge", "lab:llama", "q");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown provider 'lab'", "providers:", "--config")
                .doesNotContain("Providers.builder");

        CliTest.Run unpriced = cli(Map.of(), "ask", "--panel", "ollama:llama3,ollama:qwen3", "--judge", "ollama:llama3",
                "--budget", "0.05", "q");
        assertThat(unpriced.code()).as(unpriced.err()).isIn(1, 2);
        assertThat(unpriced.err()).contains("prices:", "--config", "allowUnpriced: true")
                .doesNotContain("Price.of(").doesNotContain("allowUnpriced(true)");
    }
}
