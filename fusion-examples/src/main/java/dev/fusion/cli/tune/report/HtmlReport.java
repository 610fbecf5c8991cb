package dev.fusion.cli.tune.report;

import dev.fusion.cli.tune.report.internal.AtomicFile;
import dev.fusion.cli.tune.report.internal.ChartLayout;
import dev.fusion.cli.tune.report.internal.Fmt;
import dev.fusion.cli.tune.report.internal.ItemOutcomes;
import dev.fusion.cli.tune.report.internal.SvgChart;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import static dev.fusion.cli.tune.report.internal.Fmt.html;

/**
 * Writes a {@link TuneReport} as one self-contained HTML page: the quality-vs-cost chart (inline SVG, drawn
 * here, with each point's confidence interval, the Pareto frontier and the recommended point), a table of
 * every configuration, the per-item wins and losses of the recommendation against the best single model,
 * what the run spent, and the recommended {@code fusion.yaml} fragment.
 *
 * <p>The page needs no network when viewed (no script, no external style, font or image) and carries a
 * Content-Security-Policy that forbids them. Every text from the report (prompts, labels, ids, the YAML) is
 * HTML-escaped and length-capped; at most {@link #MAX_ITEMS} item rows and {@link ChartLayout#MAX_PLOTTED}
 * points are shown, with a note saying how many were left off. A sandbox report carries a banner and a note
 * on the chart saying its models are fictional.
 *
 * <p>Stateless and thread-safe.
 */
public final class HtmlReport {

    /** At most this many per-item rows are written; the page says how many were left off. */
    public static final int MAX_ITEMS = 500;

    private HtmlReport() {
    }

    /**
     * Writes the page to {@code file} (replacing it; written to a temporary file beside it and moved into
     * place, so a reader never sees half a page).
     *
     * @throws IOException when the file cannot be written
     */
    public static void write(TuneReport report, Path file) throws IOException {
        Objects.requireNonNull(report, "report");
        String page = render(report);
        AtomicFile.write(file, tmp -> Files.writeString(tmp, page, StandardCharsets.UTF_8));
    }

