package dev.fusion.cli.tune.report.internal;

import dev.fusion.cli.tune.report.TuneReport;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The geometry of the quality-vs-cost chart, computed once and drawn by both the SVG (HTML page) and the
 * PNG renderer, so the two show the same chart. Pixel positions are doubles; the money on the axis
 * labels stays {@link BigDecimal} (a cost is converted to a double only to place it on the canvas).
 * Immutable; safe to share between threads.
 *
 * @param width       canvas width in px
 * @param height      canvas height in px
 * @param plotLeft    left edge of the plot area
 * @param plotTop     top edge of the plot area
 * @param plotRight   right edge of the plot area
 * @param plotBottom  bottom edge of the plot area
 * @param logCost     true when the cost axis is logarithmic
 * @param xTicks      cost-axis ticks
 * @param yTicks      quality-axis ticks
 * @param plotted     the points drawn, in report order (at most {@link #MAX_PLOTTED})
 * @param frontier    the frontier as a step line: canvas coordinates, pairs (x, y)
 * @param unpriced    points with an unknown cost (not plotted), in report order
 * @param unplottable points with a non-finite quality (not plotted), in report order
 * @param overCap     points left off because the chart is capped at {@link #MAX_PLOTTED}
 * @param sandbox     the report is from the sandbox (the chart then carries a note)
 */
public record ChartLayout(int width, int height, double plotLeft, double plotTop, double plotRight,
                          double plotBottom, boolean logCost, List<Tick> xTicks, List<Tick> yTicks,
                          List<Placed> plotted, List<double[]> frontier, List<TuneReport.Point> unpriced,
                          List<TuneReport.Point> unplottable, int overCap, boolean sandbox) {

    /** Canvas size of the chart (both renderers). */
    public static final int WIDTH = 900;
    /** Canvas height of the chart (both renderers). */
    public static final int HEIGHT = 520;
    /** At most this many points are drawn; the rest are counted in {@link #overCap()}. */
    public static final int MAX_PLOTTED = 1000;

    /** Fill of a fusion (panel) point. */
    public static final int FUSION_RGB = 0x1F77B4;
    /** Fill of a single-model point. */
    public static final int SINGLE_RGB = 0xFF7F0E;
    /** Fill of the recommended point (drawn larger, with a ring). */
    public static final int RECOMMENDED_RGB = 0xD62728;
    /** The frontier's step line. */
    public static final int FRONTIER_RGB = 0x2CA02C;
    /** Error bars. */
    public static final int ERROR_BAR_RGB = 0x7F7F7F;
    /** Axes, ticks and text. */
    public static final int AXIS_RGB = 0x333333;
    /** Light grid lines. */
    public static final int GRID_RGB = 0xE6E6E6;
    /** The sandbox note on the chart. */
    public static final int SANDBOX_RGB = 0x9A6700;

    /** Radius of a plotted point; the recommended one is drawn at {@link #RECOMMENDED_RADIUS}. */
    public static final double RADIUS = 5;
    /** Radius of the recommended point. */
    public static final double RECOMMENDED_RADIUS = 8;

    /** One axis tick: canvas coordinate along its axis and its label. */
    public record Tick(double at, String label) {
    }

    /**
     * One drawn point.
     *
     * @param point       the report's point
     * @param x           canvas x of the centre
     * @param y           canvas y of the centre
     * @param yCiLow      canvas y of the CI's lower bound (bigger y: lower on screen)
     * @param yCiHigh     canvas y of the CI's upper bound
     * @param recommended this is the recommended point
     * @param rgb         its fill colour
     * @param label       its id as drawn next to it, or null when it would overlap a label already placed
     *                    (the recommended point, then frontier points, then single models are labelled first)
     * @param labelX      canvas x where the label starts
     * @param labelY      canvas y of the label's baseline
     */
    public record Placed(TuneReport.Point point, double x, double y, double yCiLow, double yCiHigh,
                         boolean recommended, int rgb, String label, double labelX, double labelY) {
    }

    /** Approximate width of one label character at 11 px (labels are short ids). */
    private static final double LABEL_CHAR = 6.6;

    /** Lays out the chart of {@code report}. */
    public static ChartLayout of(TuneReport report) {
        double left = 78;
        double top = report.sandbox() ? 44 : 24;
        double right = WIDTH - 24;
        double bottom = HEIGHT - 56;

        List<TuneReport.Point> drawable = new ArrayList<>();
        List<TuneReport.Point> unpriced = new ArrayList<>();
        List<TuneReport.Point> unplottable = new ArrayList<>();
        int overCap = 0;
        for (TuneReport.Point p : report.points()) {
            if (p.costPerItemUsd() == null) {
                unpriced.add(p);
            } else if (!Double.isFinite(p.quality())) {
                unplottable.add(p);
            } else if (drawable.size() >= MAX_PLOTTED) {
                overCap++;
            } else {
                drawable.add(p);
            }
        }

        // Cost axis: logarithmic when the costs span more than a factor of 20 and are all positive.
        BigDecimal min = null;
        BigDecimal max = null;
        for (TuneReport.Point p : drawable) {
            BigDecimal c = p.costPerItemUsd();
            min = min == null || c.compareTo(min) < 0 ? c : min;
            max = max == null || c.compareTo(max) > 0 ? c : max;
        }
        boolean log = min != null && min.signum() > 0
                && max.compareTo(min.multiply(BigDecimal.valueOf(20))) > 0;
        Axis x = log ? logAxis(min, max) : linearAxis(min, max);

        // Quality axis: 0..1 zoomed to the data (with the CIs), on tenths (or twentieths when close).
        double qLo = 1;
        double qHi = 0;
        for (TuneReport.Point p : drawable) {
            qLo = Math.min(qLo, finiteOr(p.ciLow(), p.quality()));
            qHi = Math.max(qHi, finiteOr(p.ciHigh(), p.quality()));
            qLo = Math.min(qLo, p.quality());
            qHi = Math.max(qHi, p.quality());
        }
        if (drawable.isEmpty()) {
            qLo = 0;
            qHi = 1;
        }
        qLo = clamp01(qLo);
        qHi = clamp01(qHi);
        double step = qHi - qLo <= 0.3 ? 0.05 : 0.1;
        double yLo = Math.max(0, Math.floor(qLo / step - 1e-9) * step);
        double yHi = Math.min(1, Math.ceil(qHi / step + 1e-9) * step);
        if (yHi - yLo < step) {
            yHi = Math.min(1, yLo + step);
            yLo = Math.max(0, yHi - step);
        }
        // A little headroom inside the plot so marks at quality 1 (or at the lowest tick) are not cut by its edge.
        double qTop = top + 12;
        double qBottom = bottom - 8;
        List<Tick> yTicks = new ArrayList<>();
        for (int i = 0; ; i++) {
            double v = yLo + i * step;
            if (v > yHi + 1e-9) {
                break;
            }
            yTicks.add(new Tick(yOf(v, yLo, yHi, qTop, qBottom), String.format(java.util.Locale.ROOT, "%.2f", v)));
        }
        List<Tick> xTicks = new ArrayList<>();
        for (BigDecimal t : x.ticks) {
            xTicks.add(new Tick(x.place(t, left, right), "$" + t.stripTrailingZeros().toPlainString()));
        }

        List<Placed> placed = new ArrayList<>();
        for (TuneReport.Point p : drawable) {
            boolean rec = p.id().equals(report.recommendedId());
            int rgb = rec ? RECOMMENDED_RGB : p.singleModel() ? SINGLE_RGB : FUSION_RGB;
            double px = x.place(p.costPerItemUsd(), left, right);
            double py = yOf(clamp01(p.quality()), yLo, yHi, qTop, qBottom);
            double lo = yOf(clamp01(finiteOr(p.ciLow(), p.quality())), yLo, yHi, qTop, qBottom);
            double hi = yOf(clamp01(finiteOr(p.ciHigh(), p.quality())), yLo, yHi, qTop, qBottom);
            placed.add(new Placed(p, px, py, lo, hi, rec, rgb, null, 0, 0));
        }
        List<Placed> drawn = labelled(placed);

        // The frontier as "best quality you can buy at this cost per item": horizontal from each frontier
        // point to the next one's cost, then up to its quality; the last runs to the plot's right edge.
        List<Placed> front = new ArrayList<>(drawn.stream().filter(pl -> pl.point().onFrontier()).toList());
        front.sort(Comparator.comparing((Placed pl) -> pl.point().costPerItemUsd())
                .thenComparing(pl -> pl.point().quality()));
        List<double[]> steps = new ArrayList<>();
        for (int i = 0; i < front.size(); i++) {
            Placed f = front.get(i);
            steps.add(new double[] {f.x(), f.y()});
            double nextX = i + 1 < front.size() ? front.get(i + 1).x() : right;
            steps.add(new double[] {nextX, f.y()});
        }
        return new ChartLayout(WIDTH, HEIGHT, left, top, right, bottom, log, List.copyOf(xTicks),
                List.copyOf(yTicks), drawn, List.copyOf(steps), List.copyOf(unpriced),
                List.copyOf(unplottable), overCap, report.sandbox());
    }

    /**
     * Places the id labels: right of each mark, above it or else below it, skipping a label that would overlap
     * one already placed; the recommended point is labelled first, then frontier points, then single models.
     */
    private static List<Placed> labelled(List<Placed> placed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < placed.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> placed.get(i).recommended() ? 0 : 1)
                .thenComparingInt(i -> placed.get(i).point().onFrontier() ? 0 : 1)
                .thenComparingInt(i -> placed.get(i).point().singleModel() ? 0 : 1));
        List<double[]> boxes = new ArrayList<>();
        Placed[] out = placed.toArray(new Placed[0]);
        for (int i : order) {
            Placed p = placed.get(i);
            String text = p.point().id().length() > 16 ? p.point().id().substring(0, 16) + "\u2026" : p.point().id();
            double r = p.recommended() ? RECOMMENDED_RADIUS : RADIUS;
            double w = text.length() * LABEL_CHAR + 2;
            double lx = p.x() + r + 3;
            for (double ly : new double[] {p.y() - r - 1, p.y() + r + 11}) {
                double[] box = {lx, ly - 10, lx + w, ly + 2};
                if (boxes.stream().noneMatch(b -> b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])
                        && box[2] <= WIDTH) {
                    boxes.add(box);
                    out[i] = new Placed(p.point(), p.x(), p.y(), p.yCiLow(), p.yCiHigh(), p.recommended(), p.rgb(),
                            text, lx, ly);
                    break;
                }
            }
        }
        return List.of(out);
    }

    /** The axis title under the cost axis. */
    public String xTitle() {
        return "cost per item, USD" + (logCost ? " (log scale)" : "");
    }

    /** The note drawn on the chart of a sandbox report. */
    public static String sandboxNote() {
        return "SANDBOX: fictional models on a fictional dataset. No figure here is evidence about real models.";
    }

    private static double finiteOr(double v, double fallback) {
        return Double.isFinite(v) ? v : fallback;
    }

    private static double clamp01(double v) {
        return Double.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
    }

    private static double yOf(double q, double lo, double hi, double top, double bottom) {
        return bottom - (q - lo) / (hi - lo) * (bottom - top);
    }

    /** A cost axis: its ticks and how a cost is placed between the plot's left and right edges. */
    private record Axis(List<BigDecimal> ticks, BigDecimal lo, BigDecimal hi, boolean log) {
        double place(BigDecimal cost, double left, double right) {
            double pad = 16;
            double a = left + pad;
            double b = right - pad;
            if (log) {
                double l = Math.log10(lo.doubleValue());
                double h = Math.log10(hi.doubleValue());
                return a + (Math.log10(cost.doubleValue()) - l) / (h - l) * (b - a);
            }
            BigDecimal span = hi.subtract(lo);
            double f = cost.subtract(lo).divide(span, MathContext.DECIMAL64).doubleValue();
            return a + f * (b - a);
        }
    }

    private static Axis logAxis(BigDecimal min, BigDecimal max) {
        // The data's range widened by a factor of 1.5 each side; ticks at 1, 2 and 5 times each power of ten
        // inside it (only the powers of ten when the range spans more than three decades).
        BigDecimal lo = min.divide(new BigDecimal("1.5"), MathContext.DECIMAL64);
        BigDecimal hi = max.multiply(new BigDecimal("1.5"));
        int from = floorLog10(lo);
        int to = floorLog10(hi);
        int[] mantissas = to - from > 3 ? new int[] {1} : new int[] {1, 2, 5};
        List<BigDecimal> ticks = new ArrayList<>();
        for (int k = from; k <= to; k++) {
            for (int m : mantissas) {
                BigDecimal t = BigDecimal.valueOf(m).scaleByPowerOfTen(k);
                if (t.compareTo(lo) >= 0 && t.compareTo(hi) <= 0) {
                    ticks.add(t);
                }
            }
        }
        return new Axis(ticks, lo, hi, true);
    }

    private static Axis linearAxis(BigDecimal min, BigDecimal max) {
        if (min == null) {
            min = BigDecimal.ZERO;
            max = new BigDecimal("0.01");
        }
        BigDecimal lo = min.min(BigDecimal.ZERO).signum() < 0 ? min : BigDecimal.ZERO;
        BigDecimal hi = max.signum() > 0 ? max : new BigDecimal("0.01");
        // A 1-2-5 step giving at most 6 intervals from lo to hi.
        BigDecimal span = hi.subtract(lo);
        int mag = floorLog10(span) - 1;
        BigDecimal step = null;
        outer:
        for (int m = mag; m <= mag + 3; m++) {
            for (int f : new int[] {1, 2, 5}) {
                BigDecimal s = BigDecimal.valueOf(f).scaleByPowerOfTen(m);
                if (span.divide(s, 0, RoundingMode.CEILING).intValue() <= 6) {
                    step = s;
                    break outer;
                }
            }
        }
        BigDecimal first = lo.divide(step, 0, RoundingMode.FLOOR).multiply(step);
        BigDecimal last = hi.divide(step, 0, RoundingMode.CEILING).multiply(step);
        List<BigDecimal> ticks = new ArrayList<>();
        for (BigDecimal t = first; t.compareTo(last) <= 0; t = t.add(step)) {
            ticks.add(t);
        }
        return new Axis(ticks, first, last, false);
    }

    private static int floorLog10(BigDecimal v) {
        // precision - scale - 1 is the exponent of the leading digit.
        BigDecimal s = v.abs().stripTrailingZeros();
        if (s.signum() == 0) {
            return -6;
        }
        return s.precision() - s.scale() - 1;
    }
}
