package dev.fusion.providers.config;

import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reading a config file or text: bounded before and while parsing, one clean line for every way it fails. */
class ConfigReadingTest {

    static final String MINIMAL = "panel: [a:b, a:c]\njudge: a:j\n";

    // ------------------------------------------------------------------ files

    @Test
    void aMissingFileSaysNotFound(@TempDir Path dir) {
        Path f = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> FusionConfig.load(f))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("config file " + f + " not found");
    }

    @Test
    void aDirectoryIsNamedAsOne(@TempDir Path dir) {
        assertThatThrownBy(() -> FusionConfig.load(dir))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("config file " + dir + " is a directory; pass a YAML or JSON file");
    }

    @Test
    void anEmptyOrBlankFileSaysWhatItNeeds(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
        Path blank = Files.writeString(dir.resolve("blank.yml"), "  \n\n");
        Path comments = Files.writeString(dir.resolve("c.yaml"), "# only a comment\n");
        for (Path f : new Path[] {empty, blank}) {
            assertThatThrownBy(() -> FusionConfig.load(f))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("config file " + f + " is empty; it needs at least panel: and judge:");
        }
        assertThatThrownBy(() -> FusionConfig.load(comments))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the config is empty; it needs at least panel: and judge:");
    }

    @Test
    void anUnreadableFileIsOneLine(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("secret.yaml"), MINIMAL);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        // root reads any file regardless of its mode; the check only means something for other users.
        assumeFalse(Files.isReadable(f), "running as root: permissions are not enforced");
        assertThatThrownBy(() -> FusionConfig.load(f))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("config file " + f + " cannot be read: permission denied");
    }

    @Test
    void aFileThatFailsWhileBeingReadIsOneLine() {
        // Reading /proc/self/mem from offset 0 fails with EIO on Linux: the I/O error path, even as root.
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(Files.exists(mem), "needs Linux /proc");
        assertThatThrownBy(() -> FusionConfig.load(mem))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("config file /proc/self/mem cannot be read: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aFileThatIsNotUtf8IsOneLine(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("latin1.yaml"), "panel: [a:caf\u00e9]\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> FusionConfig.load(f))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("config file " + f + " is not UTF-8 text");
    }

    @Test
    void aFileOverOneMebibyteIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("huge.yaml");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(100L * 1024 * 1024); // a sparse 100 MB file: reading it whole would take 100 MB of heap
        }
        assertThatThrownBy(() -> FusionConfig.load(f))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("config file " + f + " is 104857600 bytes; the limit is 1048576 bytes (1 MiB)");
    }

    @Test
    void anEndlessDeviceIsReadOnlyUpToTheLimit() {
        // /dev/zero reports size 0 and never ends: the read itself is bounded.
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "needs /dev/zero");
        assertThatThrownBy(() -> FusionConfig.load(zero))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("config file /dev/zero is larger than the limit of 1048576 bytes (1 MiB)");
    }

    @Test
    void aFileJustUnderTheLimitIsRead(@TempDir Path dir) throws Exception {
        String padding = "# " + "x".repeat(1000) + "\n";
        StringBuilder sb = new StringBuilder(MINIMAL);
        while (sb.length() + padding.length() < SpecReader.MAX_FILE_BYTES) {
            sb.append(padding);
        }
        Path f = Files.writeString(dir.resolve("big.yaml"), sb);
        assertThat(FusionConfig.load(f).panel()).containsExactly("a:b", "a:c");
    }

    // ------------------------------------------------------------------ syntax

    @Test
    void aYamlSyntaxErrorGivesItsLineAndColumn() {
        String text = MINIMAL + "quorum: 1\nprices:\n  a:b: {input: 1, output: 2\n";
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config is not valid YAML: ")
                .hasMessageMatching(".*\\(line [56], column \\d+\\)$")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> FusionConfig.parse("panel: [a:b]\n  judge: a:j\n"))
                .hasMessageStartingWith("the config is not valid YAML: ")
                .hasMessage("the config is not valid YAML: expected <block end>, but found '<block mapping start>' (line 2, column 3)");
    }

    @Test
    void aJsonSyntaxErrorGivesItsLineAndColumn() {
        assertThatThrownBy(() -> FusionConfig.parse("{\"panel\": [\"a:b\"],\n \"judge\" \"a:j\"}"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config is not valid JSON: ")
                .hasMessageContaining("(line 2, column ");
    }

    @Test
    void aSecondDocumentOrValueIsRefusedNotIgnored() {
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "---\npanel: [x:y]\njudge: x:j\n"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the config has more after its top-level mapping (line 4, column 1); write one YAML document per file");
        assertThatThrownBy(() -> FusionConfig.parse("{\"panel\": [\"a:b\"], \"judge\": \"a:j\"}\n{\"quorum\": 1}"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the config has more after its top-level mapping (line 2, column 1); write one JSON document per file");
    }

    @Test
    void theSnippetOfTheBadLineIsNeverEchoed() {
        // SnakeYAML's message quotes the offending line; a literal key written there must not reach the error.
        String text = "providers:\n  x: {kind: openai, baseUrl: \"http://h/v1\", apiKey: sk-canary-9f8e7d: oops}\n"
                + MINIMAL;
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("line 2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("canary").doesNotContain("\n"));
    }

    // ------------------------------------------------------------------ hostile forms: typed errors naming the limit

    @Test
    void aSingleHugeStringIsRefusedByTheParsersLimit() {
        String text = MINIMAL + "onJudgeFailure: \"" + "a".repeat(100_000) + "\"\n";
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the config exceeds a reading limit: a string of 100000 characters (the limit is 65536)"
                        + " (line 3, column 17)");
        String json = "{\"panel\": [\"a:b\"], \"judge\": \"" + "a".repeat(100_000) + "\"}";
        assertThatThrownBy(() -> FusionConfig.parse(json))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config exceeds a reading limit: ")
                .hasMessageContaining("65536");
    }

    @Test
    void aStringOverTheTextLimitIsRefusedBeforeParsing() {
        String text = "panel: \"" + "a".repeat(5 * 1024 * 1024) + "\"\n";
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the config is " + text.length() + " characters; the limit is 1048576");
    }

    @Test
    void aHugeKeyIsRefused() {
        // YAML: SnakeYAML refuses a plain key over 1024 characters as a syntax error; JSON: the parser's name limit.
        String text = MINIMAL + "k" + "e".repeat(100_000) + "y: 1\n";
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config is not valid YAML: ")
                .hasMessageContaining("line 3");
        String json = "{\"panel\": [\"a:b\"], \"k" + "e".repeat(100_000) + "y\": 1}";
        assertThatThrownBy(() -> FusionConfig.parse(json))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config exceeds a reading limit: ")
                .hasMessageContaining("65536");
    }

    @Test
    void aHugeNumberIsRefusedByTheParsersLimit() {
        // SnakeYAML hands a number this long over as a string; the dollar reader bounds it before converting.
        String text = MINIMAL + "budgetUsd: 0." + "1".repeat(5_000) + "\n";
        assertThatThrownBy(() -> FusionConfig.parse(text))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessage("config key 'budgetUsd' is a number of 5002 characters; the limit is 100 (line 3, column 12)");
        String quoted = MINIMAL + "budgetUsd: \"0." + "1".repeat(5_000) + "\"\n";
        assertThatThrownBy(() -> FusionConfig.parse(quoted)).isInstanceOf(ConfigKeyException.class)
                .hasMessageContaining("the limit is 100");
        String json = "{\"panel\": [\"a:b\"], \"budgetUsd\": 0." + "1".repeat(5_000) + "}";
        assertThatThrownBy(() -> FusionConfig.parse(json))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config exceeds a reading limit: ");
    }

    @Test
    void deepNestingIsRefused() {
        String yaml = MINIMAL + "strategyOptions: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n";
        assertThatThrownBy(() -> FusionConfig.parse(yaml))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config exceeds a reading limit: ");
        String json = "{\"panel\": [\"a:b\"], \"judge\": \"a:j\", \"strategyOptions\": {\"x\": "
                + "[".repeat(10_000) + "]".repeat(10_000) + "}}";
        assertThatThrownBy(() -> FusionConfig.parse(json))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the config exceeds a reading limit: ")
                .hasMessageContaining("Document nesting depth");
    }

    @Test
    void aBillionLaughsAliasBombIsRefused() {
        StringBuilder sb = new StringBuilder(MINIMAL).append("strategyOptions:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            sb.append("  l").append(i).append(": &l").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                sb.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
            }
            sb.append("]\n");
        }
        assertThatThrownBy(() -> FusionConfig.parse(sb.toString()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("YAML alias (*l0)")
                .hasMessageContaining("line 5")
                .hasMessageContaining("aliases are not supported");
    }

    @Test
    void aScalarAliasIsRefusedToo() {
        assertThatThrownBy(() -> FusionConfig.parse("panel: [&m a:b]\njudge: *m\n"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("YAML alias (*m) at line 2, column 8");
    }

    // ------------------------------------------------------------------ values a hostile or mistaken file holds

    @Test
    void aKeyWrittenTwiceIsRefusedNamingBothLinesNotSilentlyTheLastOne() {
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "budgetUsd: 0.05\nbudgetUsd: 500\n"))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessage("config key 'budgetUsd' is written twice (line 3 and line 4); keep one of them (line 4, column 1)");
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "prices: {a:b: {input: 1, output: 2, input: 3}}\n"))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessageStartingWith("config key 'prices.a:b.input' is written twice (line 3 and line 3)");
        assertThatThrownBy(() -> FusionConfig.parse("{\"panel\": [\"a:b\"], \"judge\": \"a:j\", \"quorum\": 1, \"quorum\": 1}",
                FusionConfig.Format.JSON))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessageStartingWith("config key 'quorum' is written twice");
        // the same key under two different parents, or in two list entries, is no duplicate
        assertThat(FusionConfig.parse("panel: [{model: a:b, reasoning: high}, {model: a:c, reasoning: low}]\njudge: a:j\n"
                + "prices: {a:b: {input: 1, output: 2}, a:c: {input: 1, output: 2}}\n").spec().panel()).hasSize(2);
    }

    @Test
    void notANumberAndInfinityAreNamedAsSuch() {
        for (String v : new String[] {".nan", ".inf", "-.inf", ".NaN"}) {
            assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "budgetUsd: " + v + "\n"))
                    .isInstanceOf(ConfigKeyException.class)
                    .hasMessage("config key 'budgetUsd' must be a finite number of US dollars, was '" + v + "' (line 3, column 12)");
        }
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "prices: {a:b: {input: .inf, output: 2}}\n"))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessageStartingWith("config key 'prices.a:b.input' must be a finite number of US dollars, was '.inf'");
    }

    @Test
    void moneyWithAnAbsurdExponentIsRefusedAtOnceNotExpandedLater() {
        long start = System.nanoTime();
        for (String v : new String[] {"1e999999999", "-1e999999999", "\"1E+999999999\""}) {
            assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "budgetUsd: " + v + "\n"))
                    .isInstanceOf(ConfigKeyException.class)
                    .hasMessageStartingWith("config key 'budgetUsd' must be at most 1000000000 US dollars in magnitude, was ");
            assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "spendCapUsd: " + v + "\n"))
                    .isInstanceOf(ConfigKeyException.class)
                    .hasMessageStartingWith("config key 'spendCapUsd' must be at most 1000000000 US dollars in magnitude");
            assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "prices: {a:b: {input: 1, output: " + v + "}}\n"))
                    .isInstanceOf(ConfigKeyException.class)
                    .hasMessageStartingWith("config key 'prices.a:b.output' must be at most 1000000000 US dollars in magnitude");
        }
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "budgetUsd: 1e-999999999\n"))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessageStartingWith("config key 'budgetUsd' has more than 40 decimal places, was 1e-999999999");
        // printing or adding any of these would build a billion digits; refusing them takes no time at all
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(20));
        // the bounds themselves are allowed, and trailing zeros do not count as places
        assertThat(FusionConfig.parse(MINIMAL + "budgetUsd: 1000000000\n").spec().budgetUsd()).isEqualByComparingTo("1e9");
        assertThat(FusionConfig.parse(MINIMAL + "budgetUsd: 0.0000000000000000000000000000000000000001000\n").spec().budgetUsd())
                .isEqualByComparingTo("1e-40");
    }

    @Test
    void aDurationTooLongForTheEnginesTimersIsRefusedWhenReadNotWhenAnAskStarts() {
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "deadlineMs: 99999999999999999\n"))
                .isInstanceOf(ConfigKeyException.class)
                .hasMessage("config key 'deadlineMs' must be at most 31536000000 (milliseconds, 365 days), was 99999999999999999"
                        + " (line 3, column 13)");
        assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "graceMs: 31536000001\n"))
                .isInstanceOf(ConfigKeyException.class).hasMessageContaining("'graceMs' must be at most 31536000000");
        assertThat(FusionConfig.parse(MINIMAL + "memberTimeoutMs: 31536000000\n").spec().memberTimeoutMs()).isEqualTo(31_536_000_000L);
        // in code, the same bound on the builder's durations
        assertThatThrownBy(() -> dev.fusion.FusionRequest.builder().prompt("q").deadline(java.time.Duration.ofDays(366)).build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("deadline must be at most 365 days, was PT8784H");
        assertThatThrownBy(() -> dev.fusion.FusionRequest.builder().prompt("q").memberTimeout(java.time.Duration.ofSeconds(Long.MIN_VALUE)).build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("memberTimeout must be positive, was PT-");
    }

    @Test
    void aMalformedPriceDateNamesItsOwnKeyAndLine() {
        for (String v : new String[] {"2026-13-45", "yesterday", "20261201"}) {
            assertThatThrownBy(() -> FusionConfig.parse(MINIMAL + "prices:\n  a:b: {input: 1, output: 2, asOf: " + v + "}\n"))
                    .isInstanceOf(ConfigKeyException.class)
                    .satisfies(e -> assertThat(((ConfigKeyException) e).key()).isEqualTo("prices.a:b.asOf"))
                    .hasMessageStartingWith("config key 'prices.a:b.asOf' must be a date like 2026-11-20")
                    .hasMessageContaining("(year-month-day, the day the price was read) (line 4, column 36)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("rates are"));
        }
        // a missing date is no error: the price was read "now", as the config says nothing else
        assertThat(FusionConfig.parse(MINIMAL + "prices:\n  a:b: {input: 1, output: 2}\n").spec().prices()).containsKey("a:b");
    }
}
