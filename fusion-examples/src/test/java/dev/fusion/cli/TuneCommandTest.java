package dev.fusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.FusionSettings;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.providers.config.FusionSpec;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fusion tune} end to end over real HTTP against the sandbox's wire server, counting requests
 * at the server: answers are paid once (a second run sends nothing; each member is asked once per
 * item whatever the number of panels it is in), the budget is refused before any request, an
 * interrupted run resumes without paying twice, and the written fragment loads with the real config
 * loader and builds the recommended fusion.
 */
class TuneCommandTest {

    static WireServer server;

    @TempDir
    Path dir;
    Path data;
    Path candidates;
    Path config;

    static final List<String> MEMBERS = List.of("sandbox-swift", "sandbox-terse", "sandbox-contrarian", "sandbox-scholar");

    @BeforeAll
    static void start() {
        server = Sandbox.start(0, 0.0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void files() throws Exception {
        server.resetStats();
        data = dir.resolve("data.jsonl");
        Files.copy(Path.of("../examples/tune-sample.jsonl"), data);
        candidates = dir.resolve("tune.yaml");
        Files.writeString(candidates, """
                members: [sandbox-openai:sandbox-swift, sandbox-gemini:sandbox-terse, sandbox-openai:sandbox-contrarian,
                          sandbox-anthropic:sandbox-scholar]
                judges: [sandbox-openai:sandbox-judge]
                strategies: [synthesize, select-best]
                panelSizes: [2, 3]
                maxOutputTokens: 400
                """);
        config = dir.resolve("providers.yaml");
        Files.writeString(config, """
                providers:
                  sandbox-openai: {kind: openai, baseUrl: "%s"}
                  sandbox-anthropic: {kind: anthropic, baseUrl: "%s"}
                  sandbox-gemini: {kind: gemini, baseUrl: "%s"}
                panel: [sandbox-openai:sandbox-swift]
                judge: sandbox-openai:sandbox-judge
                """.formatted(server.baseUrl(WireFormat.OPENAI), server.baseUrl(WireFormat.ANTHROPIC),
                server.baseUrl(WireFormat.GEMINI)));
    }

    record Run(int code, String out, String err) {
    }

    Run tune(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("tune", data.toString(), "--candidates", candidates.toString(),
                "--config", config.toString(), "--out", dir.resolve("fusion-tuned.yaml").toString()));
        args.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = FusionCli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("FUSION_SANDBOX_LATENCY_SCALE", "0"), false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    long items() throws Exception {
        return Files.readAllLines(data).stream().filter(l -> l.startsWith("{")).count();
    }

    @Test
    void eachMemberIsAskedOncePerItemAndASecondRunSendsNothing() throws Exception {
        Run first = tune("--prune", "none");
        assertThat(first.code()).as(first.err()).isZero();
        long n = items();
        for (String m : MEMBERS) {
            // 4 members in 10 panels x 2 strategies: still one request per item each
            assertThat(server.requestCount(m)).as(m).isEqualTo(n);
        }
        assertThat(server.requestCount("sandbox-judge")).as("judge alone + judge calls").isGreaterThan(n);
        assertThat(first.out()).contains("Recommended:").contains("fictional");
        assertThat(Files.readString(dir.resolve("fusion-tuned.yaml"))).contains("SANDBOX: fictional");

        server.resetStats();
        Run second = tune("--prune", "none");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(server.requestCount()).as("every call replayed from the cache").isZero();
        assertThat(second.err()).contains("0 sent, " + (n * (MEMBERS.size() + 1)) + " from the cache");
        // the same figures both times
        JsonNode a = report();
        assertThat(a.get("recommendedId").asText()).isNotBlank();
        assertThat(a.get("sandbox").asBoolean()).isTrue();

        // the cache is one SQLite file beside the data, with costs as decimal text
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data.tune.sqlite"));
             ResultSet rs = c.createStatement().executeQuery(
                     "select kind, count(*), sum(cost_usd is null) from calls group by kind order by kind")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("JUDGE");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("MEMBER");
            assertThat(rs.getLong(2)).isEqualTo(n * (MEMBERS.size() + 1));
            assertThat(rs.getLong(3)).as("every sandbox answer is priced").isZero();
        }
    }

    @Test
    void pruningEvaluatesFewerConfigurationsAndKeepsTheFrontier() throws Exception {
        Run pruned = tune("--report", dir.resolve("tune.html").toString());
        assertThat(pruned.code()).as(pruned.err()).isZero();
        assertThat(Files.readString(dir.resolve("tune.html"))).contains("fictional");
        assertThat(Files.size(dir.resolve("tune.png"))).isPositive();
        JsonNode withPruning = report();
        Run all = tune("--prune", "none");
        assertThat(all.code()).as(all.err()).isZero();
        JsonNode exhaustive = report();
        assertThat(withPruning.get("points").size()).isLessThan(exhaustive.get("points").size());
        assertThat(frontier(withPruning)).isEqualTo(frontier(exhaustive));
        assertThat(withPruning.get("recommendedId").asText()).isEqualTo(exhaustive.get("recommendedId").asText());
    }

    @Test
    void raceFindsTheSameRecommendationForFewerRequestsAndLabelsItsEstimates() throws Exception {
        Run race = tune("--prune", "race");
        assertThat(race.code()).as(race.err()).isZero();
        long raceRequests = server.requestCount();
        JsonNode r = report();
        JsonNode rec = point(r, r.get("recommendedId").asText());
        assertThat(rec.get("label").asText()).as("the recommendation is evaluated on every item").doesNotContain("(estimate: ");
        int estimates = 0;
        for (JsonNode p : r.get("points")) {
            if (p.get("label").asText().contains("(estimate: ")) {
                estimates++;
                assertThat(p.get("onFrontier").asBoolean()).as("an estimate is never on the frontier").isFalse();
            }
        }
        assertThat(estimates).as("points left part-way are reported, labelled").isPositive();
        assertThat(race.out()).contains("left part-way (estimates");

        server.resetStats();
        Run again = tune("--prune", "race");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(server.requestCount()).as("a second race is replayed from the cache").isZero();

        server.resetStats();
        Run exact = tune("--fresh");
        assertThat(exact.code()).as(exact.err()).isZero();
        assertThat(server.requestCount()).as("the exact search pays more").isGreaterThan(raceRequests);
        JsonNode e = report();
        JsonNode exactRec = point(e, e.get("recommendedId").asText());
        assertThat(rec.get("quality").asDouble()).isEqualTo(exactRec.get("quality").asDouble());
        assertThat(rec.get("costPerItemUsd").decimalValue()).isEqualByComparingTo(exactRec.get("costPerItemUsd").decimalValue());
    }

    private static JsonNode point(JsonNode report, String id) {
        for (JsonNode p : report.get("points")) {
            if (p.get("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no point " + id);
    }

    private static List<String> frontier(JsonNode report) {
        List<String> out = new java.util.ArrayList<>();
        report.get("points").forEach(p -> {
            if (p.get("onFrontier").asBoolean()) {
                out.add(p.get("label").asText() + " " + p.get("quality").asDouble() + " " + p.get("costPerItemUsd").asText());
            }
        });
        java.util.Collections.sort(out);
        return out;
    }

    @Test
    void aBudgetBelowTheWorstCaseIsRefusedBeforeAnyRequest() {
        Run r = tune("--budget", "0.0001");
        assertThat(r.code()).isEqualTo(TuneCommand.EXIT_OVER_BUDGET);
        assertThat(r.err()).contains("exceeds --budget").contains("nothing was sent");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void anInterruptedRunResumesWithoutPayingTwice() throws Exception {
        // stops once a tiny budget is spent (after the first batch of member answers), as an interruption would
        Run cut = tune("--budget", "0.0001", "--over-budget");
        assertThat(cut.code()).as(cut.err()).isEqualTo(1);
        assertThat(cut.err()).contains("rerun to continue");
        long sentBefore = server.requestCount();
        assertThat(sentBefore).isPositive();
        Run resumed = tune();
        assertThat(resumed.code()).as(resumed.err()).isZero();
        long n = items();
        for (String m : MEMBERS) {
            assertThat(server.requestCount(m)).as(m + " over both runs").isEqualTo(n);
        }
    }

    @Test
    void theWrittenFragmentLoadsAndBuildsTheRecommendedFusion() throws Exception {
        Run r = tune();
        assertThat(r.code()).as(r.err()).isZero();
        String yaml = Files.readString(dir.resolve("fusion-tuned.yaml"));
        FusionSpec spec = FusionConfig.parse(yaml).spec();
        FusionSpec providers = FusionConfig.load(config).spec();
        Providers reg = providers.withProviders(Providers.builder().env(Map.of()).build());
        Fusion f = spec.toFusionBuilder(reg, BundledPrices.load().with(Sandbox.priceBook())).build();
        FusionSettings s = f.settings();
        JsonNode report = report();
        String label = null;
        for (JsonNode p : report.get("points")) {
            if (p.get("id").asText().equals(report.get("recommendedId").asText())) {
                label = p.get("label").asText();
            }
        }
        assertThat(label).isNotNull();
        for (var m : s.panel()) {
            assertThat(label).contains(m.id());
        }
        assertThat(label).contains(s.judges().get(0).id());
        assertThat(label).contains(s.strategy().name());
        assertThat(f.ask("What is the capital of France?").answer()).contains("Paris");
    }

    private JsonNode report() throws Exception {
        return new ObjectMapper().readTree(dir.resolve("data.tune-report.json").toFile());
    }
}
