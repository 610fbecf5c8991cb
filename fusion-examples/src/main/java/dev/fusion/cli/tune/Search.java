package dev.fusion.cli.tune;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The search over configurations, with pruning that never drops a frontier point.
 *
 * <p>Every configuration comes with per-item bounds known before it is evaluated: a lower bound on its
 * cost (the exact cached costs of its members' first answers, which every strategy of
 * {@link TuneRun} bounds this way pays, plus nothing for the judge) and an upper bound on its quality
 * (the best quality of any of its members or of its judge's model answering that item alone).
 * Configurations are evaluated in waves, cheapest lower bound first, and each wave item chunk by item
 * chunk; after every chunk a configuration's bounds are refined (its real figures on the items done,
 * its bounds on the rest). A configuration is dropped, before or during its evaluation, when an already
 * evaluated point with a known cost dominates it whatever its real figures within those bounds:
 * quality at least the upper bound at a cost strictly below the lower bound, or quality strictly
 * above the upper bound at a cost at most the lower bound. Domination is transitive, so a dropped
 * configuration could never be on the frontier, provided the quality bound holds. That is the one
 * assumption: <em>a fused answer is not better on an item than the best of its members and its
 * judge's model answering that item alone</em>. With {@code prune = false} everything is evaluated.
 * Qualities are compared with a 1e-9 tolerance on the safe side (two different means of item scores
 * differ by far more). Stateless; thread-safe.
 */
public final class Search {

    private static final double EPS = 1e-9;

    private Search() {
    }

    /**
     * A configuration's per-item bounds.
     *
     * @param id           the configuration's id
     * @param costLower    per item, a lower bound of its cost, or null when unknown (never pruned then)
     * @param qualityUpper per item, an upper bound of its quality
     */
    public record Bound(String id, List<BigDecimal> costLower, List<Double> qualityUpper) {
        public Bound {
            Objects.requireNonNull(id, "id");
            costLower = java.util.Collections.unmodifiableList(new ArrayList<>(costLower));
            qualityUpper = List.copyOf(qualityUpper);
            if (costLower.size() != qualityUpper.size()) {
                throw new IllegalArgumentException("one cost and one quality bound per item");
            }
        }
    }

    /** A point's figure on one item: quality 0..1 and cost, null when unknown. */
    public record ItemScore(double quality, BigDecimal cost) {
    }

    /**
     * An evaluated point.
     *
     * @param id      its id
     * @param quality mean quality over the items
     * @param cost    mean cost per item, or null when unknown (such a point never prunes anything)
     */
    public record Scored(String id, double quality, BigDecimal cost) {
    }

    /** Evaluates configurations on items {@code from} (inclusive) to {@code to} (exclusive), all at once. */
    @FunctionalInterface
    public interface Evaluator {
        /** Per id, its scores on those items in order. */
        Map<String, List<ItemScore>> evaluate(List<String> ids, int from, int to) throws InterruptedException;
    }

    /**
     * What the search did.
     *
     * @param evaluated the configurations evaluated on every item, in completion order
     * @param pruned    the ids dropped before any evaluation
     * @param stopped   the ids dropped part-way (their bounds on the items left could not save them)
     */
    public record Outcome(List<Scored> evaluated, List<String> pruned, List<String> stopped) {
    }

