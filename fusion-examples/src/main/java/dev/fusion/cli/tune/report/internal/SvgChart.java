package dev.fusion.cli.tune.report.internal;

import dev.fusion.cli.tune.report.TuneReport;

import static dev.fusion.cli.tune.report.internal.Fmt.hex;
import static dev.fusion.cli.tune.report.internal.Fmt.html;
import static dev.fusion.cli.tune.report.internal.Fmt.px;

/**
 * Draws a {@link ChartLayout} as inline SVG (no script, no external reference). Each plotted point is one
 * {@code <g class="pt" data-point-id=...>} element with a {@code <title>} tooltip. Stateless.
 */
public final class SvgChart {

    private SvgChart() {
    }

    /** The chart as one {@code <svg>} element. */
    public static String svg(ChartLayout l) {
        StringBuilder b = new StringBuilder(8192);
        b.append("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(l.width())
                .append("\" height=\"").append(l.height()).append("\" viewBox=\"0 0 ").append(l.width()).append(' ')
                .append(l.height()).append("\" role=\"img\" aria-label=\"quality versus cost per item\">\n");
        b.append("<rect x=\"0\" y=\"0\" width=\"").append(l.width()).append("\" height=\"").append(l.height())
                .append("\" fill=\"#ffffff\"/>\n");
        if (l.sandbox()) {
            b.append("<text class=\"sandbox-note\" x=\"").append(px(l.plotLeft())).append("\" y=\"22\" fill=\"")
                    .append(hex(ChartLayout.SANDBOX_RGB)).append("\" font-size=\"13\" font-weight=\"bold\">")
                    .append(html(ChartLayout.sandboxNote())).append("</text>\n");
        }
        // Grid and ticks.
        for (ChartLayout.Tick t : l.yTicks()) {
            line(b, l.plotLeft(), t.at(), l.plotRight(), t.at(), ChartLayout.GRID_RGB, 1, null);
            b.append("<text x=\"").append(px(l.plotLeft() - 8)).append("\" y=\"").append(px(t.at() + 4))
                    .append("\" text-anchor=\"end\" font-size=\"12\" fill=\"").append(hex(ChartLayout.AXIS_RGB))
                    .append("\">").append(html(t.label())).append("</text>\n");
        }
        for (ChartLayout.Tick t : l.xTicks()) {
            line(b, t.at(), l.plotTop(), t.at(), l.plotBottom(), ChartLayout.GRID_RGB, 1, null);
            b.append("<text x=\"").append(px(t.at())).append("\" y=\"").append(px(l.plotBottom() + 18))
                    .append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"").append(hex(ChartLayout.AXIS_RGB))
                    .append("\">").append(html(t.label())).append("</text>\n");
        }
        // Axes and their titles.
        line(b, l.plotLeft(), l.plotBottom(), l.plotRight(), l.plotBottom(), ChartLayout.AXIS_RGB, 1, null);
        line(b, l.plotLeft(), l.plotTop(), l.plotLeft(), l.plotBottom(), ChartLayout.AXIS_RGB, 1, null);
        b.append("<text x=\"").append(px((l.plotLeft() + l.plotRight()) / 2)).append("\" y=\"")
                .append(px(l.height() - 12)).append("\" text-anchor=\"middle\" font-size=\"13\" fill=\"")
                .append(hex(ChartLayout.AXIS_RGB)).append("\">").append(html(l.xTitle())).append("</text>\n");
        double midY = (l.plotTop() + l.plotBottom()) / 2;
        b.append("<text x=\"18\" y=\"").append(px(midY)).append("\" transform=\"rotate(-90 18 ").append(px(midY))
                .append(")\" text-anchor=\"middle\" font-size=\"13\" fill=\"").append(hex(ChartLayout.AXIS_RGB))
                .append("\">quality (mean over items, 95% CI)</text>\n");

        // Frontier step line.
        if (l.frontier().size() >= 2) {
            b.append("<polyline class=\"frontier\" fill=\"none\" stroke=\"").append(hex(ChartLayout.FRONTIER_RGB))
                    .append("\" stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"");
            // The layout's vertices already alternate horizontal run, vertical riser.
            for (double[] p : l.frontier()) {
                b.append(px(p[0])).append(',').append(px(p[1])).append(' ');
            }
            b.append("\"/>\n");
        }
        // Three layers so a mark is never hidden under another point's error bar or label: the error bars,
        // then the id labels, then one group per point with its mark (and its tooltip).
        b.append("<g class=\"error-bars\">\n");
        for (ChartLayout.Placed p : l.plotted()) {
            line(b, p.x(), p.yCiLow(), p.x(), p.yCiHigh(), ChartLayout.ERROR_BAR_RGB, 1.5, null);
            line(b, p.x() - 4, p.yCiLow(), p.x() + 4, p.yCiLow(), ChartLayout.ERROR_BAR_RGB, 1.5, null);
            line(b, p.x() - 4, p.yCiHigh(), p.x() + 4, p.yCiHigh(), ChartLayout.ERROR_BAR_RGB, 1.5, null);
        }
        b.append("</g>\n<g class=\"labels\">\n");
        for (ChartLayout.Placed p : l.plotted()) {
            if (p.label() != null) {
                b.append("<text x=\"").append(px(p.labelX())).append("\" y=\"").append(px(p.labelY()))
                        .append("\" font-size=\"11\" fill=\"").append(hex(ChartLayout.AXIS_RGB)).append("\">")
                        .append(html(p.label(), 20)).append("</text>\n");
            }
        }
        b.append("</g>\n");
        for (ChartLayout.Placed p : l.plotted()) {
            TuneReport.Point pt = p.point();
            b.append("<g class=\"pt\" data-point-id=\"").append(html(pt.id(), 64)).append("\" data-kind=\"")
                    .append(pt.singleModel() ? "single" : "fusion").append('"');
            if (p.recommended()) {
                b.append(" data-recommended=\"true\"");
            }
            b.append(">\n<title>").append(html(pt.id(), 64)).append(": ").append(html(pt.label()))
                    .append(" | quality ").append(Fmt.quality(pt.quality())).append(" [")
                    .append(Fmt.quality(pt.ciLow())).append(", ").append(Fmt.quality(pt.ciHigh()))
                    .append("] | ").append(Fmt.usdPerItem(pt.costPerItemUsd())).append(" per item")
                    .append(pt.batchPrices() ? " (batch prices)" : "").append(" | p50 ")
                    .append(pt.p50LatencyMs() == null ? "unknown" : pt.p50LatencyMs() + " ms").append("</title>\n");
            double r = p.recommended() ? ChartLayout.RECOMMENDED_RADIUS : ChartLayout.RADIUS;
            if (pt.singleModel() && !p.recommended()) {
                b.append("<rect x=\"").append(px(p.x() - r)).append("\" y=\"").append(px(p.y() - r))
                        .append("\" width=\"").append(px(2 * r)).append("\" height=\"").append(px(2 * r));
            } else {
                b.append("<circle cx=\"").append(px(p.x())).append("\" cy=\"").append(px(p.y())).append("\" r=\"")
                        .append(px(r));
            }
            b.append("\" fill=\"").append(hex(p.rgb())).append("\"/>\n");
            if (p.recommended()) {
                b.append("<circle cx=\"").append(px(p.x())).append("\" cy=\"").append(px(p.y())).append("\" r=\"")
                        .append(px(r + 4)).append("\" fill=\"none\" stroke=\"").append(hex(p.rgb()))
                        .append("\" stroke-width=\"2\"/>\n");
            }
            b.append("</g>\n");
        }
        legend(b, l);
        b.append("</svg>");
        return b.toString();
    }

    private static void legend(StringBuilder b, ChartLayout l) {
        double x = l.plotRight() - 190;
        double y = l.plotBottom() - 78;
        b.append("<g class=\"legend\">\n<rect x=\"").append(px(x - 8)).append("\" y=\"").append(px(y - 14))
                .append("\" width=\"196\" height=\"80\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"")
                .append(hex(ChartLayout.GRID_RGB)).append("\"/>\n");
        b.append("<circle cx=\"").append(px(x + 5)).append("\" cy=\"").append(px(y - 4)).append("\" r=\"4\" fill=\"")
                .append(hex(ChartLayout.FUSION_RGB)).append("\"/>");
        legendText(b, x + 16, y, "fusion (panel + judge)");
        b.append("<rect x=\"").append(px(x + 1)).append("\" y=\"").append(px(y + 10)).append("\" width=\"8\" height=\"8\" fill=\"")
                .append(hex(ChartLayout.SINGLE_RGB)).append("\"/>");
        legendText(b, x + 16, y + 18, "single model");
        b.append("<circle cx=\"").append(px(x + 5)).append("\" cy=\"").append(px(y + 32)).append("\" r=\"5\" fill=\"")
                .append(hex(ChartLayout.RECOMMENDED_RGB)).append("\"/>");
        legendText(b, x + 16, y + 36, "recommended");
        line(b, x - 2, y + 50, x + 12, y + 50, ChartLayout.FRONTIER_RGB, 2, "6 4");
        legendText(b, x + 16, y + 54, "Pareto frontier");
        b.append("</g>\n");
    }

    private static void legendText(StringBuilder b, double x, double y, String text) {
        b.append("<text x=\"").append(px(x)).append("\" y=\"").append(px(y)).append("\" font-size=\"12\" fill=\"")
                .append(hex(ChartLayout.AXIS_RGB)).append("\">").append(html(text)).append("</text>\n");
    }

    private static void line(StringBuilder b, double x1, double y1, double x2, double y2, int rgb, double w,
                             String dash) {
        b.append("<line x1=\"").append(px(x1)).append("\" y1=\"").append(px(y1)).append("\" x2=\"").append(px(x2))
                .append("\" y2=\"").append(px(y2)).append("\" stroke=\"").append(hex(rgb)).append("\" stroke-width=\"")
                .append(px(w)).append('"');
        if (dash != null) {
            b.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        b.append("/>\n");
    }
}
