package dev.fusion.cli.tune;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.fusion.Redactor;
import dev.fusion.cli.tune.report.TuneReport;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link TuneRun.Result} into the figures users see: the 95 % interval of each point's quality,
 * the recommendation, the {@code fusion.yaml} fragment and the {@link TuneReport}. Stateless.
 *
 * <p>Interval: the Wilson score interval at 95 % (z = 1.96) on the mean item quality with n = the
 * number of items; exact for pass/fail items, an approximation for partial scores (json, rubric).
 */
public final class TuneReports {

    /** The sentence every sandbox output carries. */
    public static final String FICTIONAL = "SANDBOX: fictional models, prices and answers; these figures are no"
            + " evidence about any real model";

    private static final double Z = 1.96;

    private TuneReports() {
    }

    /** The Wilson score interval {low, high} of a mean quality over {@code n} items. */
    public static double[] wilson(double p, int n) {
        if (n <= 0) {
            return new double[] {0, 1};
        }
        double z2 = Z * Z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denom;
        double half = Z * Math.sqrt(Math.max(0, p * (1 - p)) / n + z2 / (4.0 * n * n)) / denom;
        return new double[] {Math.max(0, center - half), Math.min(1, center + half)};
    }

    /**
     * The recommendation.
     *
     * @param baseline    the best single model (highest quality, then cheapest), or null
     * @param recommended the cheapest point within the margin of the baseline (or meeting the target), or null
     * @param sentence    why
     */
    public record Recommendation(TuneRun.PointResult baseline, TuneRun.PointResult recommended, String sentence) {
    }

    /** Picks the recommendation: the cheapest point whose quality is at least {@code target}, or the baseline's minus {@code margin}. */
    public static Recommendation recommend(List<TuneRun.PointResult> points, double margin, Double target) {
        return recommend(points, margin, target, null, null);
    }

    /**
     * As {@link #recommend(List, double, Double)}, with the race's bar when it has one ({@code raceBar}, and
     * {@code barNote} saying how it is known); null: the bar comes from the best single point.
     */
    public static Recommendation recommend(List<TuneRun.PointResult> points, double margin, Double target,
                                           Double raceBar, String barNote) {
        TuneRun.PointResult baseline = points.stream().filter(TuneRun.PointResult::single)
                .max(Comparator.comparingDouble(TuneRun.PointResult::quality)
                        .thenComparing(p -> p.costPerItem() == null ? null : p.costPerItem().negate(),
                                Comparator.nullsFirst(Comparator.naturalOrder())))
                .orElse(null);
        double bar = target != null ? target : raceBar != null ? raceBar
                : baseline == null ? 1.0 : baseline.quality() - margin;
        TuneRun.PointResult best = null;
        for (TuneRun.PointResult p : points) {
            if (p.estimate() || p.costPerItem() == null || p.quality() < bar - 1e-12) {
                continue;
            }
            if (best == null || p.costPerItem().compareTo(best.costPerItem()) < 0
                    || (p.costPerItem().compareTo(best.costPerItem()) == 0 && p.quality() > best.quality())) {
                best = p;
            }
        }
        String why = target != null ? String.format("quality of at least %.1f%% (--target)", 100 * target)
                : raceBar != null ? String.format("quality within %.1f points of the best single model (%s)", 100 * margin,
                barNote == null ? String.format("race bar %.1f%%", 100 * raceBar) : barNote)
                : baseline == null ? "no single model was evaluated"
                : String.format("quality within %.1f points of the best single model, %s (%.1f%%)", 100 * margin,
                baseline.model(), 100 * baseline.quality()) + (baseline.estimate()
                ? String.format(" on the %d items it answered, an estimate", baseline.items().size()) : "");
        String sentence = best == null ? "No configuration with a known cost reached " + why + "."
                : "Recommended: " + best.label() + ", the cheapest point with " + why + String.format(
                ": %.1f%% at %s per item.", 100 * best.quality(), usd(best.costPerItem()));
        return new Recommendation(baseline, best, sentence);
    }

