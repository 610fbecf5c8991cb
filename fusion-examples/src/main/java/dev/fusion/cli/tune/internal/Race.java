package dev.fusion.cli.tune.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The racing search of {@code fusion tune --prune race}: it looks for the recommendation (the cheapest point
 * whose quality reaches the bar: the best single model's quality minus the margin, or a target) while paying
 * as few calls as it can, and gives up the complete frontier for it.
 *
 * <ol>
 *   <li><b>Screen</b>: every single model answers the first {@code screen} items. The best single model's mean
 *   there, minus the margin, is the estimated bar (a target, when given, is the bar).</li>
 *   <li><b>Best estimate first</b>: repeatedly, the eligible point with the lowest estimated cost per item is
 *   advanced by a chunk of items. A point's cost estimate is its mean cost on the items done; before any, a
 *   configuration's is its members' estimates plus a judge estimate learned from evaluated configurations with
 *   the same judge, strategy and panel size (or, scaled by price weight, another judge's), 0 when nothing is
 *   known yet; a single model's is its prior.</li>
 *   <li>A point is <b>eligible</b> while (a) its quality upper bound (real scores on the items done; on the
 *   others, 1 for a single model, and for a configuration the best score of its members and its judge's model
 *   alone where known) reaches the bar, and (b) no finished point at or above the bar (the incumbent) costs
 *   less than 5 % more than its estimate (a near-tie is not pursued; a point part-way is compared with the
 *   incumbent on the same items). Eligibility is re-checked before every step, so a bar that moves brings
 *   points back.</li>
 *   <li>Before a configuration's judge is paid on items, its members and its judge's model answer those items
 *   alone (their answers are needed anyway or cheap), so its upper bound there is known first.</li>
 * </ol>
 *
 * Rule (a) is exact given the bar; the bar and rule (b) are estimates, so a point left part-way is an
 * estimate and the frontier of the finished points may miss points that exhaustive search would find. Not
 * thread-safe; one call runs one race.
 */
public final class Race {

    private static final double EPS = 1e-9;
    /** A point estimated within this fraction of the incumbent's cost is a tie, not pursued. */
    static final BigDecimal TIE = new BigDecimal("0.05");
    /** Items (in screens) a configuration's parts answer beyond the chunk its judge is about to be paid for. */
    static final int LOOKAHEAD = 3;

    private Race() {
    }

    /**
     * A point in the race.
     *
     * @param id          unique id
     * @param single      a single model alone
     * @param parts       for a configuration: the ids of the single points of its members and of its judge's model
     * @param members     for a configuration: the ids of the single points of its members (cost estimate)
     * @param judgeKey    for a configuration: judge, strategy and panel size (judge estimates are shared by it)
     * @param strategyKey for a configuration: strategy and panel size (a judge estimate of another judge, scaled)
     * @param judgeWeight the judge's price weight (for scaling another judge's estimate), or 0 when unknown
     * @param prior       a single model's cost estimate per item before any answer (ordering only), or null
     */
    public record Point(String id, boolean single, List<String> parts, List<String> members, String judgeKey,
                        String strategyKey, double judgeWeight, BigDecimal prior) {
        public Point {
            Objects.requireNonNull(id, "id");
            parts = List.copyOf(parts);
            members = List.copyOf(members);
        }

        /** A single model. */
        public static Point single(String id, BigDecimal prior) {
            return new Point(id, true, List.of(), List.of(), null, null, 0, prior);
        }
    }

    /**
     * A point's figure on one item.
     *
     * @param quality   0..1
     * @param cost      what the item cost, null when unknown
     * @param judgeCost the judge calls' part of it (configurations), null when unknown
     */
    public record ItemScore(double quality, BigDecimal cost, BigDecimal judgeCost) {
    }

    /** Evaluates points on item ranges: per id, {@code [from, to)}; returns per id its scores on those items. */
    @FunctionalInterface
    public interface Evaluator {
        Map<String, List<ItemScore>> evaluate(Map<String, int[]> ranges) throws InterruptedException;
    }

    /**
     * What the race did.
     *
     * @param done  per id, its scores on the items done (a prefix of the items), for every point with any
     * @param bar   the bar at the end
     * @param steps evaluation steps after the screen
     */
    public record Outcome(Map<String, List<ItemScore>> done, double bar, int steps) {
    }

    /**
     * Runs the race.
     *
     * @param items  number of items (at least 1)
     * @param points singles and configurations (every id in a configuration's parts must be a single here)
     * @param screen items every single model answers first (at least 1)
     * @param margin the recommendation's margin below the best single model
     * @param target a target quality instead of the margin, or null
     */
    public static Outcome run(int items, List<Point> points, int screen, double margin, Double target,
                              Evaluator evaluator) throws InterruptedException {
        if (items < 1 || screen < 1) {
            throw new IllegalArgumentException("items and screen must be at least 1");
        }
        int s = Math.min(screen, items);
        Map<String, Point> byId = new LinkedHashMap<>();
        points.forEach(p -> byId.put(p.id(), p));
        Map<String, List<ItemScore>> done = new LinkedHashMap<>();
        points.forEach(p -> done.put(p.id(), new ArrayList<>()));
        Map<String, int[]> first = new LinkedHashMap<>();
        points.stream().filter(Point::single).forEach(p -> first.put(p.id(), new int[] {0, s}));
        record(evaluator.evaluate(first), first, done);
        int steps = 0;
        double bar;
        while (true) {
            bar = bar(byId, done, s, margin, target);
            Map<String, BigDecimal> est = new HashMap<>();
            Map<String, BigDecimal[]> judgeByKey = judgeEstimates(byId, done, items);
            for (Point p : byId.values()) {
                est.put(p.id(), costEstimate(p, byId, done, judgeByKey, items));
            }
            BigDecimal incumbent = null;
            String incumbentId = null;
            for (Point p : byId.values()) {
                List<ItemScore> d = done.get(p.id());
                if (d.size() == items && mean(d, items) >= bar - EPS && est.get(p.id()) != null
                        && (incumbent == null || est.get(p.id()).compareTo(incumbent) < 0)) {
                    incumbent = est.get(p.id());
                    incumbentId = p.id();
                }
            }
            // points part-way are compared on the items they share with a reference (costs vary by item, so a
            // point with fewer items done must not look cheaper for it): the incumbent, else the configuration
            // furthest along
            String ref = incumbentId;
            if (ref == null) {
                for (Point p : byId.values()) {
                    if (!p.single() && (ref == null || done.get(p.id()).size() > done.get(ref).size())) {
                        ref = p.id();
                    }
                }
            }
            if (ref != null && est.get(ref) != null && !done.get(ref).isEmpty()) {
                List<ItemScore> r = done.get(ref);
                BigDecimal refMean = est.get(ref);
                for (Point p : byId.values()) {
                    List<ItemScore> d = done.get(p.id());
                    if (!d.isEmpty() && d.size() < items && !p.id().equals(ref)) {
                        int common = Math.min(d.size(), r.size());
                        BigDecimal pairedEst = paired(d.subList(0, common), r.subList(0, common),
                                refMean);
                        if (pairedEst != null) {
                            est.put(p.id(), pairedEst);
                        }
                    }
                }
            }
            BigDecimal tie = incumbent == null ? null : incumbent.multiply(BigDecimal.ONE.subtract(TIE));
            Point next = null;
            for (Point p : byId.values()) {
                List<ItemScore> d = done.get(p.id());
                if (d.size() == items || upper(p, byId, done, items) < bar - EPS) {
                    continue;
                }
                BigDecimal e = est.get(p.id());
                if (tie != null && e != null && tie.compareTo(e) <= 0) {
                    continue;
                }
                if (next == null || better(p, e, d.size(), next, est.get(next.id()), done.get(next.id()).size())) {
                    next = p;
                }
            }
            if (next == null) {
                break;
            }
            int k = done.get(next.id()).size();
            int chunk = k < 4 * s ? s : Math.min(k, 4 * s); // single steps first: most points stop early
            int to = Math.min(items, k + chunk);
            Map<String, int[]> range = new LinkedHashMap<>();
            int ahead = Math.min(items, to + LOOKAHEAD * s);
            for (String part : next.parts()) {
                // its members and its judge's model alone answer those items (and a few more) first: their
                // scores may show that the configuration cannot reach the bar, before its judge is paid
                int pd = done.get(part).size();
                if (pd < to) {
                    range.put(part, new int[] {pd, ahead});
                }
            }
            if (range.isEmpty()) {
                range.put(next.id(), new int[] {k, to});
            }
            record(evaluator.evaluate(range), range, done);
            steps++;
        }
        Map<String, List<ItemScore>> out = new LinkedHashMap<>();
        done.forEach((id, d) -> {
            if (!d.isEmpty()) {
                out.put(id, List.copyOf(d));
            }
        });
        return new Outcome(out, bar, steps);
    }

    /** {@code d}'s cost relative to the incumbent's on the same items, times the incumbent's mean; null when unknown. */
    private static BigDecimal paired(List<ItemScore> d, List<ItemScore> inc, BigDecimal incumbentMean) {
        BigDecimal a = BigDecimal.ZERO;
        BigDecimal b = BigDecimal.ZERO;
        for (int i = 0; i < d.size(); i++) {
            if (d.get(i).cost() == null || inc.get(i).cost() == null) {
                return null;
            }
            a = a.add(d.get(i).cost());
            b = b.add(inc.get(i).cost());
        }
        return b.signum() == 0 ? null : a.multiply(incumbentMean).divide(b, 15, RoundingMode.HALF_UP);
    }

    private static void record(Map<String, List<ItemScore>> got, Map<String, int[]> ranges,
                               Map<String, List<ItemScore>> done) {
        ranges.forEach((id, r) -> {
            List<ItemScore> s = got.get(id);
            if (s == null || s.size() != r[1] - r[0]) {
                throw new IllegalStateException("the evaluator returned no scores for " + id);
            }
            done.get(id).addAll(s);
        });
    }

    /** Lower estimate first (unknown last; within 5 %, a near-tie) ; then the point with more items done; then input order. */
    private static boolean better(Point a, BigDecimal ea, int da, Point b, BigDecimal eb, int db) {
        if (ea != null && eb != null) {
            BigDecimal gap = ea.subtract(eb).abs();
            if (gap.compareTo(ea.max(eb).multiply(TIE)) > 0) {
                return ea.compareTo(eb) < 0;
            }
            if (da == db) {
                return ea.compareTo(eb) < 0;
            }
        } else if (ea != null || eb != null) {
            return ea != null;
        }
        return da > db;
    }

    private static double bar(Map<String, Point> byId, Map<String, List<ItemScore>> done, int screen, double margin,
                              Double target) {
        if (target != null) {
            return target;
        }
        double best = 0;
        for (Point p : byId.values()) {
            List<ItemScore> d = done.get(p.id());
            if (p.single() && d.size() >= screen) {
                best = Math.max(best, mean(d, d.size()));
            }
        }
        return best - margin;
    }

    private static double mean(List<ItemScore> d, int n) {
        double sum = 0;
        for (ItemScore s : d) {
            sum += s.quality();
        }
        return sum / n;
    }

    /** Real scores on the items done; on the rest 1 (single) or the best known of the configuration's parts. */
    static double upper(Point p, Map<String, Point> byId, Map<String, List<ItemScore>> done, int items) {
        List<ItemScore> d = done.get(p.id());
        double sum = 0;
        for (int i = 0; i < items; i++) {
            if (i < d.size()) {
                sum += d.get(i).quality();
            } else if (p.single()) {
                sum += 1;
            } else {
                double best = 0;
                for (String part : p.parts()) {
                    List<ItemScore> pd = done.get(part);
                    best = Math.max(best, pd == null || i >= pd.size() ? 1.0 : pd.get(i).quality());
                }
                sum += best;
            }
        }
        return sum / items;
    }

    /**
     * Per judge key (and per strategy key, as cost per unit of judge weight): the judge costs seen, per item
     * ({@code [items + 1]}: index {@code items} holds the mean over every item seen).
     */
    private static Map<String, BigDecimal[]> judgeEstimates(Map<String, Point> byId, Map<String, List<ItemScore>> done,
                                                           int items) {
        Map<String, BigDecimal[][]> sums = new HashMap<>(); // key -> per item {sum, count}; [items] overall
        for (Point p : byId.values()) {
            if (p.single()) {
                continue;
            }
            List<ItemScore> d = done.get(p.id());
            for (int i = 0; i < d.size(); i++) {
                ItemScore s = d.get(i);
                if (s.judgeCost() == null) {
                    continue;
                }
                add(sums, "j:" + p.judgeKey(), i, items, s.judgeCost());
                if (p.judgeWeight() > 0) {
                    add(sums, "s:" + p.strategyKey(), i, items, s.judgeCost().divide(BigDecimal.valueOf(p.judgeWeight()),
                            15, RoundingMode.HALF_UP));
                }
            }
        }
        Map<String, BigDecimal[]> out = new HashMap<>();
        sums.forEach((k, v) -> {
            BigDecimal[] e = new BigDecimal[items + 1];
            for (int i = 0; i <= items; i++) {
                e[i] = v[i] == null ? null : v[i][0].divide(v[i][1], 15, RoundingMode.HALF_UP);
            }
            out.put(k, e);
        });
        return out;
    }

    private static void add(Map<String, BigDecimal[][]> sums, String key, int item, int items, BigDecimal v) {
        BigDecimal[][] a = sums.computeIfAbsent(key, k -> new BigDecimal[items + 1][]);
        for (int i : new int[] {item, items}) {
            if (a[i] == null) {
                a[i] = new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO};
            }
            a[i][0] = a[i][0].add(v);
            a[i][1] = a[i][1].add(BigDecimal.ONE);
        }
    }

    /**
     * The estimated cost per item of a point; null when unknown (a known cost was never reported). A point
     * with items done: its mean there. A configuration with none: per item, its members' costs where they
     * answered (their mean elsewhere) plus the judge cost seen on that item for its judge key (else the key's
     * mean; else another judge's on the strategy key, scaled by price weight; else 0), averaged.
     */
    static BigDecimal costEstimate(Point p, Map<String, Point> byId, Map<String, List<ItemScore>> done,
                                   Map<String, BigDecimal[]> judgeByKey, int items) {
        List<ItemScore> d = done.get(p.id());
        if (!d.isEmpty()) {
            BigDecimal sum = BigDecimal.ZERO;
            for (ItemScore s : d) {
                if (s.cost() == null) {
                    return null;
                }
                sum = sum.add(s.cost());
            }
            return sum.divide(BigDecimal.valueOf(d.size()), 15, RoundingMode.HALF_UP);
        }
        if (p.single()) {
            return p.prior() == null ? BigDecimal.ZERO : p.prior();
        }
        BigDecimal[] j = judgeByKey.get("j:" + p.judgeKey());
        BigDecimal scale = BigDecimal.ONE;
        if (j == null && p.judgeWeight() > 0) {
            j = judgeByKey.get("s:" + p.strategyKey());
            scale = BigDecimal.valueOf(p.judgeWeight());
        }
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < items; i++) {
            for (String m : p.members()) {
                List<ItemScore> md = done.get(m);
                BigDecimal c = i < md.size() ? md.get(i).cost() : costEstimate(byId.get(m), byId, done, judgeByKey, items);
                if (c == null) {
                    return null;
                }
                total = total.add(c);
            }
            if (j != null) {
                total = total.add((j[i] != null ? j[i] : j[items]).multiply(scale));
            }
        }
        return total.divide(BigDecimal.valueOf(items), 15, RoundingMode.HALF_UP);
    }
}