    /**
     * Runs the search.
     *
     * @param known      points already evaluated (the single models), used for pruning
     * @param candidates the configurations with their bounds (all with the same number of items, at least 1)
     * @param prune      false: evaluate everything
     * @param wave       configurations per wave (at least 1)
     * @param chunk      items per step within a wave (at least 1)
     */
    public static Outcome run(List<Scored> known, List<Bound> candidates, boolean prune, int wave, int chunk,
                              Evaluator evaluator) throws InterruptedException {
        if (wave < 1 || chunk < 1) {
            throw new IllegalArgumentException("wave and chunk must be at least 1");
        }
        List<Bound> order = new ArrayList<>(candidates);
        order.sort(Comparator.comparing((Bound b) -> mean(b.costLower(), b.costLower().size()),
                        Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(b -> -mean(b.qualityUpper())).thenComparing(Bound::id));
        List<Scored> points = new ArrayList<>(known);
        List<Scored> evaluated = new ArrayList<>();
        List<String> pruned = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        int i = 0;
        while (i < order.size()) {
            Map<String, Progress> batch = new LinkedHashMap<>();
            while (i < order.size() && batch.size() < wave) {
                Bound b = order.get(i++);
                Progress p = new Progress(b);
                if (prune && dominated(p.quality(), p.cost(), points)) {
                    pruned.add(b.id());
                } else {
                    batch.put(b.id(), p);
                }
            }
            int items = batch.isEmpty() ? 0 : batch.values().iterator().next().bound.qualityUpper().size();
            for (int from = 0; from < items && !batch.isEmpty(); from += chunk) {
                int to = Math.min(items, from + chunk);
                Map<String, List<ItemScore>> got = evaluator.evaluate(List.copyOf(batch.keySet()), from, to);
                for (Map.Entry<String, Progress> e : List.copyOf(batch.entrySet())) {
                    Progress p = e.getValue();
                    List<ItemScore> s = got.get(e.getKey());
                    for (int k = 0; k < to - from; k++) {
                        p.record(from + k, s.get(k));
                    }
                    if (to == items) {
                        Scored done = new Scored(e.getKey(), p.quality(), p.cost());
                        evaluated.add(done);
                        points.add(done);
                    } else if (prune && dominated(p.quality(), p.cost(), points)) {
                        stopped.add(e.getKey());
                        batch.remove(e.getKey());
                    }
                }
            }
        }
        return new Outcome(evaluated, pruned, stopped);
    }

    /** A configuration's real figures on the items done and its bounds on the rest. */
    private static final class Progress {
        final Bound bound;
        final double[] quality;
        final BigDecimal[] cost;
        final boolean[] known;

        Progress(Bound b) {
            this.bound = b;
            int n = b.qualityUpper().size();
            quality = new double[n];
            cost = new BigDecimal[n];
            known = new boolean[n];
            for (int i = 0; i < n; i++) {
                quality[i] = b.qualityUpper().get(i);
                cost[i] = b.costLower().get(i);
            }
        }

        void record(int item, ItemScore s) {
            quality[item] = s.quality();
            cost[item] = s.cost();
            known[item] = true;
        }

        /** The mean quality: real on items done, upper bounds on the rest (summed in item order). */
        double quality() {
            double sum = 0;
            for (double q : quality) {
                sum += q;
            }
            return sum / quality.length;
        }

        /** The mean cost: real on items done, lower bounds on the rest; null when any is unknown. */
        BigDecimal cost() {
            return mean(java.util.Arrays.asList(cost), cost.length);
        }
    }

    /** The mean of per-item costs as {@link TuneRun.PointResult#costPerItem()} computes it, or null when any is null. */
    static BigDecimal mean(List<BigDecimal> costs, int n) {
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal c : costs) {
            if (c == null) {
                return null;
            }
            sum = sum.add(c);
        }
        return sum.divide(BigDecimal.valueOf(n), 12, java.math.RoundingMode.HALF_UP).stripTrailingZeros();
    }

    private static double mean(List<Double> qs) {
        double sum = 0;
        for (double q : qs) {
            sum += q;
        }
        return qs.isEmpty() ? 0 : sum / qs.size();
    }

    /**
     * Whether some point with a known cost dominates every outcome of a configuration whose quality is
     * at most {@code qualityUpper} and whose cost is at least {@code costLower} (null: unknown, never dominated).
     */
    public static boolean dominated(double qualityUpper, BigDecimal costLower, List<Scored> points) {
        if (costLower == null) {
            return false;
        }
        for (Scored p : points) {
            if (p.cost() == null) {
                continue;
            }
            int c = p.cost().compareTo(costLower);
            if ((p.quality() >= qualityUpper - EPS && c < 0) || (p.quality() > qualityUpper + EPS && c <= 0)) {
                return true;
            }
        }
        return false;
    }
}
