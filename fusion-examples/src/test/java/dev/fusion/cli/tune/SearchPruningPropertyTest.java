package dev.fusion.cli.tune;

import dev.fusion.cli.eval.Pareto;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pruning never drops a frontier point: on many small random instances (seeded; a failure names its
 * seed) the frontier found with pruning (before and during evaluation, any wave and chunk size) equals
 * the exhaustive one, point for point. Each instance has random single models (per-item quality and
 * cost, ties frequent on purpose) and configurations whose real per-item quality is random but within
 * the documented assumption (at most the best of its members and its judge alone) and whose cost is
 * its members' costs plus a random judge cost.
 */
class SearchPruningPropertyTest {

    record Instance(List<Search.Scored> singles, List<Search.Bound> bounds, Map<String, List<Search.ItemScore>> truth) {
    }

    static Instance instance(Random r) {
        int items = 1 + r.nextInt(6);
        int models = 2 + r.nextInt(4);
        double[] levels = {0, 0.5, 1};
        double[][] q = new double[models][items];
        BigDecimal[][] c = new BigDecimal[models][items];
        List<Search.Scored> singles = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            List<BigDecimal> costs = new ArrayList<>();
            double qs = 0;
            for (int i = 0; i < items; i++) {
                q[m][i] = levels[r.nextInt(3)];
                c[m][i] = BigDecimal.valueOf(r.nextInt(4)); // small integers: equal costs happen often
                costs.add(c[m][i]);
                qs += q[m][i];
            }
            singles.add(new Search.Scored("m" + m, qs / items, Search.mean(costs, items)));
        }
        List<Search.Bound> bounds = new ArrayList<>();
        Map<String, List<Search.ItemScore>> truth = new HashMap<>();
        int n = 0;
        for (int mask = 1; mask < (1 << models); mask++) {
            if (Integer.bitCount(mask) < 2) {
                continue;
            }
            for (int judge = 0; judge < models; judge++) {
                String id = "c" + (n++);
                List<Double> ub = new ArrayList<>();
                List<BigDecimal> lb = new ArrayList<>();
                List<Search.ItemScore> real = new ArrayList<>();
                for (int i = 0; i < items; i++) {
                    double best = q[judge][i];
                    BigDecimal members = BigDecimal.ZERO;
                    for (int m = 0; m < models; m++) {
                        if ((mask & (1 << m)) != 0) {
                            best = Math.max(best, q[m][i]);
                            members = members.add(c[m][i]);
                        }
                    }
                    ub.add(best);
                    lb.add(members);
                    List<Double> allowed = new ArrayList<>();
                    for (double l : levels) {
                        if (l <= best) {
                            allowed.add(l);
                        }
                    }
                    double quality = r.nextInt(3) == 0 ? best : allowed.get(r.nextInt(allowed.size()));
                    real.add(new Search.ItemScore(quality, members.add(BigDecimal.valueOf(r.nextInt(3)))));
                }
                bounds.add(new Search.Bound(id, lb, ub));
                truth.put(id, real);
            }
        }
        return new Instance(singles, bounds, truth);
    }

    static TreeSet<String> frontier(List<Search.Scored> points) {
        List<Pareto.Point> pp = points.stream().map(p -> new Pareto.Point(p.id(), p.quality(), p.cost())).toList();
        return new TreeSet<>(Pareto.front(pp));
    }

    @Test
    void pruningNeverDropsAFrontierPoint() throws Exception {
        int prunedSomewhere = 0;
        int stoppedSomewhere = 0;
        for (long seed = 1; seed <= 3000; seed++) {
            Instance in = instance(new Random(seed));
            Search.Evaluator ev = (ids, from, to) -> {
                Map<String, List<Search.ItemScore>> out = new HashMap<>();
                ids.forEach(id -> out.put(id, in.truth().get(id).subList(from, to)));
                return out;
            };
            int wave = 1 + (int) (seed % 4);
            int chunk = 1 + (int) (seed / 4 % 3);
            Search.Outcome all = Search.run(in.singles(), in.bounds(), false, wave, chunk, ev);
            Search.Outcome pruned = Search.run(in.singles(), in.bounds(), true, wave, chunk, ev);
            List<Search.Scored> a = new ArrayList<>(in.singles());
            a.addAll(all.evaluated());
            List<Search.Scored> b = new ArrayList<>(in.singles());
            b.addAll(pruned.evaluated());
            assertThat(all.pruned()).isEmpty();
            assertThat(all.stopped()).isEmpty();
            assertThat(all.evaluated()).hasSize(in.bounds().size());
            assertThat(frontier(b)).as("seed %d", seed).isEqualTo(frontier(a));
            assertThat(pruned.evaluated().size() + pruned.pruned().size() + pruned.stopped().size())
                    .isEqualTo(in.bounds().size());
            prunedSomewhere += pruned.pruned().isEmpty() ? 0 : 1;
            stoppedSomewhere += pruned.stopped().isEmpty() ? 0 : 1;
        }
        // the property is not vacuous: both kinds of pruning happen on many instances
        assertThat(prunedSomewhere).isGreaterThan(1000);
        assertThat(stoppedSomewhere).isGreaterThan(100);
    }

    @Test
    void aConfigurationIsPrunedOnlyWhenAPointBeatsItsBounds() {
        BigDecimal two = new BigDecimal("2");
        assertThat(Search.dominated(0.8, two, List.of(new Search.Scored("p", 0.8, new BigDecimal("1.9"))))).isTrue();
        assertThat(Search.dominated(0.8, two, List.of(new Search.Scored("p", 0.9, two)))).isTrue();
        // equal quality at equal cost: the configuration could tie p on the frontier, so it is kept
        assertThat(Search.dominated(0.8, two, List.of(new Search.Scored("p", 0.8, two)))).isFalse();
        assertThat(Search.dominated(0.8, two, List.of(new Search.Scored("p", 0.79, BigDecimal.ZERO)))).isFalse();
        assertThat(Search.dominated(0.8, two, List.of(new Search.Scored("p", 1.0, null)))).as("unknown cost never prunes").isFalse();
        assertThat(Search.dominated(0, null, List.of(new Search.Scored("p", 1.0, BigDecimal.ZERO))))
                .as("an unknown bound is never pruned").isFalse();
    }
}
