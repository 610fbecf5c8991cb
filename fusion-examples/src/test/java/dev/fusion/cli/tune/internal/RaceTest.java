package dev.fusion.cli.tune.internal;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The racing search: it finds the recommendation an exhaustive search finds when its estimates hold (costs
 * that do not vary by item, one judge cost per judge, strategy and panel size), on many random instances,
 * and it leaves an expensive single model after the screen once a cheaper point reaches the bar.
 */
class RaceTest {

    record Instance(List<Race.Point> points, Map<String, List<Race.ItemScore>> truth, int items) {
    }

    /** Random singles (per-item quality, one cost per model) and every panel of 2 under every judge. */
    static Instance instance(Random r) {
        int items = 2 + r.nextInt(8);
        int models = 2 + r.nextInt(4);
        double[] levels = {0, 0.5, 1};
        List<Race.Point> points = new ArrayList<>();
        Map<String, List<Race.ItemScore>> truth = new HashMap<>();
        double[][] q = new double[models][items];
        BigDecimal[] cost = new BigDecimal[models];
        BigDecimal[] judgeCost = new BigDecimal[models];
        for (int m = 0; m < models; m++) {
            cost[m] = BigDecimal.valueOf(r.nextInt(10));
            judgeCost[m] = BigDecimal.valueOf(r.nextInt(5));
            List<Race.ItemScore> s = new ArrayList<>();
            for (int i = 0; i < items; i++) {
                q[m][i] = levels[r.nextInt(3)];
                s.add(new Race.ItemScore(q[m][i], cost[m], null));
            }
            points.add(Race.Point.single("m" + m, null));
            truth.put("m" + m, s);
        }
        int n = 0;
        for (int a = 0; a < models; a++) {
            for (int b = a + 1; b < models; b++) {
                for (int j = 0; j < models; j++) {
                    String id = "c" + (n++);
                    List<Race.ItemScore> s = new ArrayList<>();
                    for (int i = 0; i < items; i++) {
                        double best = Math.max(q[j][i], Math.max(q[a][i], q[b][i]));
                        double quality = r.nextBoolean() ? best : levels[r.nextInt(3)] > best ? best : levels[r.nextInt(3)];
                        quality = Math.min(quality, best);
                        s.add(new Race.ItemScore(quality, cost[a].add(cost[b]).add(judgeCost[j]), judgeCost[j]));
                    }
                    points.add(new Race.Point(id, false, List.of("m" + a, "m" + b, "m" + j), List.of("m" + a, "m" + b),
                            "m" + j + "|s|2", "s|2", judgeCost[j].doubleValue(), null)); // weight ∝ cost: scaled estimates hold
                    truth.put(id, s);
                }
            }
        }
        return new Instance(points, truth, items);
    }

    static Race.Evaluator evaluator(Instance in, Map<String, Integer> asked) {
        return ranges -> {
            Map<String, List<Race.ItemScore>> out = new HashMap<>();
            ranges.forEach((id, at) -> {
                List<Race.ItemScore> got = new ArrayList<>();
                for (int i : at) {
                    got.add(in.truth().get(id).get(i));
                }
                out.put(id, got);
                asked.merge(id, at.length, Integer::sum);
            });
            return out;
        };
    }

    static double mean(List<Race.ItemScore> s) {
        return s.stream().mapToDouble(Race.ItemScore::quality).sum() / s.size();
    }

    /** The cheapest cost of a point evaluated on every item with quality at least the target, or null. */
    static BigDecimal cheapestAt(Map<String, List<Race.ItemScore>> done, int items, double target) {
        BigDecimal best = null;
        for (List<Race.ItemScore> s : done.values()) {
            if (s.size() == items && !s.contains(null) && mean(s) >= target - 1e-9) {
                BigDecimal c = s.get(0).cost(); // constant per point in these instances
                best = best == null || c.compareTo(best) < 0 ? c : best;
            }
        }
        return best;
    }

    @Test
    void withATargetTheRaceFindsTheExhaustiveRecommendationWhenItsEstimatesHold() throws Exception {
        int saved = 0;
        for (long seed = 1; seed <= 2000; seed++) {
            Instance in = instance(new Random(seed));
            double target = new double[] {0.5, 0.75, 1.0}[(int) (seed % 3)];
            BigDecimal exhaustive = cheapestAt(in.truth(), in.items(), target);
            Map<String, Integer> asked = new HashMap<>();
            Race.Outcome o = Race.run(in.items(), in.points(), (int) (seed % 2), 0, target, evaluator(in, asked));
            assertThat(cheapestAt(o.done(), in.items(), target)).as("seed %d", seed).isEqualTo(exhaustive);
            int all = in.points().size() * in.items();
            int paid = asked.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(paid).isLessThanOrEqualTo(all);
            saved += paid < all ? 1 : 0;
        }
        assertThat(saved).as("instances where the race evaluated less than everything").isGreaterThan(1500);
    }

    @Test
    void withRungsTheRaceFindsTheExhaustiveRecommendationWhenItsEstimatesHold() throws Exception {
        for (long seed = 1; seed <= 1000; seed++) {
            Instance in = instance(new Random(seed));
            double target = new double[] {0.5, 0.75, 1.0}[(int) (seed % 3)];
            BigDecimal exhaustive = cheapestAt(in.truth(), in.items(), target);
            Map<String, Integer> asked = new HashMap<>();
            Race.Outcome o = Race.run(in.items(), in.points(), 0, 0, target, true, evaluator(in, asked));
            assertThat(cheapestAt(o.done(), in.items(), target)).as("seed %d", seed).isEqualTo(exhaustive);
            asked.forEach((id, n) -> assertThat(n).as("each point once per item at most").isLessThanOrEqualTo(in.items()));
        }
    }

