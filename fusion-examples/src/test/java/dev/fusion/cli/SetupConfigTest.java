package dev.fusion.cli;

import dev.fusion.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CLI's configuration: a config file (or a mode's defaults), then the flags over it, through one spec. */
class SetupConfigTest {

    static final String CONFIG = """
            providers:
              local: {kind: openai, baseUrl: "http://127.0.0.1:9/v1"}
            panel: [local:a, local:b, local:c]
            judge: local:j
            quorum: 2
            deadlineMs: 20000
            budgetUsd: 1
            allowUnpriced: true
            strategy: layered
            rounds: 3
            """;

    static final Map<String, String> ENV = Map.of("FUSION_SANDBOX_LATENCY_SCALE", "0.05");

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = FusionCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), ENV, false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static CommonOptions options(Path config) {
        CommonOptions o = new CommonOptions();
        o.config = config;
        return o;
    }

    @Test
    void theConfigIsUsedAsWritten(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("fusion.yaml"), CONFIG);
        try (Setup s = Setup.resolve(options(f), ENV)) {
            assertThat(s.mode).isEqualTo(Setup.Mode.CONFIG);
            assertThat(s.fusion.panel()).extracting(Member::id).containsExactly("local:a", "local:b", "local:c");
            assertThat(s.fusion.settings().quorum()).isEqualTo(2);
            assertThat(s.fusion.settings().deadline()).isEqualTo(Duration.ofSeconds(20));
            assertThat(s.fusion.strategy()).isEqualTo(dev.fusion.judge.Strategy.layered(3));
        }
    }

    @Test
    void flagsOverrideTheConfigAndLeaveTheRest(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("fusion.yaml"), CONFIG);
        CommonOptions o = options(f);
        o.panel = List.of("local:a", "local:b");
        o.judge = List.of("local:k", "local:j");
        o.quorum = 1;
        o.timeout = "5s";
        o.strategy = "select-best:rounds=1";
        try (Setup s = Setup.resolve(o, ENV)) {
            assertThat(s.fusion.panel()).extracting(Member::id).containsExactly("local:a", "local:b");
            assertThat(s.fusion.judges()).extracting(Member::id).containsExactly("local:k", "local:j");
            assertThat(s.fusion.settings().quorum()).isEqualTo(1);
            assertThat(s.fusion.settings().deadline()).isEqualTo(Duration.ofSeconds(5));
            assertThat(s.fusion.settings().budgetUsd()).isEqualByComparingTo("1");        // from the config
            assertThat(s.fusion.strategy()).isEqualTo(dev.fusion.judge.Strategy.selectBest(false)); // rounds: 3 dropped
            assertThat(s.description).contains("panel from --panel: [local:a, local:b]");
        }
    }

    @Test
    void flagsOverrideTheSandboxDefaultsThroughTheSamePath() {
        CommonOptions o = new CommonOptions();
        o.sandbox = true;
        o.quorum = 1;
        o.budget = new BigDecimal("0.5");
        try (Setup s = Setup.resolve(o, ENV)) {
            assertThat(s.mode).isEqualTo(Setup.Mode.SANDBOX);
            assertThat(s.fusion.settings().quorum()).isEqualTo(1);
            assertThat(s.fusion.settings().budgetUsd()).isEqualByComparingTo("0.5");
        }
    }

    @Test
    void aBadFlagValueIsNamedByItsFlag(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("fusion.yaml"), CONFIG);
        CommonOptions o = options(f);
        o.quorum = 5;
        assertThatThrownBy(() -> Setup.resolve(o, ENV)).isInstanceOf(CliException.class)
                .hasMessage("--quorum is 5 but the panel has only 3 member(s); lower quorum or add panel members");
        CommonOptions dup = options(f);
        dup.panel = List.of("local:a", "local:a");
        dup.quorum = 1;
        assertThatThrownBy(() -> Setup.resolve(dup, ENV))
                .hasMessage("--panel lists a model twice; each panel entry must be distinct");
        CommonOptions neg = options(f);
        neg.budget = new BigDecimal("-1");
        assertThatThrownBy(() -> Setup.resolve(neg, ENV)).hasMessage("--budget cannot be negative, was -1");
    }

    @Test
    void aConfigProblemNamesTheFileTheKeyAndThePlace(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("fusion.yaml"), CONFIG.replace("quorum: 2", "quorum: 0"));
        assertThatThrownBy(() -> Setup.resolve(options(f), ENV)).isInstanceOf(CliException.class)
                .hasMessage("config " + f + ": config key 'quorum' must be at least 1, was 0 (line 5, column 9)");
    }

    @Test
    void aModesDefaultThatAFlagBreaksSaysWhichFlagSetsIt() {
        CommonOptions o = new CommonOptions();
        o.sandbox = true;
        o.panel = List.of("sandbox-openai:sandbox-swift");
        // The sandbox's quorum of 2 no longer fits a panel of one.
        assertThatThrownBy(() -> Setup.resolve(o, ENV)).isInstanceOf(CliException.class)
                .hasMessageStartingWith("the sandbox panel: quorum is 2 but the panel has only 1 member(s)")
                .hasMessageEndingWith("(set it with --quorum)");
    }

    @Test
    void theCliSaysClearlyWhatIsWrongWithTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.yaml");
        Run r = cli("ask", "--config", missing.toString(), "q");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("fusion: config file " + missing + " not found");

        Run d = cli("ask", "--config", dir.toString(), "q");
        assertThat(d.code()).isEqualTo(2);
        assertThat(d.err().strip()).isEqualTo("fusion: config file " + dir + " is a directory; pass a YAML or JSON file");

        Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
        Run e = cli("ask", "--config", empty.toString(), "q");
        assertThat(e.code()).isEqualTo(2);
        assertThat(e.err().strip()).isEqualTo("fusion: config file " + empty + " is empty; it needs at least panel: and judge:");

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "panel: [a:b]\n  judge: a:j\n");
        Run y = cli("ask", "--config", bad.toString(), "q");
        assertThat(y.code()).isEqualTo(2);
        assertThat(y.err().strip()).startsWith("fusion: config " + bad + ": the config is not valid YAML: ")
                .endsWith("(line 2, column 3)").doesNotContain("\n");
    }

    @Test
    void aBadStrategyFlagIsNamedByTheFlag() {
        Run r = cli("ask", "--sandbox", "--strategy", "majority", "q");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("fusion: --strategy 'majority' is not supported; valid strategies: [synthesize");
    }
}
