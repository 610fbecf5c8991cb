package dev.fusion.bench.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.cli.FusionCli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fusion tune}'s spend against {@code fusion eval} of the configuration it recommends, on the
 * shipped sandbox data set ({@code examples/tune-sample.jsonl}, 6 candidate members, 2 judges, 3
 * strategies in {@code examples/tune-candidates.yaml}), through the real CLI against the in-process
 * sandbox (real HTTP, fictional prices). Also the search's wall time apart from provider calls, cold
 * and warm (everything cached). Usage: {@code TuneSpendBench [repo root]} (default: the working directory).
 */
public final class TuneSpendBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SEARCH = Pattern.compile("search wall time apart from provider calls: ([0-9.]+) s");

    private TuneSpendBench() {
    }

    record Run(int code, String out, String err, long wallMs) {
        double searchSeconds() {
            Matcher m = SEARCH.matcher(err);
            return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        }
    }

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code = FusionCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, false);
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - t0) / 1_000_000);
        if (code != 0) {
            throw new IllegalStateException("fusion " + String.join(" ", args) + " exited " + code + "\n" + r.out + r.err);
        }
        return r;
    }

    static BigDecimal tuneSpend(JsonNode report) {
        JsonNode s = report.get("spend");
        BigDecimal t = BigDecimal.ZERO;
        for (String k : List.of("memberUsd", "judgeUsd", "graderUsd")) {
            if (s.hasNonNull(k)) {
                t = t.add(s.get(k).decimalValue());
            }
        }
        return t;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Path dir = Files.createTempDirectory("tune-bench");
        Path data = dir.resolve("tune-sample.jsonl");
        Path candidates = dir.resolve("tune-candidates.yaml");
        Files.copy(root.resolve("examples/tune-sample.jsonl"), data);
        Files.copy(root.resolve("examples/tune-candidates.yaml"), candidates);
        Path out = dir.resolve("fusion-tuned.yaml");
        Path reportFile = dir.resolve("tune-sample.tune-report.json");
        Map<String, String> env = Map.of("FUSION_SANDBOX_LATENCY_SCALE", "0");
        List<String> rows = new ArrayList<>();

        Run cold = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out", out.toString(),
                "--concurrency", "8");
        JsonNode report = JSON.readTree(reportFile.toFile());
        BigDecimal tune = tuneSpend(report);
        int points = report.get("points").size();
        Run warm = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out", out.toString(),
                "--concurrency", "8");
        BigDecimal warmSpend = tuneSpend(JSON.readTree(reportFile.toFile()));

        Run all = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out",
                dir.resolve("all.yaml").toString(), "--concurrency", "8", "--prune", "none", "--fresh");
        JsonNode exhaustive = JSON.readTree(reportFile.toFile());
        BigDecimal tuneAll = tuneSpend(exhaustive);

        Path evalDir = dir.resolve("eval");
        cli(env, "eval", data.toString(), "--config", out.toString(), "--no-singles", "--out", evalDir.toString(),
                "--concurrency", "8");
        BigDecimal eval = JSON.readTree(evalDir.resolve("summary.json").toFile()).get(0).get("costUsd").decimalValue();

        // the racing search (--prune race): cold, warm, and cold with --batch
        Path raceOut = dir.resolve("race.yaml");
        Run race = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out", raceOut.toString(),
                "--concurrency", "8", "--prune", "race", "--fresh");
        JsonNode raceReport = JSON.readTree(reportFile.toFile());
        BigDecimal raceSpend = tuneSpend(raceReport);
        Run raceWarm = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out",
                raceOut.toString(), "--concurrency", "8", "--prune", "race");
        BigDecimal raceWarmSpend = tuneSpend(JSON.readTree(reportFile.toFile()));
        Run raceBatch = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out",
                dir.resolve("race-batch.yaml").toString(), "--concurrency", "8", "--prune", "race", "--batch", "--fresh");
        BigDecimal raceBatchSpend = tuneSpend(JSON.readTree(reportFile.toFile()));
        Run boundsBatch = cli(env, "tune", data.toString(), "--candidates", candidates.toString(), "--out",
                dir.resolve("bounds-batch.yaml").toString(), "--concurrency", "8", "--batch", "--fresh");
        BigDecimal boundsBatchSpend = tuneSpend(JSON.readTree(reportFile.toFile()));
        Path raceEvalDir = dir.resolve("eval-race");
        cli(env, "eval", data.toString(), "--config", raceOut.toString(), "--no-singles", "--out", raceEvalDir.toString(),
                "--concurrency", "8");
        BigDecimal raceEval = JSON.readTree(raceEvalDir.resolve("summary.json").toFile()).get(0).get("costUsd").decimalValue();
        String raceRecommended = label(raceReport);

        String recommended = null;
        for (JsonNode p : report.get("points")) {
            if (p.get("id").asText().equals(report.path("recommendedId").asText())) {
                recommended = p.get("label").asText();
            }
        }
        System.out.println("recommended: " + recommended);
        System.out.println("| figure | value |");
        System.out.println("|---|---|");
        System.out.println("| items x candidate models | 16 x 8 (6 members + 2 judges alone) |");
        System.out.println("| configurations | " + (exhaustive.get("points").size() - 8) + " (evaluated with pruning: "
                + (points - 8) + ") |");
        System.out.println("| spend of `eval` of the recommended configuration alone (--no-singles) | $" + eval.toPlainString() + " |");
        System.out.println("| spend of `tune`, pruned (cold cache) | $" + tune.toPlainString() + " (" + ratio(tune, eval) + "x eval) |");
        System.out.println("| of which member phase | $" + report.get("spend").get("memberUsd").decimalValue().toPlainString()
                + " (" + ratio(report.get("spend").get("memberUsd").decimalValue(), eval) + "x eval) |");
        System.out.println("| spend of `tune --prune none` (cold cache) | $" + tuneAll.toPlainString() + " (" + ratio(tuneAll, eval) + "x eval) |");
        System.out.println("| spend of a second `tune` (warm cache) | $" + warmSpend.toPlainString() + " |");
        System.out.println("| search wall time apart from provider calls, cold / warm / exhaustive | "
                + cold.searchSeconds() + " / " + warm.searchSeconds() + " / " + all.searchSeconds() + " s |");
        System.out.println("| whole command wall time (sandbox latency 0), cold / warm / exhaustive | "
                + cold.wallMs() / 1000.0 + " / " + warm.wallMs() / 1000.0 + " / " + all.wallMs() / 1000.0 + " s |");
        System.out.println("same frontier with and without pruning: " + frontier(report).equals(frontier(exhaustive)));
        System.out.println();
        System.out.println("race recommended: " + raceRecommended + " (eval alone: $" + raceEval.toPlainString() + ")");
        System.out.println("| `--prune race` | value |");
        System.out.println("|---|---|");
        System.out.println("| spend of `tune --prune race` (cold cache) | $" + raceSpend.toPlainString() + " ("
                + ratio(raceSpend, eval) + "x eval of the bounds recommendation, " + ratio(raceSpend, raceEval)
                + "x eval of its own) |");
        System.out.println("| spend of `tune --prune race --batch` (cold cache) | $" + raceBatchSpend.toPlainString() + " ("
                + ratio(raceBatchSpend, eval) + "x eval; " + sends(raceBatch) + " passes that sent batches) |");
        System.out.println("| spend of `tune --batch` (bounds, cold cache) | $" + boundsBatchSpend.toPlainString() + " ("
                + ratio(boundsBatchSpend, eval) + "x eval; " + sends(boundsBatch) + " passes that sent batches) |");
        System.out.println("| spend of a second `tune --prune race` | $" + raceWarmSpend.toPlainString() + " |");
        System.out.println("| points on every item / estimates | " + count(raceReport, false) + " / " + count(raceReport, true) + " |");
        System.out.println("| search wall time apart from provider calls, race cold / warm | " + race.searchSeconds() + " / "
                + raceWarm.searchSeconds() + " s |");
        System.out.println("| whole command wall time, race cold / warm / --batch | " + race.wallMs() / 1000.0 + " / "
                + raceWarm.wallMs() / 1000.0 + " / " + raceBatch.wallMs() / 1000.0 + " s |");
        System.out.println("same recommendation as --prune bounds: " + java.util.Objects.equals(raceRecommended, recommended)
                + "; race recommendation on the bounds frontier: " + frontier(report).contains(raceRecommended));
        System.out.println(cold.out());
    }

    static String label(JsonNode report) {
        for (JsonNode p : report.get("points")) {
            if (p.get("id").asText().equals(report.path("recommendedId").asText())) {
                return p.get("label").asText();
            }
        }
        return null;
    }

    static long count(JsonNode report, boolean estimates) {
        long n = 0;
        for (JsonNode p : report.get("points")) {
            n += p.get("label").asText().contains("(estimate: ") == estimates ? 1 : 0;
        }
        return n;
    }

    /** Passes that sent anything (with --batch: rounds of batches). */
    static long sends(Run r) {
        return r.err().lines().filter(l -> l.contains("sending ")).count();
    }

    static List<String> frontier(JsonNode r) {
        List<String> out = new ArrayList<>();
        r.get("points").forEach(p -> {
            if (p.get("onFrontier").asBoolean()) {
                out.add(p.get("label").asText());
            }
        });
        java.util.Collections.sort(out);
        return out;
    }

    static String ratio(BigDecimal a, BigDecimal b) {
        return b.signum() == 0 ? "inf" : a.divide(b, 2, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}
