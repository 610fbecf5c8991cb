package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI run in-process, against the sandbox and a scripted fault server. */
class CliTest {

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    private WireServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = FusionCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The sandbox at a twentieth of its designed latencies keeps these tests quick. */
    /**
     * Faster sandbox, and no search for a local model server: whatever answers at :11434, :1234 or :8080 on the
     * machine running the tests must not decide which panel a test gets.
     */
    static final Map<String, String> FAST = Map.of("FUSION_SANDBOX_LATENCY_SCALE", "0.05", "FUSION_LOCAL_PROBE", "off");

    static Run cli(String... args) {
        return cli(FAST, args);
    }

    @Test
    void noKeysNoConfigRunsOnTheSandboxAndSaysSo() throws Exception {
        Run r = cli("ask", "--json", "--sandbox", "What", "is", "a", "monad?");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        // the label is in the result's fields and on stderr, never inside the answer an application parses
        assertThat(j.get("answer").asText()).isNotBlank().doesNotContain("[sandbox]");
        assertThat(j.get("mode").asText()).isEqualTo("sandbox");
        assertThat(j.get("sandbox").asBoolean()).isTrue();
        assertThat(j.get("judged").asBoolean()).isTrue();
        assertThat(j.get("calls")).hasSize(5); // four sandbox personas over three wire formats, and the judge
        for (JsonNode c : j.get("calls")) {
            assertThat(c.get("status").asText()).isEqualTo("ok");
            assertThat(c.get("costUsd").decimalValue()).isPositive();
            assertThat(c.fieldNames()).toIterable().contains("model", "role", "status", "usage", "costUsd",
                    "reportedCostUsd", "latencyMs", "attempts", "error");
            assertThat(c.get("usage").fieldNames()).toIterable()
                    .containsExactly("input", "cacheRead", "cacheWrite", "output", "reasoning");
        }
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        for (JsonNode c : j.get("calls")) {
            sum = sum.add(c.get("costUsd").decimalValue());
        }
        assertThat(j.get("totalCostUsd").decimalValue()).isEqualByComparingTo(sum);
        assertThat(j.get("wallMs").asLong()).isPositive();
    }

    @Test
    void plainOutputHasTheAnswerThenTheCostTableAndSandboxLabels() {
        Run r = cli("ask", "--sandbox", "hello");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("role", "total $");
        // labels go to stderr: every stderr line is labelled, no stdout line is
        assertThat(r.err()).contains("[sandbox] SANDBOX:", "to use real providers", "[sandbox] demonstration of synthesize",
                "[sandbox] the answer and costs above come from the offline sandbox");
        r.err().lines().filter(l -> !l.isBlank()).forEach(l -> assertThat(l).startsWith("[sandbox]"));
        r.out().lines().forEach(l -> assertThat(l).doesNotContain("[sandbox]"));
    }

    /**
     * A config for the wire server. Its grace, timeout and deadline are safety nets, not under test, and
     * generous: every model here answers at once, yet on a loaded 2-core machine three calls took over
     * 5 s and timed out (quorum not met), and a straggler may need more than a 2 s grace.
     */
    private Path config(Path dir, String judgeScript) throws Exception {
        Path f = dir.resolve("fusion.yaml");
        Files.writeString(f, """
                providers:
                  local: {kind: openai, baseUrl: "%s/v1"}
                  claude: {kind: anthropic, baseUrl: "%s"}
                  gem: {kind: gemini, baseUrl: "%s"}
                panel: [local:cheap-a, claude:claude-haiku-4-5, gem:gemini-3-flash]
                judge: %s
                quorum: 2
                graceMs: 30000
                memberTimeoutMs: 30000
                deadlineMs: 60000
                maxOutputTokens: 256
                retries: 1
                prices:
                  local:cheap-a: {input: 0.27, output: 1.10}
                  claude:claude-haiku-4-5: {input: 1, output: 5}
                  gem:gemini-3-flash: {input: 0.5, output: 3}
                  local:judge-model: {input: 3, output: 15}
                """.formatted(server.baseUrl(), server.baseUrl(), server.baseUrl(), judgeScript));
        return f;
    }

