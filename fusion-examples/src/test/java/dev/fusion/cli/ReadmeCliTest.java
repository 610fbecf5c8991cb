package dev.fusion.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fusion.cli.CliTest.FAST;
import static dev.fusion.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command in the README's CLI table, and every judge strategy the README lists, runs on the
 * sandbox: exit 0 and no "degraded" note (every strategy takes its real path).
 */
class ReadmeCliTest {

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("fusion-core")))) {
            dir = dir.getParent();
        }
        return dir;
    }

    /** The commands of the README's CLI table, as argument lists ready to run in-process on the sandbox. */
    static List<List<String>> tableCommands(Path root, Path out) throws Exception {
        List<List<String>> commands = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `\\./fusion ([^`]+)` \\|").matcher(Files.readString(root.resolve("docs/cli.md")));
        while (m.find()) {
            String c = m.group(1).replace("\"prompt\"", "What is the CAP theorem?");
            List<String> args = new ArrayList<>();
            if (c.startsWith("sandbox")) {
                args.addAll(List.of("sandbox", "--once")); // [--port N]: runs until stopped; --once prints and exits
            } else if (c.startsWith("models")) {
                args.addAll(List.of("models", "--prices"));
            } else if (c.startsWith("eval ")) {
                args.addAll(List.of("eval", "--sandbox", "--out", out.toString(), root.resolve(c.substring(5).trim()).toString()));
            } else {
                int space = c.indexOf(' ');
                args.add(c.substring(0, space));
                args.add("--sandbox");
                args.add(c.substring(space + 1));
            }
            commands.add(args);
        }
        return commands;
    }

    @Test
    void everyCommandInTheReadmeTableRunsOnTheSandbox(@TempDir Path out) throws Exception {
        List<List<String>> commands = tableCommands(root(), out);
        assertThat(commands).extracting(c -> c.get(0)).containsExactly("ask", "preview", "eval", "sandbox", "models");
        for (List<String> args : commands) {
            CliTest.Run r = cli(FAST, args.toArray(String[]::new));
            assertThat(r.code()).as(args + "\n" + r.err()).isZero();
            assertThat(r.out() + r.err()).as(args.toString()).doesNotContain("degraded");
        }
        // The eval sample: the judge's model alone answers the questions (it used to reply "no answers to merge").
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile());
        boolean judgeAlone = false;
        for (com.fasterxml.jackson.databind.JsonNode n : summary) {
            if (n.get("system").asText().endsWith("(judge alone)")) {
                judgeAlone = true;
                assertThat(n.get("correct").asInt()).as(n.toString()).isPositive();
            }
        }
        assertThat(judgeAlone).isTrue();
    }

    @Test
    void everyReadmeStrategyRunsItsRealPathOnTheSandbox() throws Exception {
        String readme = Files.readString(root().resolve("docs/strategies.md"));
        for (String strategy : List.of("synthesize", "analyze", "select-best", "self-moa", "layered", "cascade")) {
            assertThat(readme).contains("**`" + strategy + "`**");
            List<String> args = new ArrayList<>(List.of("ask", "--sandbox", "--json", "--strategy", strategy));
            if (strategy.equals("self-moa")) {
                args.addAll(List.of("--panel", "sandbox-openai:sandbox-swift"));
            }
            args.add("What is DNS?");
            CliTest.Run r = cli(FAST, args.toArray(String[]::new));
            assertThat(r.code()).as(strategy + ": " + r.err()).isZero();
            assertThat(r.out()).as(strategy).doesNotContain("degraded");
            assertThat(r.json().get("strategy").asText()).isEqualTo(strategy);
        }
    }

    @Test
    void thePlainCostTableFitsEightyColumnsWithoutAnyLabelOnStdout() {
        CliTest.Run r = cli(FAST, "ask", "--sandbox", "--strategy", "analyze", "What is DNS?");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        int start = lines.indexOf(lines.stream().filter(l -> l.startsWith("role")).findFirst().orElseThrow());
        List<String> table = lines.subList(start, lines.size());
        assertThat(table).isNotEmpty().allSatisfy(l -> {
            assertThat(l).doesNotContain("[sandbox]");
            if (!l.startsWith("note:")) {
                assertThat(l.length()).as(l).isLessThanOrEqualTo(80);
            }
        });
    }
}