    /** The page as a string (what {@link #write} writes). */
    public static String render(TuneReport r) {
        ChartLayout layout = ChartLayout.of(r);
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'; img-src data:\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
                .append(r.sandbox() ? "[sandbox] " : "").append("fusion tune: ").append(html(r.title(), 120))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        if (r.sandbox()) {
            b.append("<div class=\"sandbox-banner\" role=\"note\"><strong>Sandbox run.</strong> Every model on this ")
                    .append("page is one of the sandbox's fictional models, answering a fictional dataset whose ")
                    .append("quality differences are built in. No figure here is evidence about real models.</div>\n");
        }
        b.append("<h1>fusion tune: ").append(html(r.title(), 120)).append("</h1>\n<p class=\"meta\">Search finished ")
                .append(html(DateTimeFormatter.ISO_INSTANT.format(r.generatedAt()))).append(" &middot; ")
                .append(r.points().size()).append(" configurations &middot; ").append(r.items().size())
                .append(" items</p>\n");
        summary(b, r);
        chart(b, r, layout);
        points(b, r);
        items(b, r);
        spend(b, r.spend());
        yaml(b, r);
        if (r.sandbox()) {
            b.append("<p class=\"sandbox-foot\">Sandbox run: fictional models, fictional data. ")
                    .append("No figure on this page is evidence about real models.</p>\n");
        }
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static void summary(StringBuilder b, TuneReport r) {
        b.append("<section id=\"recommendation\">\n<h2>Recommendation</h2>\n");
        TuneReport.Point rec = find(r, r.recommendedId());
        TuneReport.Point base = find(r, r.baselineId());
        if (rec != null) {
            b.append("<p class=\"rec\"><span class=\"swatch rec-swatch\"></span><strong>").append(html(rec.label()))
                    .append("</strong>: quality ").append(Fmt.quality(rec.quality())).append(" (95% CI ")
                    .append(Fmt.quality(rec.ciLow())).append("&ndash;").append(Fmt.quality(rec.ciHigh()))
                    .append("), ").append(Fmt.usdPerItem(rec.costPerItemUsd())).append(" per item")
                    .append(rec.batchPrices() ? " at batch prices" : "").append(".</p>\n");
        } else {
            b.append("<p class=\"rec\"><strong>No configuration is recommended.</strong></p>\n");
        }
        b.append("<p>").append(html(r.recommendation(), 2000)).append("</p>\n");
        if (base != null) {
            b.append("<p>Baseline (best single model): <strong>").append(html(base.label())).append("</strong>, quality ")
                    .append(Fmt.quality(base.quality())).append(", ").append(Fmt.usdPerItem(base.costPerItemUsd()))
                    .append(" per item.</p>\n");
        }
        b.append("</section>\n");
    }

    private static void chart(StringBuilder b, TuneReport r, ChartLayout layout) {
        b.append("<section id=\"chart\">\n<h2>Quality vs cost</h2>\n<p class=\"hint\">Each mark is one configuration: ")
                .append("its mean quality over the items with the 95% confidence interval as an error bar, against ")
                .append("its mean cost per item. Circles are fusions (a panel and a judge), squares single models. ")
                .append("The dashed step line is the Pareto frontier: the best quality on offer at each cost.")
                .append(" Hover a mark for its configuration.</p>\n");
        b.append(SvgChart.svg(layout)).append('\n');
        if (!layout.unpriced().isEmpty()) {
            b.append("<p class=\"note unpriced\">Not plotted, cost unknown (a price or usage was missing): ")
                    .append(idList(layout.unpriced())).append(".</p>\n");
        }
        if (!layout.unplottable().isEmpty()) {
            b.append("<p class=\"note\">Not plotted, no quality figure: ").append(idList(layout.unplottable()))
                    .append(".</p>\n");
        }
        if (layout.overCap() > 0) {
            b.append("<p class=\"note\">The chart shows the first ").append(ChartLayout.MAX_PLOTTED)
                    .append(" priced configurations; ").append(layout.overCap()).append(" more are in the table only.</p>\n");
        }
        b.append("</section>\n");
    }

    private static String idList(List<TuneReport.Point> ps) {
        int max = 50;
        String s = ps.stream().limit(max).map(p -> "<code>" + html(p.id(), 64) + "</code>")
                .collect(Collectors.joining(", "));
        return ps.size() > max ? s + " and " + (ps.size() - max) + " more" : s;
    }

    private static void points(StringBuilder b, TuneReport r) {
        b.append("<section id=\"points\">\n<h2>Configurations</h2>\n<table class=\"points\">\n<thead><tr>")
                .append("<th>id</th><th>configuration</th><th>kind</th><th class=\"num\">quality</th>")
                .append("<th class=\"num\">95% CI</th><th class=\"num\">cost per item</th>")
                .append("<th class=\"num\">p50 latency</th><th title=\"on the Pareto frontier\">frontier</th></tr></thead>\n<tbody>\n");
        int shown = 0;
        for (TuneReport.Point p : r.points()) {
            if (shown++ >= ChartLayout.MAX_PLOTTED) {
                break;
            }
            boolean rec = p.id().equals(r.recommendedId());
            boolean base = p.id().equals(r.baselineId());
            b.append("<tr").append(rec ? " class=\"recommended\"" : "").append("><td><code>").append(html(p.id(), 64))
                    .append("</code></td><td>").append(html(p.label()));
            if (rec) {
                b.append(" <span class=\"tag rec-tag\">recommended</span>");
            }
            if (base) {
                b.append(" <span class=\"tag\">baseline</span>");
            }
            b.append("</td><td class=\"kind\">").append(p.singleModel() ? "single model" : "fusion").append("</td><td class=\"num\">")
                    .append(Fmt.quality(p.quality())).append("</td><td class=\"num\">").append(Fmt.quality(p.ciLow()))
                    .append("&ndash;").append(Fmt.quality(p.ciHigh())).append("</td><td class=\"num\">")
                    .append(Fmt.usdPerItem(p.costPerItemUsd())).append(p.batchPrices() ? " (batch)" : "")
                    .append("</td><td class=\"num\">")
                    .append(p.p50LatencyMs() == null ? "unknown" : p.p50LatencyMs() + " ms").append("</td><td>")
                    .append(p.onFrontier() ? "&#10003;" : "").append("</td></tr>\n");
        }
        b.append("</tbody>\n</table>\n");
        if (r.points().size() > ChartLayout.MAX_PLOTTED) {
            b.append("<p class=\"note\">Showing ").append(ChartLayout.MAX_PLOTTED).append(" of ")
                    .append(r.points().size()).append(" configurations.</p>\n");
        }
        b.append("</section>\n");
    }

    private static void items(StringBuilder b, TuneReport r) {
        b.append("<section id=\"items\">\n<h2>Per item: recommended vs best single model</h2>\n");
        TuneReport.Point rec = find(r, r.recommendedId());
        TuneReport.Point base = find(r, r.baselineId());
        if (rec == null) {
            b.append("<p>No configuration is recommended, so there is nothing to compare item by item.</p>\n</section>\n");
            return;
        }
        if (base == null) {
            b.append("<p>There is no single-model baseline to compare with.</p>\n</section>\n");
            return;
        }
        if (rec.id().equals(base.id())) {
            b.append("<p>The recommended configuration is the best single model itself.</p>\n</section>\n");
            return;
        }
        ItemOutcomes o = ItemOutcomes.of(r.items(), rec.id(), base.id());
        b.append("<p class=\"counts\"><code>").append(html(rec.id(), 64)).append("</code> beats <code>")
                .append(html(base.id(), 64)).append("</code> on <strong class=\"win\">").append(o.wins().size())
                .append("</strong> items, loses on <strong class=\"loss\">").append(o.losses().size())
                .append("</strong>, ties on <strong>").append(o.ties().size()).append("</strong>");
        if (!o.missing().isEmpty()) {
            b.append("; ").append(o.missing().size()).append(" items lack a result for one of the two");
        }
        b.append(".</p>\n");
        int[] budget = {MAX_ITEMS};
        group(b, "Beats the baseline", "wins", o.wins(), rec.id(), base.id(), budget);
        group(b, "Loses to the baseline", "losses", o.losses(), rec.id(), base.id(), budget);
        group(b, "Ties", "ties", o.ties(), rec.id(), base.id(), budget);
        group(b, "No result for one of the two", "missing", o.missing(), rec.id(), base.id(), budget);
        int total = o.wins().size() + o.losses().size() + o.ties().size() + o.missing().size();
        if (total > MAX_ITEMS) {
            b.append("<p class=\"note\">Showing ").append(MAX_ITEMS).append(" of ").append(total)
                    .append(" items; the counts above cover all of them.</p>\n");
        }
        b.append("</section>\n");
    }

    private static void group(StringBuilder b, String title, String cls, List<TuneReport.ItemRow> rows, String recId,
                              String baseId, int[] budget) {
        if (rows.isEmpty()) {
            return;
        }
        b.append("<h3>").append(title).append(" (").append(rows.size()).append(")</h3>\n<table class=\"items ")
                .append(cls).append("\">\n<thead><tr><th>item</th><th>prompt</th><th class=\"num\">baseline</th>")
                .append("<th class=\"num\">recommended</th></tr></thead>\n<tbody>\n");
        for (TuneReport.ItemRow row : rows) {
            if (budget[0] <= 0) {
                break;
            }
            budget[0]--;
            Double rq = row.quality().get(recId);
            Double bq = row.quality().get(baseId);
            b.append("<tr><td><code>").append(html(row.itemId(), 80)).append("</code></td><td class=\"prompt\">")
                    .append(html(row.prompt())).append("</td><td class=\"num\">")
                    .append(bq == null ? "no result" : Fmt.quality(bq)).append("</td><td class=\"num\">")
                    .append(rq == null ? "no result" : Fmt.quality(rq)).append("</td></tr>\n");
        }
        b.append("</tbody>\n</table>\n");
    }

    private static void spend(StringBuilder b, TuneReport.Spend s) {
        b.append("<section id=\"spend\">\n<h2>What this run spent</h2>\n<table class=\"spend\">\n<tbody>\n");
        b.append("<tr><th>member answers</th><td class=\"num\">").append(Fmt.usdTotal(s.memberUsd()))
                .append("</td><td>").append(s.memberCallsSent()).append(" sent, ").append(s.memberCallsCached())
                .append(" from the answer cache (free)</td></tr>\n");
        b.append("<tr><th>judge calls</th><td class=\"num\">").append(Fmt.usdTotal(s.judgeUsd())).append("</td><td>")
                .append(s.judgeCallsSent()).append(" sent</td></tr>\n");
        b.append("<tr><th>grader model</th><td class=\"num\">").append(Fmt.usdTotal(s.graderUsd()))
                .append("</td><td></td></tr>\n");
        BigDecimal total = BigDecimal.ZERO;
        boolean anyUnknown = false;
        for (BigDecimal v : new BigDecimal[] {s.memberUsd(), s.judgeUsd(), s.graderUsd()}) {
            if (v == null) {
                anyUnknown = true;
            } else {
                total = total.add(v);
            }
        }
        boolean lowerBound = anyUnknown || !s.complete();
        b.append("<tr class=\"total\"><th>total</th><td class=\"num\">").append(lowerBound ? "at least " : "")
                .append(Fmt.usdTotal(total)).append("</td><td>")
                .append(lowerBound ? "a lower bound: some call's price or usage was unknown"
                        : "complete: every call was priced")
                .append("</td></tr>\n");
        b.append("<tr><th>mode</th><td colspan=\"2\">")
                .append(s.batch() ? "batch APIs (discounted batch prices)" : "interactive calls (no batch)")
                .append("</td></tr>\n</tbody>\n</table>\n</section>\n");
    }

    private static void yaml(StringBuilder b, TuneReport r) {
        b.append("<section id=\"config\">\n<h2>fusion.yaml</h2>\n");
        if (r.fusionYaml() == null) {
            b.append("<p>No configuration is recommended, so there is no fragment to copy.</p>\n");
        } else {
            b.append("<p class=\"hint\">The recommended configuration, ready to paste into <code>fusion.yaml</code>:</p>\n")
                    .append("<pre class=\"yaml\"><code>").append(html(r.fusionYaml(), 20_000)).append("</code></pre>\n");
        }
        b.append("</section>\n");
    }

    private static TuneReport.Point find(TuneReport r, String id) {
        if (id == null) {
            return null;
        }
        for (TuneReport.Point p : r.points()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif;
                   margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #222; line-height: 1.4; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; word-break: break-word; }
            h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
            h3 { font-size: 1.05em; }
            .meta, .hint { color: #555; }
            .note { color: #555; font-style: italic; }
            .sandbox-banner { background: #fff4d6; border: 2px solid #9a6700; color: #5c3d00; padding: 10px 14px;
                              border-radius: 6px; margin-bottom: 12px; }
            .sandbox-foot { color: #9a6700; font-weight: bold; margin-top: 2em; }
            svg.chart { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
            table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
            th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; vertical-align: top; }
            td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
            td.kind { white-space: nowrap; }
            td.prompt { word-break: break-word; white-space: pre-wrap; max-width: 600px; }
            tr.recommended { background: #fdecec; }
            .tag { font-size: 0.8em; border: 1px solid #999; border-radius: 3px; padding: 0 4px; color: #555; }
            .rec-tag { border-color: #d62728; color: #d62728; }
            .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
            .rec-swatch { background: #d62728; }
            .win { color: #2ca02c; } .loss { color: #d62728; }
            table.spend { width: auto; }
            pre.yaml { background: #f6f8fa; padding: 12px; overflow-x: auto; }
            """;
}
