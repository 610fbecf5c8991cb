package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A config file naming sandbox models runs keylessly: with {@code --sandbox}, or with {@code sandbox: true}
 * (or {@code {enabled: true}}) in the file; the sandbox's prices price every call, the file's own prices win.
 */
class SandboxConfigTest {

    private static Path config(Path dir, String name, String extra) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, """
                panel: [sandbox-openai:sandbox-swift, sandbox-gemini:sandbox-terse]
                judge: sandbox-anthropic:sandbox-judge
                quorum: 2
                retries: 0
                """ + extra);
        return f;
    }

    private static void assertKeylessAndPriced(CliTest.Run r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("mode").asText()).isEqualTo("config");
        assertThat(j.get("judged").asBoolean()).isTrue();
        assertThat(j.get("calls")).hasSize(3);
        for (JsonNode c : j.get("calls")) {
            assertThat(c.get("status").asText()).isEqualTo("ok");
            assertThat(c.get("costUsd").decimalValue()).isPositive();
        }
    }

    @Test
    void sandboxFlagWithAConfigRunsItsSandboxModels(@TempDir Path dir) throws Exception {
        Path f = config(dir, "fusion.yaml", "");
        assertKeylessAndPriced(CliTest.cli("ask", "--sandbox", "--config", f.toString(), "--json", "What is CAP?"));
        CliTest.Run plain = CliTest.cli("ask", "--sandbox", "--config", f.toString(), "What is CAP?");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(plain.err()).containsOnlyOnce("sandbox-* models and their prices are fictional");
    }

    @Test
    void sandboxTrueInTheFileRunsItsSandboxModels(@TempDir Path dir) throws Exception {
        assertKeylessAndPriced(CliTest.cli("ask", "--config", config(dir, "a.yaml", "sandbox: true\n").toString(),
                "--json", "What is CAP?"));
        assertKeylessAndPriced(CliTest.cli("ask", "--config", config(dir, "b.yaml", "sandbox: {enabled: true}\n").toString(),
                "--json", "What is CAP?"));
        Path json = dir.resolve("c.json");
        Files.writeString(json, """
                {"panel": ["sandbox-openai:sandbox-swift", "sandbox-gemini:sandbox-terse"],
                 "judge": "sandbox-anthropic:sandbox-judge", "quorum": 2, "retries": 0, "sandbox": {"enabled": true}}
                """);
        assertKeylessAndPriced(CliTest.cli("ask", "--config", json.toString(), "--json", "What is CAP?"));
    }

    @Test
    void withoutTheSandboxTheSandboxProvidersAreUnknown(@TempDir Path dir) throws Exception {
        CliTest.Run r = CliTest.cli("ask", "--config", config(dir, "d.yaml", "sandbox: false\n").toString(), "--json", "q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("sandbox-openai");
    }

    @Test
    void aBadSandboxValueNamesTheKey(@TempDir Path dir) throws Exception {
        CliTest.Run r = CliTest.cli("ask", "--config", config(dir, "e.yaml", "sandbox: {enabled: true, port: 9}\n").toString(), "q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("sandbox").contains("port");
    }
}