    /**
     * The lazy bar, without a target: when some single model is right on every item (the bar is then 100 % minus
     * the margin whatever it costs), the race finds the exhaustive recommendation's cost, its bar's upper bound
     * is never below the real bar, and the perfect single model is asked only if nothing cheaper reaches the bar.
     */
    @Test
    void theLazyBarFindsTheExhaustiveRecommendationWhenTheBestSingleModelIsPerfect() throws Exception {
        int notAsked = 0;
        for (long seed = 1; seed <= 1000; seed++) {
            Random r = new Random(seed);
            Instance base = instance(r);
            // m0 becomes perfect and the most expensive single model; weights proportional to cost
            List<Race.Point> points = new ArrayList<>();
            Map<String, List<Race.ItemScore>> truth = new HashMap<>(base.truth());
            List<Race.ItemScore> perfect = new ArrayList<>();
            for (int i = 0; i < base.items(); i++) {
                perfect.add(new Race.ItemScore(1, new BigDecimal("100"), null));
            }
            truth.put("m0", perfect);
            for (Race.Point p : base.points()) {
                if (p.single()) {
                    BigDecimal c = truth.get(p.id()).get(0).cost();
                    points.add(Race.Point.single(p.id(), null, c.doubleValue() + 1));
                } else if (!p.parts().contains("m0")) { // m0 is a single model only (its old figures are gone)
                    points.add(p);
                } else {
                    truth.remove(p.id());
                }
            }
            Instance in = new Instance(points, truth, base.items());
            double margin = new double[] {0, 0.02, 0.3}[(int) (seed % 3)];
            double realBar = 1 - margin;
            BigDecimal exhaustive = cheapestAt(truth, in.items(), realBar);
            Map<String, Integer> asked = new HashMap<>();
            Race.Outcome o = Race.run(in.items(), points, 0, margin, null, evaluator(in, asked));
            assertThat(o.barUpperBound()).as("seed %d", seed).isGreaterThanOrEqualTo(realBar - 1e-9);
            assertThat(o.bar()).as("seed %d", seed).isEqualTo(realBar, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(cheapestAt(o.done(), in.items(), o.bar())).as("seed %d", seed).isEqualTo(exhaustive);
            if (!asked.containsKey("m0")) {
                notAsked++;
                BigDecimal found = cheapestAt(o.done(), in.items(), realBar);
                assertThat(found).as("seed %d: without m0, a cheaper point reached the bar", seed).isNotNull();
                assertThat(found).isLessThan(new BigDecimal("100"));
            }
        }
        assertThat(notAsked).as("instances where the perfect, expensive single model was never asked").isGreaterThan(100);
    }

    @Test
    void anExpensiveBestSingleModelIsLeftAfterTheScreenOnceACheaperPanelReachesTheBar() throws Exception {
        int items = 8;
        // a: cheap, right on even items; b: cheap, right on odd items; s: expensive, always right; j: judge
        Map<String, List<Race.ItemScore>> truth = new HashMap<>();
        List<Race.Point> points = new ArrayList<>();
        String[] singles = {"a", "b", "s", "j"};
        BigDecimal[] costs = {new BigDecimal("1"), new BigDecimal("1"), new BigDecimal("50"), new BigDecimal("2")};
        for (int m = 0; m < singles.length; m++) {
            List<Race.ItemScore> s = new ArrayList<>();
            for (int i = 0; i < items; i++) {
                double quality = switch (singles[m]) {
                    case "a" -> i % 2 == 0 ? 1 : 0;
                    case "b" -> i % 2 == 1 ? 1 : 0;
                    case "s" -> 1;
                    default -> i == 0 ? 1 : 0;
                };
                s.add(new Race.ItemScore(quality, costs[m], null));
            }
            truth.put(singles[m], s);
            // price weights as the CLI passes them (here proportional to the costs)
            points.add(Race.Point.single(singles[m], null, costs[m].doubleValue()));
        }
        List<Race.ItemScore> ab = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            ab.add(new Race.ItemScore(1, new BigDecimal("12"), new BigDecimal("10")));
        }
        truth.put("ab", ab);
        points.add(new Race.Point("ab", false, List.of("a", "b", "j"), List.of("a", "b"), "j|s|2", "s|2", 1, null));
        Instance in = new Instance(points, truth, items);
        Map<String, Integer> asked = new HashMap<>();

        Race.Outcome o = Race.run(items, points, 0, 0.02, null, evaluator(in, asked)); // no screen, as the CLI runs it

        assertThat(o.count("ab")).isEqualTo(items);
        // the lazy bar: the panel reaches 100 % - margin, the highest the bar can be, so the expensive single
        // model is never asked (the old screen asked it once)
        assertThat(asked.getOrDefault("s", 0)).as("the expensive single model").isLessThanOrEqualTo(1).isZero();
        assertThat(o.bar()).isEqualTo(0.98);
        assertThat(o.barUpperBound()).isEqualTo(0.98);
        // the panel's members answer each item once, ahead of its judge; its judge's model alone is not asked
        // where a member is right (here: every item), as its answer could not lower the panel's bound there
        assertThat(asked.get("a")).isEqualTo(items);
        assertThat(asked.get("b")).isEqualTo(items);
        // (it may be asked as a candidate of its own, cheaper than the panel, until it fails an item)
        assertThat(asked.getOrDefault("j", 0)).isLessThanOrEqualTo(1);
    }
}
