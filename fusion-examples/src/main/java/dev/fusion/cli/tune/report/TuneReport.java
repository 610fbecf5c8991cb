package dev.fusion.cli.tune.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@code fusion tune} report shows, computed before rendering: the renderers
 * ({@code HtmlReport}, {@code ChartPng}) only lay it out and never compute figures themselves.
 * Immutable; safe to share between threads.
 *
 * @param title         the page title (usually the data file's name)
 * @param sandbox       true when the figures come from the sandbox's fictional models; every page and
 *                      the chart then say that no figure is evidence about real models
 * @param generatedAt   when the search finished
 * @param points        one per evaluated configuration (single models included), in a stable order
 * @param recommendedId the id of the recommended point, or null when none met the bar
 * @param recommendation one or two sentences: why that point (or why none), naming the margin or target
 * @param baselineId    the id of the best single model (the point the margin is measured from), or null
 * @param items         per-item quality of every point, in data order
 * @param spend         what the tune run itself cost
 * @param fusionYaml    the recommended configuration as a ready {@code fusion.yaml} fragment, or null
 */
public record TuneReport(String title, boolean sandbox, Instant generatedAt, List<Point> points,
                         String recommendedId, String recommendation, String baselineId,
                         List<ItemRow> items, Spend spend, String fusionYaml) {

    public TuneReport {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(generatedAt, "generatedAt");
        points = List.copyOf(points);
        items = List.copyOf(items);
        Objects.requireNonNull(spend, "spend");
        Objects.requireNonNull(recommendation, "recommendation");
    }

    /**
     * One evaluated configuration.
     *
     * @param id              short stable id, unique in the report (e.g. {@code c07}); used by {@link ItemRow}
     * @param label           human-readable: members, judge, strategy (e.g. {@code "3 members [a, b, c] · judge j · synthesize"})
     * @param singleModel     true for a single model answering alone (no judge)
     * @param quality         mean quality over the items, 0..1
     * @param ciLow           lower bound of the 95 % confidence interval of {@code quality}
     * @param ciHigh          upper bound of that interval
     * @param costPerItemUsd  mean USD per item at the prices the run used, or null when any price or usage is unknown
     * @param p50LatencyMs    median wall time per item in ms (from the recorded latencies), or null when unknown
     * @param onFrontier      true when no other point has quality at least as high and cost at least as low, one strictly
     * @param batchPrices     true when {@code costPerItemUsd} is at batch prices
     */
    public record Point(String id, String label, boolean singleModel, double quality, double ciLow, double ciHigh,
                        BigDecimal costPerItemUsd, Long p50LatencyMs, boolean onFrontier, boolean batchPrices) {
        public Point {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(label, "label");
        }
    }

    /**
     * One data item.
     *
     * @param itemId   the item's id from the data file
     * @param prompt   the prompt, possibly shortened for display (renderers escape it; it is untrusted text)
     * @param quality  quality 0..1 by point id; a point missing from the map has no result for this item
     */
    public record ItemRow(String itemId, String prompt, Map<String, Double> quality) {
        public ItemRow {
            Objects.requireNonNull(itemId, "itemId");
            Objects.requireNonNull(prompt, "prompt");
            quality = Map.copyOf(quality);
        }
    }

    /**
     * What the tune run spent (not what a configuration would cost in production).
     *
     * @param memberUsd        USD paid for member answers in this run (cached answers are free), null when unknown
     * @param judgeUsd         USD paid for judge calls in this run, null when unknown
     * @param graderUsd        USD paid for grader-model calls in this run, null when unknown
     * @param complete         false when some call's price or usage was unknown (totals are then lower bounds)
     * @param memberCallsSent  member requests sent to a provider in this run
     * @param memberCallsCached member answers served from the answer cache
     * @param judgeCallsSent   judge requests sent in this run
     * @param batch            true when calls went through the providers' batch APIs
     */
    public record Spend(BigDecimal memberUsd, BigDecimal judgeUsd, BigDecimal graderUsd, boolean complete,
                        long memberCallsSent, long memberCallsCached, long judgeCallsSent, boolean batch) {
    }
}
