package dev.fusion.cli;

import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fusion tune --batch} against the sandbox's batch APIs over real HTTP: every member and judge call goes
 * through a batch (counted at the server), is stored in the answer cache marked as batch-priced, each member is
 * asked once per item, and a second run sends nothing.
 */
class TuneBatchTest {

    static WireServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = Sandbox.start(0, 0.0); // batches end at once
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private int tune(Path data, Path candidates, Path config) {
        List<String> args = new ArrayList<>(List.of("tune", data.toString(), "--candidates", candidates.toString(),
                "--config", config.toString(), "--out", dir.resolve("fusion-tuned.yaml").toString(), "--batch"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = FusionCli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("FUSION_SANDBOX_LATENCY_SCALE", "0"), false);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("no batch API");
        return code;
    }

    private Path providers(WireServer server) throws Exception {
        Path config = dir.resolve("providers.yaml");
        Files.writeString(config, """
                providers:
                  sandbox-openai: {kind: openai, baseUrl: "%s"}
                  sandbox-anthropic: {kind: anthropic, baseUrl: "%s"}
                  sandbox-gemini: {kind: gemini, baseUrl: "%s"}
                panel: [sandbox-openai:sandbox-swift]
                judge: sandbox-openai:sandbox-judge
                """.formatted(server.baseUrl(WireFormat.OPENAI), server.baseUrl(WireFormat.ANTHROPIC),
                server.baseUrl(WireFormat.GEMINI)));
        return config;
    }

    /**
     * A candidate set on which pruning keeps several configurations of two strategies (panels that hold both the
     * swift and the contrarian persona reach every item, so their bounds cannot be beaten before their judge is
     * asked): evaluated in small waves and item chunks, their judge calls would leave in one batch per wave and
     * chunk (dozens); evaluated in one wave, they leave in one batch per judge pass.
     */
    @Test
    void judgeCallsOfEveryEvaluatedConfigurationShareOneBatchPerPass() throws Exception {
        Path data = dir.resolve("data.jsonl");
        Files.copy(Path.of("../examples/tune-sample.jsonl"), data);
        Path candidates = dir.resolve("tune.yaml");
        Files.writeString(candidates, """
                members: [sandbox-openai:sandbox-swift, sandbox-gemini:sandbox-swift, sandbox-openai:sandbox-contrarian,
                          sandbox-gemini:sandbox-terse]
                judges: [sandbox-openai:sandbox-judge]
                strategies: [synthesize, select-best]
                panelSizes: [2, 3]
                maxOutputTokens: 400
                """);
        long batches;
        long judgeCalls;
        try (WireServer own = Sandbox.start(0, 0.0)) { // its own counters, whatever the other test did
            tune(data, candidates, providers(own));
            batches = own.batchesSubmitted();
            judgeCalls = own.requestCount("sandbox-judge");
        }
        long items = Files.readAllLines(data).stream().filter(l -> l.startsWith("{")).count();
        // several configurations were evaluated: far more judge calls than the judge alone's one per item
        assertThat(judgeCalls).as("judge calls").isGreaterThan(4 * items);
        // 5 models answer alone in one member pass (one batch each); synthesize and select-best each need one
        // judge pass, evaluated together: at most two more batches (the judge model's), however many
        // configurations survived pruning
        assertThat(batches).as("batches submitted").isLessThanOrEqualTo(5 + 2);
    }

    @Test
    void everyCallGoesThroughABatchAtBatchPricesAndIsPaidOnce() throws Exception {
        Path data = dir.resolve("data.jsonl");
        Files.copy(Path.of("../examples/tune-sample.jsonl"), data);
        Path candidates = dir.resolve("tune.yaml");
        Files.writeString(candidates, """
                members: [sandbox-openai:sandbox-swift, sandbox-gemini:sandbox-terse, sandbox-anthropic:sandbox-scholar]
                judges: [sandbox-openai:sandbox-judge]
                strategies: [synthesize]
                panelSizes: [2]
                maxOutputTokens: 400
                """);
        Path config = dir.resolve("providers.yaml");
        Files.writeString(config, """
                providers:
                  sandbox-openai: {kind: openai, baseUrl: "%s"}
                  sandbox-anthropic: {kind: anthropic, baseUrl: "%s"}
                  sandbox-gemini: {kind: gemini, baseUrl: "%s"}
                panel: [sandbox-openai:sandbox-swift]
                judge: sandbox-openai:sandbox-judge
                """.formatted(server.baseUrl(WireFormat.OPENAI), server.baseUrl(WireFormat.ANTHROPIC),
                server.baseUrl(WireFormat.GEMINI)));
        long items = Files.readAllLines(data).stream().filter(l -> l.startsWith("{")).count();

        tune(data, candidates, config);

        assertThat(server.batchesSubmitted()).isPositive();
        // one batch per member model (one pass), then one per judge model for the whole search (synthesize: one
        // judge pass), not one per small wave of configurations
        assertThat(server.batchesSubmitted()).as("batches submitted").isEqualTo(4);
        // every request the server saw came through a batch
        assertThat(server.batchItemsSubmitted()).isEqualTo(server.requestCount());
        for (String m : List.of("sandbox-swift", "sandbox-terse", "sandbox-scholar")) {
            assertThat(server.requestCount(m)).as(m).isEqualTo(items);
        }
        int rows = 0;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + TuneCommand.cacheFile(data));
             ResultSet rs = c.createStatement().executeQuery("SELECT batch, cost_usd, status FROM calls")) {
            while (rs.next()) {
                rows++;
                assertThat(rs.getInt("batch")).isEqualTo(1);
            }
        }
        assertThat(rows).isEqualTo((int) server.batchItemsSubmitted());

        long before = server.batchItemsSubmitted();
        tune(data, candidates, config);
        assertThat(server.batchItemsSubmitted()).as("a second run sends nothing").isEqualTo(before);
    }
}
