package dev.fusion.cli.tune.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The racing search of {@code fusion tune --prune race}: it looks for the recommendation (the cheapest point
 * whose quality reaches the bar: the best single model's quality minus the margin, or a target) while paying
 * as few calls as it can, and gives up the complete frontier for it.
 *
 * <ol>
 *   <li><b>A lazy bar.</b> No single model is asked only to set the bar. A single model never asked counts at
 *   its highest possible quality (100 %), one asked at its mean on the items it answered: the bar is the best
 *   of these minus the margin ({@link Outcome#bar()}). A point that finishes every item at or above it is
 *   known to meet the real bar whenever the asked models' means hold, and an expensive best single model is
 *   then never asked at all. Only when no point reaches the bar is the single model that holds it up asked,
 *   cheapest first, a chunk of items at a time. {@link Outcome#barUpperBound()} is the highest the real bar
 *   can be (every unanswered item of every single model counted right).</li>
 *   <li><b>Best estimate first</b>: repeatedly, the eligible point with the lowest estimated cost per item is
 *   advanced by a chunk of its items, hardest first (the items the single models answered worst). A point's
 *   cost estimate per item is its real cost where done; a single model's elsewhere is its mean, or before any
 *   answer the highest cost per unit of price weight seen on any single model times its own weight; a
 *   configuration's is its members' plus a judge estimate learned per item from evaluated configurations with
 *   the same judge, strategy and panel size (or, scaled by price weight, another judge's).</li>
 *   <li>A point is <b>eligible</b> while (a) its quality upper bound (real scores where done; elsewhere 1 for a
 *   single model, and for a configuration the best score of its members and its judge's model alone where
 *   known) reaches the bar, and (b) no finished point at the bar (the incumbent) costs less than 5 % more than
 *   its estimate, compared on the items where both are known (the point's own items, or for a configuration
 *   the items its members answered): a near-tie is not pursued and is reported in {@link Outcome#ties()}.</li>
 *   <li>Before a configuration's judge is paid on items, its members answer those items alone
 *   (their answers are needed anyway), then its judge's model alone answers only the items where no member is
 *   right (elsewhere a member already holds the bound at 1), so its cost estimate and upper bound there are
 *   known first.</li>
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
    /** Cost per unit of price weight assumed before any cost is known (it only orders models by price). */
    private static final BigDecimal PRICE_ORDER = new BigDecimal("1e-12");
    /** Configurations whose single-model asks ride along with another's, with rungs (batch). */
    static final int PREFETCH = 7;
    /** Items a configuration's members answer beyond the chunk its judge is about to be paid for (none). */
    static final int LOOKAHEAD = 0;

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
     * @param judgeWeight the price weight (input + output per million tokens) of the judge (a configuration) or of
     *                    the model itself (a single model), or 0 when unknown
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
            return single(id, prior, 0);
        }

        /** A single model with its price weight (input + output USD per million tokens; 0 when unknown). */
        public static Point single(String id, BigDecimal prior, double weight) {
            return new Point(id, true, List.of(), List.of(), null, null, weight, prior);
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

    /**
     * Evaluates points on items: per id, the item indices (ascending, none known yet); returns per id its
     * scores on those items, in that order.
     */
    @FunctionalInterface
    public interface Evaluator {
        Map<String, List<ItemScore>> evaluate(Map<String, int[]> items) throws InterruptedException;
    }

    /**
     * What the race did.
     *
     * @param done          per id with any item known: per item its score, null where not evaluated
     * @param bar           the bar at the end (singles never asked at 100 %, the others at their mean)
     * @param barUpperBound the highest the real bar can be (every unanswered item of every single model right)
     * @param steps         evaluation steps
     * @param ties          configurations not pursued because their estimate was within 5 % of the incumbent's
     *                      cost (unexplored near-ties), in input order
     */
    public record Outcome(Map<String, List<ItemScore>> done, double bar, double barUpperBound, int steps,
                          List<String> ties) {
        public Outcome {
            done = Collections.unmodifiableMap(new LinkedHashMap<>(done));
            ties = List.copyOf(ties);
        }

        /** Items known of a point (0 when none). */
        public int count(String id) {
            List<ItemScore> d = done.get(id);
            return d == null ? 0 : (int) d.stream().filter(Objects::nonNull).count();
        }
    }

    /**
     * Runs the race.
     *
     * @param items  number of items (at least 1)
     * @param points singles and configurations (every id in a configuration's parts must be a single here)
     * @param screen items every single model answers first (0: none, the lazy bar)
     * @param margin the recommendation's margin below the best single model
     * @param target a target quality instead of the margin, or null
     */
    public static Outcome run(int items, List<Point> points, int screen, double margin, Double target,
                              Evaluator evaluator) throws InterruptedException {
        return run(items, points, screen, margin, target, false, evaluator);
    }

    /**
     * As {@link #run(int, List, int, double, Double, Evaluator)}; with {@code rungs} (for batch APIs, where every
     * step is a round of batches of hours) a point is advanced by rungs: its first item, then up to 4, then all
     * (fewer steps, each larger), instead of item by item up to 4 and then 4 at a time.
     */
    public static Outcome run(int items, List<Point> points, int screen, double margin, Double target, boolean rungs,
                              Evaluator evaluator) throws InterruptedException {
        if (items < 1 || screen < 0) {
            throw new IllegalArgumentException("items must be at least 1 and screen at least 0");
        }
        int s = Math.min(screen, items);
        Map<String, Point> byId = new LinkedHashMap<>();
        points.forEach(p -> byId.put(p.id(), p));
        Map<String, ItemScore[]> done = new LinkedHashMap<>();
        points.forEach(p -> done.put(p.id(), new ItemScore[items]));
        int steps = 0;
        if (s > 0) {
            Map<String, int[]> first = new LinkedHashMap<>();
            int[] head = new int[s];
            Arrays.setAll(head, i -> i);
            points.stream().filter(Point::single).forEach(p -> first.put(p.id(), head));
            record(evaluator.evaluate(first), first, done);
            steps++;
        }
        Set<String> ties = new LinkedHashSet<>();
        double bar;
        while (true) {
            bar = bar(byId, done, items, margin, target, false);
            double[] hard = hardness(byId, done, items);
            Map<String, BigDecimal[]> judgeByKey = judgeEstimates(byId, done, items);
            BigDecimal perWeight = costPerWeight(byId, done);
            Map<String, BigDecimal[]> perItem = new HashMap<>();
            Map<String, List<BigDecimal[]>[]> nearest = nearest(byId, done, items);
            for (Point p : byId.values()) {
                perItem.put(p.id(), itemEstimates(p, byId, done, judgeByKey, nearest, perWeight, items));
            }
            Map<String, BigDecimal> est = new HashMap<>();
            perItem.forEach((id, e) -> est.put(id, mean(e)));
            String inc = null;
            for (Point p : byId.values()) {
                ItemScore[] d = done.get(p.id());
                if (count(d) == items && quality(d) >= bar - EPS && est.get(p.id()) != null
                        && (inc == null || est.get(p.id()).compareTo(est.get(inc)) < 0)) {
                    inc = p.id();
                }
            }
            // points are compared with a reference on the items where both are known (costs vary by item, so a
            // point with fewer items done must not look cheaper for it): the incumbent, else the configuration
            // furthest along
            String ref = inc;
            if (ref == null) {
                for (Point p : byId.values()) {
                    if (!p.single() && count(done.get(p.id())) > 0
                            && (ref == null || count(done.get(p.id())) > count(done.get(ref)))) {
                        ref = p.id();
                    }
                }
            }
            if (ref != null && est.get(ref) != null) {
                ItemScore[] r = done.get(ref);
                for (Point p : byId.values()) {
                    if (p.id().equals(ref) || count(done.get(p.id())) == items) {
                        continue;
                    }
                    BigDecimal a = BigDecimal.ZERO;
                    BigDecimal b = BigDecimal.ZERO;
                    boolean any = false;
                    BigDecimal[] e = perItem.get(p.id());
                    for (int i = 0; i < items; i++) {
                        if (e == null || e[i] == null || r[i] == null || r[i].cost() == null || !anchored(p, done, i)) {
                            continue;
                        }
                        a = a.add(e[i]);
                        b = b.add(r[i].cost());
                        any = true;
                    }
                    if (any && b.signum() > 0) {
                        est.put(p.id(), a.multiply(est.get(ref)).divide(b, 15, RoundingMode.HALF_UP));
                    }
                }
            }
            BigDecimal incCost = inc == null ? null : est.get(inc);
            BigDecimal tieLine = incCost == null ? null : incCost.multiply(BigDecimal.ONE.subtract(TIE));
            BigDecimal tieTop = incCost == null ? null : incCost.multiply(BigDecimal.ONE.add(TIE));
            ties.clear();
            Point next = null;
            List<Point> eligible = new ArrayList<>();
            for (Point p : byId.values()) {
                ItemScore[] d = done.get(p.id());
                if (count(d) == items || upper(p, byId, done, items) < bar - EPS) {
                    continue;
                }
                BigDecimal e = est.get(p.id());
                if (tieLine != null && e != null && tieLine.compareTo(e) <= 0) {
                    if (!p.single() && e.compareTo(tieTop) <= 0) {
                        ties.add(p.id());
                    }
                    continue;
                }
                eligible.add(p);
                if (next == null || better(e, count(d), est.get(next.id()), count(done.get(next.id())))) {
                    next = p;
                }
            }
            if (next == null) {
                if (inc != null || target != null) {
                    break;
                }
                // the lazy bar: nothing reaches it; ask the cheapest single model that holds it up
                Point holder = null;
                for (Point p : byId.values()) {
                    ItemScore[] d = done.get(p.id());
                    if (p.single() && count(d) < items && contribution(d) - margin >= bar - EPS
                            && (holder == null || better(est.get(p.id()), count(d), est.get(holder.id()),
                            count(done.get(holder.id()))))) {
                        holder = p;
                    }
                }
                if (holder == null) {
                    break;
                }
                next = holder;
            }
            int k = count(done.get(next.id()));
            int unit = Math.max(1, s);
            // single steps first: most points stop early; with rungs (batch) 1 item, then up to 4, then all
            int chunk = rungs ? (k == 0 ? 1 : k < 4 ? 4 - k : items - k)
                    : k < 4 * unit ? unit : Math.min(k, 4 * unit);
            double[] order = order(next, done, hard);
            int[] todo = nextItems(done.get(next.id()), order, chunk);
            Map<String, int[]> ask = new LinkedHashMap<>();
            Point cur = next;
            if (!cur.single()) {
                // its members answer those items first (LOOKAHEAD more: 0, a look-ahead paid more than it saved on the
                // shipped data): their costs and scores may stop it before
                // its judge is paid
                int[] window = nextItems(done.get(next.id()), order, chunk + LOOKAHEAD * unit);
                for (String m : next.members()) {
                    int[] missing = Arrays.stream(window).filter(i -> done.get(m)[i] == null).toArray();
                    if (missing.length > 0) {
                        ask.put(m, missing);
                    }
                }
                if (ask.isEmpty()) {
                    // its judge's model alone, only where no member is right (elsewhere the bound is 1 already)
                    for (String part : next.parts()) {
                        if (next.members().contains(part)) {
                            continue;
                        }
                        int[] missing = Arrays.stream(todo).filter(i -> done.get(part)[i] == null
                                && bestMember(cur, done, i) < 1 - EPS).toArray();
                        if (missing.length > 0) {
                            ask.put(part, missing);
                        }
                    }
                }
            }
            if (ask.isEmpty()) {
                ask.put(next.id(), todo);
            }
            if (rungs && !ask.containsKey(cur.id())) {
                prefetch(ask, cur, eligible, est, done, hard);
            }
            record(evaluator.evaluate(ask), ask, done);
            steps++;
        }
        Map<String, List<ItemScore>> out = new LinkedHashMap<>();
        done.forEach((id, d) -> {
            if (count(d) > 0) {
                out.put(id, Collections.unmodifiableList(Arrays.asList(d.clone())));
            }
        });
        return new Outcome(out, bar, bar(byId, done, items, margin, target, true), steps, new ArrayList<>(ties));
    }

    /** Whether a point's estimate on item {@code i} rests on real figures: its own, or its members' answers. */
    private static boolean anchored(Point p, Map<String, ItemScore[]> done, int i) {
        if (done.get(p.id())[i] != null) {
            return true;
        }
        if (p.single()) {
            return false;
        }
        for (String m : p.members()) {
            if (done.get(m)[i] == null) {
                return false;
            }
        }
        return true;
    }

    private static double bestMember(Point p, Map<String, ItemScore[]> done, int i) {
        double best = 0;
        for (String m : p.members()) {
            ItemScore x = done.get(m)[i];
            best = Math.max(best, x == null ? 1 : x.quality());
        }
        return best;
    }

    /**
     * A point's item order key (lowest first): for a configuration, the best known score of its members (items
     * where they all fail are where it can fail; unknown counts 1) plus the items' hardness; for a single model,
     * the hardness.
     */
    private static double[] order(Point p, Map<String, ItemScore[]> done, double[] hard) {
        double[] o = hard.clone();
        if (!p.single()) {
            for (int i = 0; i < o.length; i++) {
                o[i] += 2 * bestMember(p, done, i);
            }
        }
        return o;
    }

    /** Up to {@code n} items not known yet: hardest first, then in order. */
    private static int[] nextItems(ItemScore[] d, double[] hard, int n) {
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == null) {
                free.add(i);
            }
        }
        free.sort((a, b) -> hard[a] != hard[b] ? Double.compare(hard[a], hard[b]) : Integer.compare(a, b));
        return free.subList(0, Math.min(n, free.size())).stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Per item, the mean quality of the single models that answered it (0.5 when none did). */
    private static double[] hardness(Map<String, Point> byId, Map<String, ItemScore[]> done, int items) {
        double[] sum = new double[items];
        int[] n = new int[items];
        for (Point p : byId.values()) {
            if (!p.single()) {
                continue;
            }
            ItemScore[] d = done.get(p.id());
            for (int i = 0; i < items; i++) {
                if (d[i] != null) {
                    sum[i] += d[i].quality();
                    n[i]++;
                }
            }
        }
        double[] out = new double[items];
        for (int i = 0; i < items; i++) {
            out[i] = n[i] == 0 ? 0.5 : sum[i] / n[i];
        }
        return out;
    }

    /**
     * With rungs (batch), a step that asks single models alone for {@code cur} also asks them, in the same round,
     * for the next {@link #PREFETCH} configurations by estimate on their first item (their members, and their
     * judge's model where no member is right): those probes then need one round (their judge), not two or three.
     */
    private static void prefetch(Map<String, int[]> ask, Point cur, List<Point> eligible, Map<String, BigDecimal> est,
                                 Map<String, ItemScore[]> done, double[] hard) {
        List<Point> left = new ArrayList<>(eligible);
        left.remove(cur);
        boolean judges = ask.keySet().stream().noneMatch(cur.members()::contains);
        for (int n = 0; n < PREFETCH && !left.isEmpty(); n++) {
            Point best = null;
            for (Point p : left) {
                if (best == null || better(est.get(p.id()), count(done.get(p.id())), est.get(best.id()),
                        count(done.get(best.id())))) {
                    best = p;
                }
            }
            left.remove(best);
            if (best.single()) {
                continue;
            }
            int[] first = nextItems(done.get(best.id()), order(best, done, hard), 1);
            for (String part : best.parts()) {
                boolean member = best.members().contains(part);
                if (member == judges) {
                    continue; // members with members, judges alone with judges alone: the order of one point's steps
                }
                for (int i : first) {
                    if (done.get(part)[i] != null || (!member && bestMember(best, done, i) >= 1 - EPS)) {
                        continue;
                    }
                    int[] had = ask.getOrDefault(part, new int[0]);
                    if (Arrays.stream(had).noneMatch(x -> x == i)) {
                        int[] more = Arrays.copyOf(had, had.length + 1);
                        more[had.length] = i;
                        Arrays.sort(more);
                        ask.put(part, more);
                    }
                }
            }
        }
    }

    private static void record(Map<String, List<ItemScore>> got, Map<String, int[]> asked,
                               Map<String, ItemScore[]> done) {
        asked.forEach((id, at) -> {
            List<ItemScore> s = got.get(id);
            if (s == null || s.size() != at.length) {
                throw new IllegalStateException("the evaluator returned no scores for " + id);
            }
            for (int x = 0; x < at.length; x++) {
                done.get(id)[at[x]] = Objects.requireNonNull(s.get(x), "score");
            }
        });
    }

    /**
     * Lower estimate first (unknown last). Within 5 % a near-tie: the point with more items done; within 10 %
     * too when the point behind has been started already (estimates from a few items are noisy: switching
     * between two near-ties pays both).
     */
    private static boolean better(BigDecimal ea, int da, BigDecimal eb, int db) {
        if (ea != null && eb != null) {
            BigDecimal gap = ea.subtract(eb).abs();
            BigDecimal band = da > 0 && db > 0 ? TIE.add(TIE) : TIE;
            if (gap.compareTo(ea.max(eb).multiply(band)) > 0) {
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

    /** A single model's part of the bar: its mean where it answered, 1 when never asked. */
    private static double contribution(ItemScore[] d) {
        return count(d) == 0 ? 1.0 : quality(d);
    }

    private static double bar(Map<String, Point> byId, Map<String, ItemScore[]> done, int items, double margin,
                              Double target, boolean upperBound) {
        if (target != null) {
            return target;
        }
        double best = 0;
        for (Point p : byId.values()) {
            if (p.single()) {
                ItemScore[] d = done.get(p.id());
                best = Math.max(best, upperBound ? upper(p, byId, done, items) : contribution(d));
            }
        }
        return best - margin;
    }

    static int count(ItemScore[] d) {
        int n = 0;
        for (ItemScore x : d) {
            n += x == null ? 0 : 1;
        }
        return n;
    }

    /** Mean quality over the items known (0 when none). */
    private static double quality(ItemScore[] d) {
        double sum = 0;
        int n = 0;
        for (ItemScore x : d) {
            if (x != null) {
                sum += x.quality();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    private static BigDecimal mean(BigDecimal[] e) {
        if (e == null) {
            return null;
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal x : e) {
            if (x == null) {
                return null;
            }
            sum = sum.add(x);
        }
        return sum.divide(BigDecimal.valueOf(e.length), 15, RoundingMode.HALF_UP);
    }

    /** Real scores where known; elsewhere 1 (single) or the best known of the configuration's parts (1 unknown). */
    static double upper(Point p, Map<String, Point> byId, Map<String, ItemScore[]> done, int items) {
        ItemScore[] d = done.get(p.id());
        double sum = 0;
        for (int i = 0; i < items; i++) {
            if (d[i] != null) {
                sum += d[i].quality();
            } else if (p.single()) {
                sum += 1;
            } else {
                double best = 0;
                for (String part : p.parts()) {
                    ItemScore x = done.get(part)[i];
                    best = Math.max(best, x == null ? 1.0 : x.quality());
                }
                sum += best;
            }
        }
        return sum / items;
    }

    /**
     * The highest mean cost per unit of price weight of any single model that answered (a long answer costs
     * more): an unanswered model's estimate, so that an expensive model is not asked on a low guess. Null when
     * none is known.
     */
    private static BigDecimal costPerWeight(Map<String, Point> byId, Map<String, ItemScore[]> done) {
        BigDecimal best = null;
        for (Point p : byId.values()) {
            if (!p.single() || p.judgeWeight() <= 0) {
                continue;
            }
            BigDecimal m = knownMeanCost(done.get(p.id()));
            if (m != null) {
                BigDecimal r = m.divide(BigDecimal.valueOf(p.judgeWeight()), 15, RoundingMode.HALF_UP);
                best = best == null || r.compareTo(best) > 0 ? r : best;
            }
        }
        return best;
    }

    /** Mean cost over the known items, null when none is known or a known cost is unknown. */
    private static BigDecimal knownMeanCost(ItemScore[] d) {
        BigDecimal sum = BigDecimal.ZERO;
        int n = 0;
        for (ItemScore x : d) {
            if (x != null) {
                if (x.cost() == null) {
                    return null;
                }
                sum = sum.add(x.cost());
                n++;
            }
        }
        return n == 0 ? null : sum.divide(BigDecimal.valueOf(n), 15, RoundingMode.HALF_UP);
    }

    /**
     * Per judge key (and per strategy key, as cost per unit of judge weight): the judge costs seen, per item
     * ({@code [items + 1]}: index {@code items} holds the mean over every item seen).
     */
    private static Map<String, BigDecimal[]> judgeEstimates(Map<String, Point> byId, Map<String, ItemScore[]> done,
                                                           int items) {
        Map<String, BigDecimal[][]> sums = new HashMap<>(); // key -> per item {sum, count}; [items] overall
        for (Point p : byId.values()) {
            if (p.single()) {
                continue;
            }
            ItemScore[] d = done.get(p.id());
            for (int i = 0; i < items; i++) {
                ItemScore s = d[i];
                if (s == null || s.judgeCost() == null) {
                    continue;
                }
                add(sums, "j:" + p.judgeKey(), i, items, s.judgeCost());
                add(sums, "a:" + withoutSize(p.judgeKey()), i, items, s.judgeCost());
                if (p.judgeWeight() > 0) {
                    BigDecimal perWeight = s.judgeCost().divide(BigDecimal.valueOf(p.judgeWeight()), 15, RoundingMode.HALF_UP);
                    add(sums, "s:" + p.strategyKey(), i, items, perWeight);
                    add(sums, "z:" + withoutSize(p.strategyKey()), i, items, perWeight);
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

    /** Of {members cost, judge cost per weight} pairs, the judge cost per weight of the nearest members cost. */
    private static BigDecimal nearestJudge(List<BigDecimal[]> seen, BigDecimal membersCost) {
        BigDecimal best = null;
        BigDecimal gap = null;
        for (BigDecimal[] x : seen) {
            BigDecimal g = x[0].subtract(membersCost).abs();
            if (gap == null || g.compareTo(gap) < 0) {
                gap = g;
                best = x[1];
            }
        }
        return best;
    }

    /**
     * Per strategy key, per item: for every configuration evaluated there, {its members' cost, its judge cost per
     * unit of judge weight}.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, List<BigDecimal[]>[]> nearest(Map<String, Point> byId, Map<String, ItemScore[]> done,
                                                             int items) {
        Map<String, List<BigDecimal[]>[]> out = new HashMap<>();
        for (Point p : byId.values()) {
            if (p.single() || p.judgeWeight() <= 0 || p.strategyKey() == null) {
                continue;
            }
            ItemScore[] d = done.get(p.id());
            for (int i = 0; i < items; i++) {
                if (d[i] == null || d[i].cost() == null || d[i].judgeCost() == null) {
                    continue;
                }
                List<BigDecimal[]>[] per = out.computeIfAbsent(p.strategyKey(), k -> new List[items]);
                if (per[i] == null) {
                    per[i] = new ArrayList<>();
                }
                per[i].add(new BigDecimal[] {d[i].cost().subtract(d[i].judgeCost()),
                        d[i].judgeCost().divide(BigDecimal.valueOf(p.judgeWeight()), 15, RoundingMode.HALF_UP)});
            }
        }
        return out;
    }

    /** {@code judge|strategy|size} → {@code judge|strategy}; {@code strategy|size} → {@code strategy}. */
    private static String withoutSize(String key) {
        int bar = key.lastIndexOf('|');
        return bar < 0 ? key : key.substring(0, bar);
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
     * The estimated cost of a point per item; null when unknown (a known cost was never reported). Where done:
     * its cost. A single model elsewhere: its mean, else its weight times the highest cost per weight seen, else
     * its prior, else 0. A configuration elsewhere: its members' estimates plus the judge cost seen on that item
     * for its judge key (else the key's mean; else another judge's on the strategy key, scaled by price weight;
     * else 0).
     */
    static BigDecimal[] itemEstimates(Point p, Map<String, Point> byId, Map<String, ItemScore[]> done,
                                      Map<String, BigDecimal[]> judgeByKey, Map<String, List<BigDecimal[]>[]> nearest,
                                      BigDecimal perWeight, int items) {
        ItemScore[] d = done.get(p.id());
        BigDecimal[] out = new BigDecimal[items];
        if (p.single()) {
            BigDecimal m = knownMeanCost(d);
            if (m == null && count(d) > 0) {
                return null;
            }
            // before any cost is known at all, a tiny multiple of the price weight only orders the models by price
            BigDecimal rest = m != null ? m
                    : p.judgeWeight() > 0 ? (perWeight != null ? perWeight : PRICE_ORDER).multiply(BigDecimal.valueOf(p.judgeWeight()))
                    : p.prior() != null ? p.prior() : BigDecimal.ZERO;
            for (int i = 0; i < items; i++) {
                out[i] = d[i] != null ? d[i].cost() : rest;
            }
            return out;
        }
        // the same judge, strategy and panel size; else another judge's (scaled by price weight); else the same
        // judge and strategy at another panel size; else another judge's at another size
        BigDecimal[] j = judgeByKey.get("j:" + p.judgeKey());
        BigDecimal scale = BigDecimal.ONE;
        if (j == null && p.judgeWeight() > 0) {
            j = judgeByKey.get("s:" + p.strategyKey());
            scale = BigDecimal.valueOf(p.judgeWeight());
        }
        if (j == null && p.judgeKey() != null) {
            j = judgeByKey.get("a:" + withoutSize(p.judgeKey()));
            scale = BigDecimal.ONE;
        }
        if (j == null && p.judgeWeight() > 0 && p.strategyKey() != null) {
            j = judgeByKey.get("z:" + withoutSize(p.strategyKey()));
            scale = BigDecimal.valueOf(p.judgeWeight());
        }
        List<BigDecimal[]> members = new ArrayList<>();
        for (String m : p.members()) {
            BigDecimal[] e = itemEstimates(byId.get(m), byId, done, judgeByKey, nearest, perWeight, items);
            if (e == null) {
                return null;
            }
            members.add(e);
        }
        // on an item where a panel of the same strategy and size was judged: the judge cost (scaled by price weight)
        // of the one whose members cost the nearest to this one's there (a judge reads its members' answers, so
        // answers as long cost as much to read; the same answers under another judge, exactly so)
        List<BigDecimal[]>[] near = p.judgeWeight() > 0 && p.strategyKey() != null ? nearest.get(p.strategyKey()) : null;
        for (int i = 0; i < items; i++) {
            if (d[i] != null) {
                if (d[i].cost() == null) {
                    return null;
                }
                out[i] = d[i].cost();
                continue;
            }
            BigDecimal total = BigDecimal.ZERO;
            for (BigDecimal[] e : members) {
                total = total.add(e[i]);
            }
            BigDecimal nearestJudge = near == null || near[i] == null ? null : nearestJudge(near[i], total);
            if (nearestJudge != null) {
                total = total.add(nearestJudge.multiply(BigDecimal.valueOf(p.judgeWeight())));
            } else if (j != null) {
                total = total.add((j[i] != null ? j[i] : j[items]).multiply(scale));
            }
            out[i] = total;
        }
        return out;
    }
}
