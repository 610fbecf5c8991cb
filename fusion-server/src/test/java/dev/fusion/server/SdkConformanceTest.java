package dev.fusion.server;

import dev.fusion.Fusion;
import dev.fusion.RetryPolicy;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official npm clients, {@code openai} and {@code @anthropic-ai/sdk} (versions pinned in
 * src/test/node/package-lock.json), against the gateway in front of the offline sandbox: every answer and every
 * error goes through their own parsers. Skipped when node or the installed packages are missing, unless
 * {@code -Dfusion.sdk.required=true} (CI: .ci/serve.sh installs them with {@code npm ci}).
 */
class SdkConformanceTest {

    static final String KEY = "sk-fusion-sdk-test-3b8e61c04fd2a975";
    static final String LIMITED = "sk-fusion-sdk-limited-9a0c7e35d18f6b24";

    @Test
    void theOfficialClientsParseEveryAnswerAndError() throws Exception {
        Path dir = Path.of("src/test/node").toAbsolutePath();
        boolean required = Boolean.getBoolean("fusion.sdk.required");
        boolean ready = onPath("node") && Files.isDirectory(dir.resolve("node_modules/openai"))
                && Files.isDirectory(dir.resolve("node_modules/@anthropic-ai/sdk"));
        if (!ready) {
            assertThat(required).as("node and the npm packages are required here: run npm ci in " + dir).isFalse();
            Assumptions.abort("node or the npm packages are missing (npm ci in " + dir + ")");
        }
        try (FakeUpstream up = new FakeUpstream();
             SandboxGateway gw = new SandboxGateway(b -> b
                     .fusion("broken", broken())
                     .fusion("slow", slow(up))
                     .key(GatewayKey.of("sdk", GatewayKey.hash(KEY)))
                     .key(new GatewayKey("limited", GatewayKey.hash(LIMITED), Set.of(), null, null, 1, 0)))) {
            ProcessBuilder pb = new ProcessBuilder("node", "sdk-conformance.mjs", gw.server.baseUrl(), KEY, LIMITED)
                    .directory(dir.toFile()).redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            System.out.println(out);
            assertThat(out).containsPattern("(?m)^\\d+ passed, 0 failed$");
            assertThat(out).doesNotContain("FAILED");
            assertThat(p.exitValue()).isZero();
            assertThat(out).contains("ok openai 502 panel failed", "ok openai 504 panel timed out", "ok openai 429 with retry-after",
                    "ok anthropic messages.stream().finalMessage()", "ok openai responses.stream().finalResponse()",
                    "ok openai tools: chat.completions.create tool_calls, then a role tool message",
                    "ok openai tools: chat.completions.stream().finalChatCompletion() assembles the streamed call",
                    "ok openai tools: responses.create function_call, then function_call_output",
                    "ok anthropic tools: messages.create tool_use, then a tool_result",
                    "ok anthropic tools: messages.stream().finalMessage() assembles tool_use input",
                    "ok tools: streamed follow-ups with tools still offered (openai stream, anthropic stream)");
        }
    }

    /** Its panel's provider refuses connections: 502. */
    private static Fusion broken() {
        Providers p = Providers.builder().env(Map.of()).provider("nowhere", ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:9/v1")).build();
        return Fusion.builder().panel(p.model("nowhere:a"), p.model("nowhere:b")).judge(p.model("nowhere:c"))
                .retry(RetryPolicy.NONE).allowUnpriced(true).build();
    }

    /** Its panel never answers and times out: 504. */
    private static Fusion slow(FakeUpstream up) {
        Providers p = Providers.builder().env(Map.of("FAKE_KEY", "sk-upstream-secret-0123456789"))
                .provider("fake", ProviderSpec.of(ProviderKind.OPENAI, up.baseUrl(), "FAKE_KEY")).build();
        return Fusion.builder().panel(p.model("fake:hang-a"), p.model("fake:hang-b")).judge(p.model("fake:ok-judge"))
                .memberTimeout(Duration.ofMillis(500)).retry(RetryPolicy.NONE).allowUnpriced(true).build();
    }

    static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
