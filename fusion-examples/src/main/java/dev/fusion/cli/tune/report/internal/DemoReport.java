package dev.fusion.cli.tune.report.internal;

import dev.fusion.cli.tune.report.ChartPng;
import dev.fusion.cli.tune.report.HtmlReport;
import dev.fusion.cli.tune.report.TuneReport;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A realistic sandbox report (5 single models, 11 fusions, 20 items, one configuration without a price) to
 * look at the page and the PNG without running a search:
 * {@code java -cp fusion-examples/target/fusion-cli.jar dev.fusion.cli.tune.report.internal.DemoReport out/}.
 * Every figure is computed from deterministic per-item scores (mean, 95% CI, frontier, recommendation), so the
 * page is internally consistent. Stateless.
 */
public final class DemoReport {

    private DemoReport() {
    }

    /** Writes {@code tune-demo.html} and {@code tune-demo.png} into the directory given (default: current). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        TuneReport r = sample();
        HtmlReport.write(r, dir.resolve("tune-demo.html"));
        ChartPng.write(r, dir.resolve("tune-demo.png"));
        System.out.println("wrote " + dir.resolve("tune-demo.html") + " and " + dir.resolve("tune-demo.png"));
    }

    private record Config(String label, boolean single, double skill, String costPerItem, long p50) {
    }

    /** The sample report (sandbox: true). */
    public static TuneReport sample() {
        List<Config> configs = List.of(
                new Config("sandbox-openai:sandbox-swift", true, 0.58, "0.000180", 640),
                new Config("sandbox-anthropic:sandbox-terse", true, 0.52, "0.000095", 410),
                new Config("sandbox-gemini:sandbox-thought", true, 0.71, "0.00420", 2900),
                new Config("sandbox-openai:sandbox-scholar", true, 0.76, "0.00910", 3400),
                new Config("sandbox-anthropic:sandbox-contrarian", true, 0.49, "0.00150", 1200),
                new Config("2 members [swift, terse] · judge sandbox-judge · select", false, 0.63, "0.000610", 1500),
                new Config("3 members [swift, terse, contrarian] · judge sandbox-judge · select", false, 0.64,
                        "0.00220", 1900),
                new Config("2 members [swift, thought] · judge sandbox-judge · synthesize", false, 0.74, "0.00510",
                        3600),
                new Config("3 members [swift, terse, thought] · judge sandbox-judge · synthesize", false, 0.75,
                        "0.00530", 3700),
                new Config("3 members [swift, terse, thought] · judge sandbox-judge · rank", false, 0.73, "0.00505",
                        3650),
                new Config("2 members [thought, scholar] · judge sandbox-judge · synthesize", false, 0.80, "0.0142",
                        4100),
                new Config("4 members [swift, terse, thought, scholar] · judge sandbox-judge · synthesize", false,
                        0.81, "0.0151", 4300),
                new Config("3 members [swift, terse, scholar] · judge sandbox-scholar · synthesize", false, 0.78,
                        "0.0198", 5200),
                new Config("2 members [swift, terse] · judge sandbox-scholar · synthesize", false, 0.66, "0.00960",
                        3900),
                new Config("5 members [all] · judge sandbox-scholar · synthesize", false, 0.79, "0.0262", 6100),
                new Config("3 members [swift, terse, thought] · judge sandbox-thought · vote", false, 0.70, null,
                        3500));
        int items = 20;
        SplittableRandom rnd = new SplittableRandom(28);
        double[] difficulty = new double[items];
        for (int i = 0; i < items; i++) {
            difficulty[i] = rnd.nextDouble(-0.25, 0.25);
        }
        List<String> ids = new ArrayList<>();
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (int c = 0; c < configs.size(); c++) {
            String id = String.format("c%02d", c + 1);
            ids.add(id);
            double[] s = new double[items];
            for (int i = 0; i < items; i++) {
                double v = configs.get(c).skill() - difficulty[i] + rnd.nextDouble(-0.12, 0.12);
                s[i] = Math.round(Math.max(0, Math.min(1, v)) * 20) / 20.0;
            }
            scores.put(id, s);
        }
        // Means, 95% CIs (normal approximation) and the frontier over priced points.
        List<double[]> stats = new ArrayList<>();
        for (String id : ids) {
            double[] s = scores.get(id);
            double mean = 0;
            for (double v : s) {
                mean += v;
            }
            mean /= items;
            double var = 0;
            for (double v : s) {
                var += (v - mean) * (v - mean);
            }
            double half = 1.96 * Math.sqrt(var / (items - 1)) / Math.sqrt(items);
            stats.add(new double[] {mean, Math.max(0, mean - half), Math.min(1, mean + half)});
        }
        List<TuneReport.Point> points = new ArrayList<>();
        for (int c = 0; c < configs.size(); c++) {
            Config cf = configs.get(c);
            BigDecimal cost = cf.costPerItem() == null ? null : new BigDecimal(cf.costPerItem());
            boolean front = cost != null;
            for (int o = 0; o < configs.size() && front; o++) {
                String oc = configs.get(o).costPerItem();
                if (o == c || oc == null) {
                    continue;
                }
                BigDecimal ocost = new BigDecimal(oc);
                boolean noWorse = stats.get(o)[0] >= stats.get(c)[0] && ocost.compareTo(cost) <= 0;
                boolean better = stats.get(o)[0] > stats.get(c)[0] || ocost.compareTo(cost) < 0;
                front = !(noWorse && better);
            }
            points.add(new TuneReport.Point(ids.get(c), cf.label(), cf.single(), stats.get(c)[0], stats.get(c)[1],
                    stats.get(c)[2], cost, cf.p50(), front, false));
        }
        // Baseline: best single model; recommendation: cheapest priced point within 0.02 of it.
        TuneReport.Point base = null;
        for (TuneReport.Point p : points) {
            if (p.singleModel() && (base == null || p.quality() > base.quality())) {
                base = p;
            }
        }
        double margin = 0.02;
        TuneReport.Point rec = null;
        for (TuneReport.Point p : points) {
            if (p.costPerItemUsd() != null && p.quality() >= base.quality() - margin
                    && (rec == null || p.costPerItemUsd().compareTo(rec.costPerItemUsd()) < 0)) {
                rec = p;
            }
        }
        String why = String.format(java.util.Locale.ROOT,
                "%s is the cheapest configuration whose quality (%.3f) is within %.2f of the best single model, "
                        + "%s (%.3f), at %s instead of %s per item.",
                rec.id(), rec.quality(), margin, base.id(), base.quality(), Fmt.usdPerItem(rec.costPerItemUsd()),
                Fmt.usdPerItem(base.costPerItemUsd()));
        String[] prompts = {
                "What is the capital of the fictional republic of Veloria?",
                "Convert 37 degrees Celsius to Fahrenheit.",
                "Summarise the sandbox's refund policy in one sentence.",
                "Which planet in the Orrin system has two moons?",
                "Return the JSON {\"name\": ..., \"age\": ...} for the user described below.",
                "How many primes are there below 50?",
                "Name the author of 'The Glass Meridian'.",
                "Translate 'good morning' into Sandbox Esperanto.",
                "What year did the Halvard bridge open?",
                "Give the chemical symbol of the element 'fictium'.",
                "Is 221 a prime number? Answer yes or no.",
                "List the three ingredients of a Veloria sunrise.",
                "What is 17 × 23?",
                "Who won the 2041 Orrin cup?",
                "Rewrite this sentence in the passive voice: 'The judge picked the answer.'",
                "What does the <strong> tag do in HTML?",
                "Extract the date from: 'Delivered on 3 March 2024 at noon.'",
                "Which is larger, 0.3 or 0.29?",
                "Name the longest river on the island of Kessa.",
                "What colour is the sandbox's logo?"};
        List<TuneReport.ItemRow> rows = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            Map<String, Double> q = new HashMap<>();
            for (String id : ids) {
                q.put(id, scores.get(id)[i]);
            }
            rows.add(new TuneReport.ItemRow(String.format("item-%02d", i + 1), prompts[i], q));
        }
        String yaml = "# Recommended by fusion tune (sandbox run: fictional models)\n"
                + "panel:\n  - sandbox-openai:sandbox-swift\n  - sandbox-anthropic:sandbox-terse\n"
                + "  - sandbox-gemini:sandbox-thought\njudge: sandbox-openai:sandbox-judge\nstrategy: synthesize\n";
        TuneReport.Spend spend = new TuneReport.Spend(new BigDecimal("0.041230"), new BigDecimal("0.118400"),
                BigDecimal.ZERO.setScale(6, RoundingMode.UNNECESSARY), true, 80, 20, 220, false);
        return new TuneReport("examples/tune/sandbox-qa.jsonl", true, Instant.parse("2026-12-07T21:00:00Z"), points,
                rec.id(), why, base.id(), rows, spend, yaml);
    }
}