    @Test
    void configAskCostsEveryCallExactlyInJson(@TempDir Path dir) throws Exception {
        server = WireServer.start(Behaviour.builder()
                .model("cheap-a", Reply.text("alpha answer").usage(dev.fusion.cost.Usage.of(1000, 200)))
                .model("claude-haiku-4-5", Reply.text("beta answer").usage(dev.fusion.cost.Usage.of(1000, 100)))
                .model("gemini-3-flash", Reply.text("gamma answer").usage(dev.fusion.cost.Usage.of(1000, 100)))
                .model("judge-model", Reply.text("the merged answer").usage(dev.fusion.cost.Usage.of(2000, 300)))
                .build());
        Run r = cli("ask", "--config", config(dir, "local:judge-model").toString(), "--json", "q?");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("answer").asText()).isEqualTo("the merged answer");
        assertThat(j.get("calls").get(0).get("model").asText()).isEqualTo("local:cheap-a");
        assertThat(j.get("calls").get(0).get("costUsd").decimalValue()).isEqualByComparingTo("0.00049"); // 270 + 220
        assertThat(j.get("calls").get(1).get("costUsd").decimalValue()).isEqualByComparingTo("0.0015");  // 1000 + 500
        assertThat(j.get("calls").get(2).get("costUsd").decimalValue()).isEqualByComparingTo("0.0008");  // 500 + 300
        assertThat(j.get("calls").get(3).get("role").asText()).isEqualTo("judge");
        assertThat(j.get("calls").get(3).get("costUsd").decimalValue()).isEqualByComparingTo("0.0105"); // 6000 + 4500
        assertThat(j.get("totalCostUsd").decimalValue()).isEqualByComparingTo("0.01329");
        assertThat(j.get("judged").asBoolean()).isTrue();
        assertThat(j.get("mode").asText()).isEqualTo("config");
    }

    @Test
    void panelFailuresAreRecordedAndTooFewAnswersExitNonZeroWithOneLine(@TempDir Path dir) throws Exception {
        server = WireServer.start(Behaviour.builder()
                .model("cheap-a", Reply.text("alpha"))
                .model("claude-haiku-4-5", Script.failing(Fault.http(401)))
                .model("gemini-3-flash", Script.failing(Fault.http(400)))
                .model("judge-model", Reply.text("merged"))
                .build());
        Run r = cli("ask", "--config", config(dir, "local:judge-model").toString(), "--json", "q?");
        assertThat(r.code()).isEqualTo(1);
        JsonNode j = r.json();
        assertThat(j.get("answer").isNull()).isTrue();
        assertThat(j.get("error").asText()).contains("quorum not met");
        assertThat(j.get("calls").get(1).get("status").asText()).isEqualTo("failed");
        assertThat(j.get("calls").get(1).get("error").asText()).contains("401");
        assertThat(r.err().lines().filter(l -> l.startsWith("fusion:")).count()).isEqualTo(1);
    }

    @Test
    void judgeFallbackAndBestAnswerOverTheWire(@TempDir Path dir) throws Exception {
        server = WireServer.start(Behaviour.builder()
                .model("cheap-a", Reply.text("alpha"))
                .model("claude-haiku-4-5", Reply.text("beta"))
                .model("gemini-3-flash", Reply.text("gamma"))
                .model("judge-model", Script.failing(Fault.http(500)))
                .model("backup-judge", Reply.text("backup merged"))
                .build());
        Run r = cli("ask", "--config", config(dir, "[local:judge-model, local:backup-judge]").toString(), "--json", "q?");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("answer").asText()).isEqualTo("backup merged");
        assertThat(j.get("calls").get(3).get("status").asText()).isEqualTo("failed");
        assertThat(j.get("calls").get(3).get("attempts").asInt()).isEqualTo(2); // retries: 1
        assertThat(j.get("calls").get(4).get("status").asText()).isEqualTo("ok");
        assertThat(j.get("calls").get(4).get("costUsd").isNull()).isTrue(); // no price for the backup judge
    }

    @Test
    void aJudgeFailingMidStreamIsDiscardedOnScreenBeforeTheFallbackJudgeStreams(@TempDir Path dir) throws Exception {
        server = WireServer.start(Behaviour.builder()
                .model("cheap-a", Reply.text("alpha"))
                .model("claude-haiku-4-5", Reply.text("beta"))
                .model("gemini-3-flash", Reply.text("gamma"))
                .model("judge-model", Reply.text("a draft of the merged answer that breaks off").withFault(Fault.midStreamError()))
                .model("backup-judge", Reply.text("backup merged"))
                .build());
        Run r = cli("ask", "--config", config(dir, "[local:judge-model, local:backup-judge]").toString(), "--stream", "q?");
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        int draft = out.indexOf("a draft");
        int discarded = out.indexOf("[partial answer discarded");
        int replacement = out.indexOf("backup merged");
        assertThat(draft).as(out).isNotNegative();
        assertThat(discarded).as(out).isGreaterThan(draft);
        assertThat(replacement).as(out).isGreaterThan(discarded);
        assertThat(out).contains("the 11 characters above from judge local:judge-model are not the answer");
    }

    @Test
    void aJudgeFailingMidStreamIsDiscardedOnScreenBeforeTheBestAnswer(@TempDir Path dir) throws Exception {
        server = WireServer.start(Behaviour.builder()
                .model("cheap-a", Reply.text("alpha"))
                .model("claude-haiku-4-5", Reply.text("alpha"))
                .model("gemini-3-flash", Reply.text("gamma"))
                .model("judge-model", Reply.text("a draft of the merged answer that breaks off").withFault(Fault.midStreamError()))
                .build());
        Path config = config(dir, "local:judge-model");
        Files.writeString(config, Files.readString(config) + "onJudgeFailure: best-answer\n");
        Run r = cli("ask", "--config", config.toString(), "--stream", "q?");
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        int draft = out.indexOf("a draft");
        int discarded = out.indexOf("[partial answer discarded");
        assertThat(draft).as(out).isNotNegative();
        assertThat(discarded).as(out).isGreaterThan(draft);
        assertThat(out.indexOf("alpha", discarded)).as(out).isPositive(); // the unjudged best answer, printed after
    }

    @Test
    void badFlagsAndBadConfigsGiveOneLineErrors(@TempDir Path dir) throws Exception {
        Run unknown = cli("ask", "--frobnicate", "q");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().strip()).isEqualTo("fusion: unknown option '--frobnicate'; see fusion ask --help");

        Run missing = cli("ask", "--config", dir.resolve("nope.yaml").toString(), "q");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().strip()).startsWith("fusion: config").doesNotContain("\n");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "panel: [x:y]\njudge: x:z\nquorum: 5\n");
        Run badQuorum = cli("ask", "--config", bad.toString(), "q");
        assertThat(badQuorum.code()).isEqualTo(2);
        assertThat(badQuorum.err()).contains("quorum").doesNotContain("Exception");

        Files.writeString(bad, "panel: [x:y]\njudge: x:z\ncolour: blue\n");
        Run unknownKey = cli("ask", "--config", bad.toString(), "q");
        assertThat(unknownKey.code()).isEqualTo(2);
        assertThat(unknownKey.err()).contains("colour");

        Run badTimeout = cli("ask", "--sandbox", "--timeout", "soon", "q");
        assertThat(badTimeout.code()).isEqualTo(2);
        assertThat(badTimeout.err()).contains("--timeout must be a duration");

        Run blank = cli("ask", "   ");
        assertThat(blank.code()).isEqualTo(2);
        assertThat(blank.err()).contains("prompt is blank");
    }

    @Test
    void flagsOverrideThePanelJudgeAndBudget() throws Exception {
        Run r = cli("ask", "--sandbox", "--json", "--quorum", "1", "--budget", "0.000001", "q");
        // The sandbox judge's worst case does not fit a millionth of a dollar: a typed failure, before any call.
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.json().get("error").asText()).contains("judge's worst case");
    }

    @Test
    void missingKeyNamesTheVariable() {
        Run r = cli(Map.of(), "ask", "--panel", "openai:gpt-6-luna", "--judge", "openai:gpt-6-luna", "q");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("OPENAI_API_KEY");
    }

    @Test
    void previewEstimatesBeforeSpending() {
        Run r = cli("preview", "--sandbox", "Explain", "quicksort");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("worst case", "typical", "judge", "alone", "total");
        assertThat(r.out()).containsPattern("\\$0\\.\\d{6}");
    }

    @Test
    void previewGivesTheAsksBudgetVerdictAndExitCode() {
        Run ask = cli("ask", "--sandbox", "--quorum", "1", "--budget", "0.000001", "q");
        Run preview = cli("preview", "--sandbox", "--quorum", "1", "--budget", "0.000001", "q");
        assertThat(ask.code()).isEqualTo(1);
        assertThat(preview.code()).as(preview.err()).isEqualTo(ask.code());
        String verdict = ask.err().lines().filter(l -> l.startsWith("fusion:")).findFirst().orElseThrow();
        assertThat(verdict).contains("judge's worst case");
        assertThat(preview.err().lines()).contains(verdict);

        Run roomy = cli("preview", "--sandbox", "--budget", "5", "q");
        assertThat(roomy.code()).as(roomy.err()).isZero();
        assertThat(roomy.out()).contains("limit $5", "the ask reserves", "every member fits");
    }

    @Test
    void sandboxCommandPrintsEndpoints() {
        Run r = cli("sandbox", "--once");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("/v1/chat/completions", "/v1/messages", ":generateContent");
    }

    @Test
    void modelsListsPresetsAndWhetherKeysAreSet() {
        // A terminal wide enough for the whole table: the openrouter row says its key is set.
        Run r = cli(Map.of("OPENROUTER_API_KEY", "sk-or-canary-123", "COLUMNS", "200"), "models");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("openrouter", "OPENROUTER_API_KEY", "yes").doesNotContain("sk-or-canary-123");
        assertThat(r.out().lines().filter(l -> l.contains("OPENROUTER_API_KEY")))
                .singleElement().satisfies(l -> assertThat(l.strip()).startsWith("openrouter").endsWith("yes"));
        // At the default width (80) the presets table stays whole (its key columns matter more than the width),
        // and the key itself still never shows.
        Run narrow = cli(Map.of("OPENROUTER_API_KEY", "sk-or-canary-123"), "models");
        assertThat(narrow.code()).isZero();
        assertThat(narrow.out()).doesNotContain("sk-or-canary-123");
        assertThat(narrow.out().lines().filter(l -> l.contains("OPENROUTER_API_KEY")))
                .singleElement().satisfies(l -> assertThat(l.strip()).startsWith("openrouter").endsWith("yes"));
    }

    @Test
    void aBudgetWithAnAbsurdExponentIsBadUsageAtOnce() {
        // 1e999999999 once spent seconds of CPU building a billion-digit number, then failed as "unexpected"
        long start = System.nanoTime();
        Run huge = cli("ask", "--sandbox", "--budget=1e999999999", "q");
        assertThat(huge.code()).isEqualTo(2);
        assertThat(huge.err()).contains("'1e999999999' is more than 1000000000 US dollars");
        Run tiny = cli("preview", "--sandbox", "--budget=1e-999999999", "q");
        assertThat(tiny.code()).isEqualTo(2);
        assertThat(tiny.err()).contains("has more than 40 decimal places");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(20));
        assertThat(cli("preview", "--sandbox", "--budget=1000000000", "q").code()).isZero();
    }

    @Test
    void canaryKeyNeverAppearsInJsonOrErrors(@TempDir Path dir) throws Exception {
        String canary = "sk-canary-7f3a9c1e5b2d";
        server = WireServer.start(Behaviour.builder()
                .model("cheap-a", Reply.text("alpha"))
                .model("claude-haiku-4-5", Script.failing(Fault.http(401)))
                .model("gemini-3-flash", Reply.text("gamma"))
                .model("judge-model", Reply.text("merged"))
                .build());
        Path f = dir.resolve("k.yaml");
        Files.writeString(f, """
                providers:
                  local: {kind: openai, baseUrl: "%1$s/v1", apiKeyEnv: CANARY_KEY}
                  claude: {kind: anthropic, baseUrl: "%1$s", apiKeyEnv: CANARY_KEY}
                  gem: {kind: gemini, baseUrl: "%1$s", apiKeyEnv: CANARY_KEY}
                panel: [local:cheap-a, claude:claude-haiku-4-5, gem:gemini-3-flash]
                judge: local:judge-model
                """.formatted(server.baseUrl()));
        Map<String, String> env = Map.of("CANARY_KEY", canary);
        Run ok = cli(env, "ask", "--config", f.toString(), "--json", "q");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.json().get("calls").get(1).get("status").asText()).isEqualTo("failed");
        Run plain = cli(env, "ask", "--config", f.toString(), "q");
        Files.writeString(f, Files.readString(f).replace("quorum", "") + "quorum: 3\n");
        Run failed = cli(env, "ask", "--config", f.toString(), "--json", "q");
        assertThat(failed.code()).isEqualTo(1);
        for (Run r : List.of(ok, plain, failed)) {
            assertThat(r.out() + r.err()).doesNotContain(canary).doesNotContain("7f3a9c1e5b2d");
        }
        // The key pasted where its variable's name or the base URL belongs: a config error (exit 2) that
        // names the field and the fix, with no run of 8 characters of the key anywhere.
        String pasted = "sk-pasted-4Qm8Zr2Lx7Vn3Kd9Tb6W";
        Files.writeString(f, """
                providers:
                  local: {kind: openai, baseUrl: "%1$s/v1", apiKeyEnv: %2$s}
                panel: [local:cheap-a]
                judge: local:judge-model
                """.formatted(server.baseUrl(), pasted));
        Run asVariable = cli(env, "ask", "--config", f.toString(), "--json", "q");
        assertThat(asVariable.code()).isEqualTo(2);
        assertThat(asVariable.err()).contains("needs an API key").contains("never the key itself");
        Files.writeString(f, """
                providers:
                  local: {kind: openai, baseUrl: %1$s, apiKeyEnv: CANARY_KEY}
                panel: [local:cheap-a]
                judge: local:judge-model
                """.formatted(pasted));
        Run asUrl = cli(env, "ask", "--config", f.toString(), "q");
        assertThat(asUrl.code()).isEqualTo(2);
        assertThat(asUrl.err()).contains("baseUrl is not an http(s) URL");
        for (Run r : List.of(asVariable, asUrl)) {
            for (int i = 0; i + 8 <= pasted.length(); i++) {
                assertThat(r.out() + r.err()).as("run %d of the key", i).doesNotContain(pasted.substring(i, i + 8));
            }
        }
    }

    @Test
    void strategyFlagIsAppliedAndItsOutputsAreInTheJson() throws Exception {
        Run layered = cli("ask", "--sandbox", "--json", "--strategy", "layered:rounds=2", "q");
        assertThat(layered.code()).as(layered.err()).isZero();
        JsonNode j = layered.json();
        assertThat(j.get("strategy").asText()).isEqualTo("layered");
        assertThat(j.get("rounds")).hasSize(2);
        assertThat(j.get("calls").get(0).get("round").asInt()).isEqualTo(1);

        Run cascade = cli("ask", "--sandbox", "--json", "--strategy", "cascade", "q");
        assertThat(cascade.code()).as(cascade.err()).isZero();
        JsonNode c = cascade.json();
        assertThat(c.get("strategy").asText()).isEqualTo("cascade");
        assertThat(c.get("cascade").get("path").asText()).isIn("agreed", "judged", "escalated");
        assertThat(c.has("estimatedSavingUsd")).isTrue();

        Run bad = cli("ask", "--sandbox", "--strategy", "majority", "q");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("majority");
    }

    @Test
    void streamPrintsTheJudgesTextOnStdoutWhenPiped() {
        Run streamed = cli("ask", "--sandbox", "--stream", "What is DNS?");
        Run plain = cli("ask", "--sandbox", "What is DNS?");
        assertThat(streamed.code()).as(streamed.err()).isZero();
        assertThat(streamed.out()).contains("Domain Name System", "total $").doesNotContain("[sandbox]");
        assertThat(streamed.err()).doesNotContain("Domain Name System");
        // The answer is printed once, not streamed and then repeated.
        assertThat(streamed.out().split("What the answers agree on", -1)).hasSize(2);
        assertThat(plain.out().split("What the answers agree on", -1)).hasSize(2);
    }

    @Test
    void aLocalModelServerOnLoopbackBecomesARealLocalPanel() throws Exception {
        // Stands in for Ollama: an OpenAI-compatible server listing two models, on a free port that
        // OLLAMA_HOST names (as a user with Ollama on another port would): the fixed port 11434 could be
        // taken on the machine running the tests, and a server held there is seen by every other build's CLI.
        server = WireServer.start(Behaviour.builder()
                .model("llama3.2", Reply.text("local llama answer"))
                .model("qwen2.5", Reply.text("local qwen answer")).build());
        Map<String, String> env = new java.util.HashMap<>(FAST);
        env.remove("FUSION_LOCAL_PROBE"); // the one test that looks (Ollama, the first place looked at, answers)
        env.put("OLLAMA_HOST", "127.0.0.1:" + server.port());
        Run r = cli(env, "ask", "--json", "q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("mode").asText()).isEqualTo("local");
        assertThat(j.get("calls").get(0).get("model").asText()).startsWith("ollama:");
        assertThat(j.get("calls").get(0).get("costUsd").decimalValue()).isZero(); // self-hosted: priced at zero, not unpriced
        Run plain = cli(env, "ask", "q");
        assertThat(plain.err()).contains("local model server at http://127.0.0.1:" + server.port() + "/v1 (Ollama)");
    }

    @Test
    void ollamaIsLookedForAtItsDefaultPortOrWhereOllamaHostSays() {
        assertThat(Setup.Local.ollamaBaseUrl(Map.of())).isEqualTo("http://127.0.0.1:11434/v1");
        assertThat(Setup.Local.ollamaBaseUrl(Map.of("OLLAMA_HOST", " "))).isEqualTo("http://127.0.0.1:11434/v1");
        assertThat(Setup.Local.ollamaBaseUrl(Map.of("OLLAMA_HOST", "127.0.0.1:11500"))).isEqualTo("http://127.0.0.1:11500/v1");
        assertThat(Setup.Local.ollamaBaseUrl(Map.of("OLLAMA_HOST", ":11500"))).isEqualTo("http://127.0.0.1:11500/v1");
        assertThat(Setup.Local.ollamaBaseUrl(Map.of("OLLAMA_HOST", "0.0.0.0"))).isEqualTo("http://127.0.0.1:11434/v1");
        assertThat(Setup.Local.ollamaBaseUrl(Map.of("OLLAMA_HOST", "https://gpu-box:443"))).isEqualTo("https://gpu-box:443/v1");
        assertThat(Setup.Local.ollamaBaseUrl(Map.of("OLLAMA_HOST", "localhost"))).isEqualTo("http://localhost:11434/v1");
    }

    @Test
    void aBadOllamaHostIsOneLineNamingTheVariable() {
        for (String bad : new String[] {"ftp://127.0.0.1:21", "127.0.0.1:11434/api", "http://a b", "x".repeat(300)}) {
            Map<String, String> env = new java.util.HashMap<>(FAST);
            env.remove("FUSION_LOCAL_PROBE"); // checked before anything is looked for: no request is made
            env.put("OLLAMA_HOST", bad);
            Run r = cli(env, "ask", "q");
            assertThat(r.code()).as(bad).isNotZero();
            assertThat(r.err()).as(bad).contains("OLLAMA_HOST").contains("OLLAMA_HOST=127.0.0.1:11434");
        }
    }
}
