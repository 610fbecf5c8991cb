package dev.fusion.cli.tune;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The search over configurations, with pruning that never drops a frontier point.
 *
 * <p>Every configuration comes with bounds known before it is evaluated: a lower bound on its cost
 * per item (the exact cached costs of its members' first answers, which every strategy pays, plus
 * nothing for the judge) and an upper bound on its quality (per item, the best quality of any of
 * its members or of its judge's model answering alone, averaged over the items). Configurations are
 * evaluated in waves, cheapest lower bound first; one is pruned when an already evaluated point
 * with a known cost dominates it whatever its real figures within those bounds: quality at least
 * the upper bound at a cost strictly below the lower bound, or quality strictly above the upper
 * bound at a cost at most the lower bound. Domination is transitive, so a pruned configuration
 * could never be on the frontier, provided the quality bound holds. That is the one assumption:
 * <em>a fused answer is not better on an item than the best of its members and its judge's model
 * answering that item alone</em>. With {@code prune = false} every configuration is evaluated.
 * Stateless; thread-safe.
 */
public final class Search {

    private Search() {
    }

    /**
     * A configuration's bounds.
     *
     * @param id           the configuration's id
     * @param costLower    lower bound of the mean cost per item, or null when unknown (never pruned then)
     * @param qualityUpper upper bound of the mean quality
     */
    public record Bound(String id, BigDecimal costLower, double qualityUpper) {
        public Bound {
            Objects.requireNonNull(id, "id");
        }
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

    /** Evaluates a wave of configurations (all at once, so their calls can share a batch). */
    @FunctionalInterface
    public interface Evaluator {
        List<Scored> evaluate(List<String> ids) throws InterruptedException;
    }

    /**
     * What the search did.
     *
     * @param evaluated the configurations evaluated, in evaluation order
     * @param pruned    the ids pruned without evaluation
     */
    public record Outcome(List<Scored> evaluated, List<String> pruned) {
    }

    /**
     * Runs the search.
     *
     * @param known      points already evaluated (the single models), used for pruning
     * @param candidates the configurations with their bounds
     * @param prune      false: evaluate everything
     * @param wave       how many configurations to evaluate per wave (at least 1)
     */
    public static Outcome run(List<Scored> known, List<Bound> candidates, boolean prune, int wave, Evaluator evaluator)
            throws InterruptedException {
        if (wave < 1) {
            throw new IllegalArgumentException("wave must be at least 1");
        }
        List<Bound> order = new ArrayList<>(candidates);
        order.sort(Comparator.comparing(Bound::costLower, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(b -> -b.qualityUpper()).thenComparing(Bound::id));
        List<Scored> points = new ArrayList<>(known);
        List<Scored> evaluated = new ArrayList<>();
        List<String> pruned = new ArrayList<>();
        int i = 0;
        while (i < order.size()) {
            List<String> batch = new ArrayList<>();
            while (i < order.size() && batch.size() < wave) {
                Bound b = order.get(i++);
                if (prune && dominated(b, points)) {
                    pruned.add(b.id());
                } else {
                    batch.add(b.id());
                }
            }
            if (batch.isEmpty()) {
                continue;
            }
            List<Scored> got = evaluator.evaluate(batch);
            evaluated.addAll(got);
            points.addAll(got);
        }
        return new Outcome(evaluated, pruned);
    }

    /** Whether some point with a known cost dominates every outcome within {@code b}'s bounds. */
    public static boolean dominated(Bound b, List<Scored> points) {
        if (b.costLower() == null) {
            return false;
        }
        for (Scored p : points) {
            if (p.cost() == null) {
                continue;
            }
            int c = p.cost().compareTo(b.costLower());
            if ((p.quality() >= b.qualityUpper() && c < 0) || (p.quality() > b.qualityUpper() && c <= 0)) {
                return true;
            }
        }
        return false;
    }
}
