package dev.fusion.bench.load;

import java.util.Arrays;

/** Percentiles of a sample (nearest rank). */
final class Stats {

    private final double[] sorted;

    Stats(double[] values) {
        sorted = values.clone();
        Arrays.sort(sorted);
    }

    /** {@code x[i] / y[i]} for every window {@code i}: ratios paired window by window (same round, same load). */
    static java.util.List<Double> pairedRatios(java.util.List<Double> x, java.util.List<Double> y) {
        java.util.List<Double> r = new java.util.ArrayList<>(x.size());
        for (int i = 0; i < x.size(); i++) {
            r.add(x.get(i) / y.get(i));
        }
        return r;
    }

    static Stats of(java.util.Collection<? extends Number> values) {
        return new Stats(values.stream().mapToDouble(Number::doubleValue).toArray());
    }

    int n() {
        return sorted.length;
    }

    double p(double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    double mean() {
        return Arrays.stream(sorted).average().orElse(Double.NaN);
    }

    double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    String fmt(String unit) {
        if (unit.isEmpty()) {
            return String.format("n=%d p50=%.3f p90=%.3f p99=%.3f max=%.3f mean=%.3f", n(), p(50), p(90), p(99), max(), mean());
        }
        return String.format("n=%d p50=%.2f%s p90=%.2f%s p99=%.2f%s max=%.2f%s mean=%.2f%s", n(), p(50), unit, p(90), unit,
                p(99), unit, max(), unit, mean(), unit);
    }
}