    /** The recommended point as a {@code fusion.yaml} fragment (comments carry its figures), or null. */
    public static String fusionYaml(TuneRun.PointResult p, TuneCandidates c, int items, boolean sandbox) {
        if (p == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        if (sandbox) {
            sb.append("# ").append(FICTIONAL).append('\n');
        }
        double[] ci = wilson(p.quality(), items);
        sb.append(String.format("# fusion tune: quality %.1f%% (95%% CI %.1f-%.1f%%, %d items), %s per item, p50 %s%n",
                100 * p.quality(), 100 * ci[0], 100 * ci[1], items, usd(p.costPerItem()),
                p.p50LatencyMs() == null ? "unknown" : p.p50LatencyMs() + " ms"));
        if (sandbox) {
            sb.append("sandbox: true\n");
        }
        if (p.single()) {
            sb.append("# the best choice is ").append(p.model()).append(" alone: call it directly, or as a fusion"
                    + " (a panel of one, judged by itself):\n");
            sb.append("panel: [").append(yamlString(p.model())).append("]\n");
            sb.append("judge: ").append(yamlString(p.model())).append('\n');
        } else {
            TuneRun.Config cfg = p.config();
            sb.append("panel: [");
            for (int i = 0; i < cfg.members().size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(yamlString(cfg.members().get(i)));
            }
            sb.append("]\njudge: ").append(yamlString(cfg.judge())).append('\n');
            TuneCandidates.StrategyChoice s = cfg.strategy();
            if (s.options().isEmpty()) {
                sb.append("strategy: ").append(s.name()).append('\n');
            } else {
                sb.append("strategy: {name: ").append(s.name());
                new java.util.TreeMap<>(s.options()).forEach((k, v) -> sb.append(", ").append(k).append(": ")
                        .append(v instanceof String str ? yamlString(str) : String.valueOf(v)));
                sb.append("}\n");
            }
            sb.append("quorum: ").append(cfg.members().size()).append('\n');
        }
        if (c.maxOutputTokens() != null) {
            sb.append("maxOutputTokens: ").append(c.maxOutputTokens()).append('\n');
        }
        if (c.judgeMaxOutputTokens() != null) {
            sb.append("judgeMaxOutputTokens: ").append(c.judgeMaxOutputTokens()).append('\n');
        }
        return sb.toString();
    }

    private static String yamlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** USD with enough digits for per-item figures, or "unknown". */
    public static String usd(BigDecimal v) {
        if (v == null) {
            return "unknown";
        }
        BigDecimal r = v.abs().compareTo(new BigDecimal("0.01")) >= 0 ? v.setScale(4, java.math.RoundingMode.HALF_UP)
                : v.round(new java.math.MathContext(3));
        return "$" + r.stripTrailingZeros().toPlainString();
    }

    /** The report's data model from a finished search. */
    public static TuneReport report(String title, boolean sandbox, TuneRun.Result r, List<TuneItem> items,
                                    Recommendation rec, String yaml, boolean batch) {
        List<TuneReport.Point> points = new ArrayList<>();
        for (TuneRun.PointResult p : r.points()) {
            double[] ci = wilson(p.quality(), p.items().size());
            boolean batchPrices = p.items().stream().anyMatch(TuneRun.ItemOutcome::batch);
            points.add(new TuneReport.Point(p.id(), p.label(), p.single(), p.quality(), ci[0], ci[1], p.costPerItem(),
                    p.p50LatencyMs(), r.frontier().contains(p.id()), batchPrices));
        }
        List<TuneReport.ItemRow> rows = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Map<String, Double> q = new LinkedHashMap<>();
            for (TuneRun.PointResult p : r.points()) {
                for (int x = 0; x < p.items().size(); x++) { // a point left part-way (an estimate) has some items only
                    if (p.itemIndex(x) == i) {
                        q.put(p.id(), p.items().get(x).quality());
                    }
                }
            }
            String prompt = items.get(i).item().question();
            rows.add(new TuneReport.ItemRow(items.get(i).item().id(),
                    prompt.length() > 300 ? prompt.substring(0, 300) + "…" : prompt, q));
        }
        Map<CallKind, BigDecimal> usd = r.spend().usd();
        TuneReport.Spend spend = new TuneReport.Spend(usd.get(CallKind.MEMBER), usd.get(CallKind.JUDGE),
                usd.get(CallKind.GRADER), r.spend().complete(), r.spend().sent().get(CallKind.MEMBER), r.memberCached(),
                r.spend().sent().get(CallKind.JUDGE), batch);
        String sentence = rec.sentence() + (sandbox ? " " + FICTIONAL + "." : "");
        return new TuneReport(title, sandbox, Instant.now(), points, rec.recommended() == null ? null : rec.recommended().id(),
                sentence, rec.baseline() == null ? null : rec.baseline().id(), rows, spend, yaml);
    }

    /** Writes the report's data as JSON (BigDecimal as plain decimals, instants as ISO-8601). */
    public static void writeJson(TuneReport report, Path file) throws IOException {
        SimpleModule m = new SimpleModule();
        m.addSerializer(Instant.class, ToStringSerializer.instance);
        ObjectMapper json = new ObjectMapper().registerModule(m).enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(file, Redactor.redact(json.writeValueAsString(report)));
    }
}
