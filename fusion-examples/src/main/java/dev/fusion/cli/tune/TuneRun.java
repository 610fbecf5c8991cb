package dev.fusion.cli.tune;

import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.Member;
import dev.fusion.RetryPolicy;
import dev.fusion.cli.eval.Pareto;
import dev.fusion.cli.tune.internal.Race;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ContentPart;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One {@code fusion tune} search: the member phase (every candidate model answers every item once,
 * through the answer cache), then panels × judges × strategies evaluated by the real engine whose
 * models replay cached answers ({@link CachedModels}), pruned by {@link Search}. Every call goes
 * through passes: the misses of a pass are handed to the {@link MissResolver} together.
 * One run is used by one thread; it uses its own threads inside.
 */
public final class TuneRun {

    /** The shuffle seed of every ask, so the judge sees answers in the same order every run. */
    static final long SEED = 20_260_101L;
    /** At most this many configurations (narrow panelSizes, members or strategies beyond it). */
    public static final int MAX_CONFIGS = 5000;

    /** Strategies that ask every panel member once in their first round (their members' costs bound theirs). */
    private static final Set<String> ALL_MEMBERS_FIRST = Set.of("synthesize", "analyze", "select-best", "layered", "vote");

    /**
     * One configuration: a panel, a judge and a strategy.
     *
     * @param id       stable id ({@code c1}, {@code c2}, ...)
     * @param members  the panel, as {@code provider:model}
     * @param judge    the judge
     * @param strategy the strategy
     */
    public record Config(String id, List<String> members, String judge, TuneCandidates.StrategyChoice strategy) {
        public Config {
            members = List.copyOf(members);
        }

        /** {@code 2 members [a, b] · judge j · synthesize}. */
        public String label() {
            return members.size() + " members " + members + " · judge " + judge + " · " + strategy.label();
        }
    }

    /**
     * How one point did on one item.
     *
     * @param quality   0..1
     * @param costUsd   what the calls it used cost, or null when unknown
     * @param latencyMs members' slowest answer plus every judge call, or null when unknown
     * @param batch     whether any of its calls came at batch prices
     */
    public record ItemOutcome(double quality, BigDecimal costUsd, Long latencyMs, boolean batch) {
    }

    /**
     * One evaluated point (a single model or a configuration).
     *
     * @param id     its id
     * @param label  human-readable
     * @param single a single model alone
     * @param config the configuration, or null for a single model
     * @param model  the single model, or null for a configuration
     * @param items  per item, in data order (with {@code estimate}: the items evaluated, the first ones only)
     * @param estimate evaluated on only some items ({@code --prune race} left it part-way): its
     *                 figures are estimates from those items; never on the frontier, never recommended
     * @param itemIndexes for an estimate: the data index of each of {@code items}; null: the first items
     */
    public record PointResult(String id, String label, boolean single, Config config, String model,
                              List<ItemOutcome> items, boolean estimate, List<Integer> itemIndexes) {
        public PointResult {
            items = List.copyOf(items);
            itemIndexes = itemIndexes == null ? null : List.copyOf(itemIndexes);
        }

        /** A point evaluated on every item. */
        public PointResult(String id, String label, boolean single, Config config, String model, List<ItemOutcome> items) {
            this(id, label, single, config, model, items, false);
        }

        /** A point evaluated on every item, or with {@code estimate} on the first items only. */
        public PointResult(String id, String label, boolean single, Config config, String model, List<ItemOutcome> items,
                           boolean estimate) {
            this(id, label, single, config, model, items, estimate, null);
        }

        /** The data index of {@code items().get(k)}: {@code itemIndexes} when set, else {@code k}. */
        public int itemIndex(int k) {
            return itemIndexes == null ? k : itemIndexes.get(k);
        }


        /** Mean quality. */
        public double quality() {
            return items.stream().mapToDouble(ItemOutcome::quality).sum() / items.size();
        }

        /** Mean cost per item, or null when any item's is unknown. */
        public BigDecimal costPerItem() {
            BigDecimal sum = BigDecimal.ZERO;
            for (ItemOutcome o : items) {
                if (o.costUsd() == null) {
                    return null;
                }
                sum = sum.add(o.costUsd());
            }
            return sum.divide(BigDecimal.valueOf(items.size()), 12, RoundingMode.HALF_UP).stripTrailingZeros();
        }

        /** Median latency per item (nearest rank), or null when any is unknown. */
        public Long p50LatencyMs() {
            List<Long> l = new ArrayList<>();
            for (ItemOutcome o : items) {
                if (o.latencyMs() == null) {
                    return null;
                }
                l.add(o.latencyMs());
            }
            Collections.sort(l);
            return l.get(Math.max(0, (int) Math.ceil(0.5 * l.size()) - 1));
        }
    }

    /**
     * The run's own spend.
     *
     * @param usd       by kind; null inside when some call's cost was unknown
     * @param sent      calls sent, by kind
     * @param complete  false when some sent call's cost is unknown
     */
    public record Spend(Map<CallKind, BigDecimal> usd, Map<CallKind, Long> sent, boolean complete) {
    }

    /**
     * Everything the search found.
     *
     * @param points      singles first (candidate order), then evaluated configurations (evaluation order)
     * @param pruned      configurations pruned without evaluation, or stopped part-way
     * @param configs     every configuration considered
     * @param frontier    ids of the points on the Pareto frontier (quality up, cost per item down)
     * @param spend       what this run spent
     * @param memberCached distinct member answers replayed from the cache rather than sent in this run
     * @param passes      passes run
     * @param searchNanos wall time of the search (evaluation and pruning) excluding the resolvers' time
     * @param bar         the race's bar (the recommendation's threshold), or null: from the best single point
     * @param barNote     how the race's bar is known (e.g. a best single model never asked), or null
     * @param ties        configurations the race did not pursue because their estimated cost tied the
     *                    recommendation's within 5 % (unexplored near-ties)
     */
    public record Result(List<PointResult> points, List<Config> pruned, List<Config> configs, List<String> frontier,
                         Spend spend, long memberCached, int passes, long searchNanos, Double bar, String barNote,
                         List<Config> ties) {
        public Result {
            ties = ties == null ? List.of() : List.copyOf(ties);
        }

        /** A search whose bar comes from the single models' scores (the exact search). */
        public Result(List<PointResult> points, List<Config> pruned, List<Config> configs, List<String> frontier,
                      Spend spend, long memberCached, int passes, long searchNanos) {
            this(points, pruned, configs, frontier, spend, memberCached, passes, searchNanos, null, null, List.of());
        }
    }

    /**
     * What the worst case of this run is before anything is sent.
     *
     * @param usd      the worst case in USD (every pending call at max output tokens, no pruning), exact decimals
     * @param unpriced models with no price (the worst case is then unbounded)
     * @param memberCalls member calls still to send
     */
    public record Preview(BigDecimal usd, List<String> unpriced, long memberCalls) {
    }

    /** Thrown when the run's budget is spent: what was paid for is cached, a rerun continues. */
    public static final class BudgetReachedException extends RuntimeException {
        BudgetReachedException(String message) {
            super(message);
        }
    }

    private final List<TuneItem> items;
    private final TuneCandidates candidates;
    private final Function<String, ChatModel> models;
    private final PriceBook prices;
    private final CachedModels cache;
    private final int concurrency;
    private final boolean prune;
    private final TokenEstimator estimator = TokenEstimator.defaultEstimator();
    private final List<Config> configs = new ArrayList<>();
    private final List<String> singles;
    private final Map<CallKind, BigDecimal> spentUsd = new java.util.EnumMap<>(CallKind.class);
    private final Map<CallKind, Long> sent = new java.util.EnumMap<>(CallKind.class);
    private final Set<String> sentMemberKeys = new java.util.HashSet<>();
    private boolean spendComplete = true;
    private long resolverNanos;
    private int passes;

    /**
     * @param items       the data
     * @param candidates  what to search
     * @param models      the real models by {@code provider:model}
     * @param prices      list prices (for the worst-case preview and the engine's cost notes)
     * @param cache       the answer cache layer
     * @param concurrency asks evaluated at once
     * @param prune       false: evaluate every configuration
     */
    public TuneRun(List<TuneItem> items, TuneCandidates candidates, Function<String, ChatModel> models, PriceBook prices,
                   CachedModels cache, int concurrency, boolean prune) {
        this.items = List.copyOf(items);
        this.candidates = candidates;
        this.models = models;
        this.prices = prices;
        this.cache = cache;
        this.concurrency = Math.max(1, concurrency);
        this.prune = prune;
        Set<String> s = new LinkedHashSet<>(candidates.members());
        s.addAll(candidates.judges());
        this.singles = List.copyOf(s);
        buildConfigs();
    }

    /** Every configuration considered, in a stable order. */
    public List<Config> configs() {
        return List.copyOf(configs);
    }

    private void buildConfigs() {
        List<String> members = candidates.members();
        int n = 0;
        for (int size : candidates.panelSizes()) {
            for (List<String> panel : combinations(members, size)) {
                for (String judge : candidates.judges()) {
                    for (TuneCandidates.StrategyChoice s : candidates.strategies()) {
                        Config c = new Config("c" + (++n), panel, judge, s);
                        try {
                            fusion(c, new CallTrace(), false); // the engine's own checks (panel size per strategy, ...)
                        } catch (RuntimeException e) {
                            n--;
                            continue;
                        }
                        configs.add(c);
                        if (configs.size() > MAX_CONFIGS) {
                            throw new IllegalArgumentException("more than " + MAX_CONFIGS + " configurations to search;"
                                    + " narrow panelSizes, members, judges or strategies");
                        }
                    }
                }
            }
        }
    }

    static List<List<String>> combinations(List<String> xs, int k) {
        List<List<String>> out = new ArrayList<>();
        combine(xs, k, 0, new ArrayList<>(), out);
        return out;
    }

    private static void combine(List<String> xs, int k, int from, List<String> cur, List<List<String>> out) {
        if (cur.size() == k) {
            out.add(List.copyOf(cur));
            return;
        }
        for (int i = from; i < xs.size(); i++) {
            cur.add(xs.get(i));
            combine(xs, k, i + 1, cur, out);
            cur.remove(cur.size() - 1);
        }
    }

    // ------------------------------------------------------------------ engine

    private Fusion fusion(Config c, CallTrace trace, boolean forPlan) {
        Fusion.Builder b = Fusion.builder();
        for (String m : c.members()) {
            b.member(Member.of(m, forPlan ? models.apply(m) : cache.wrap(models.apply(m), CallKind.MEMBER, trace)));
        }
        b.judge(Member.of(c.judge(), forPlan ? models.apply(c.judge()) : cache.wrap(models.apply(c.judge()), CallKind.JUDGE, trace)));
        b.strategy(c.strategy().strategy());
        return common(b, c.members().size(), forPlan).build();
    }

    /** The member phase's fusion: every candidate model as a member (each answers once), any judge (never asked). */
    private Fusion singlesFusion(CallTrace trace, boolean forPlan) {
        return singlesFusion(singles, trace, forPlan);
    }

    private Fusion singlesFusion(List<String> which, CallTrace trace, boolean forPlan) {
        Fusion.Builder b = Fusion.builder();
        for (String m : which) {
            b.member(Member.of(m, forPlan ? models.apply(m) : cache.wrap(models.apply(m), CallKind.MEMBER, trace)));
        }
        String j = candidates.judges().get(0);
        b.judge(Member.of(j, forPlan ? models.apply(j) : cache.wrap(models.apply(j), CallKind.JUDGE, trace)));
        return common(b, 1, forPlan).build(); // quorum 1: a replayed failure must not stop the others being asked
    }

    private Fusion.Builder common(Fusion.Builder b, int quorum, boolean forPlan) {
        b.quorum(quorum).shuffleSeed(SEED).judgePrompt(JudgePrompt.synthesize().withContentBoundary())
                .retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE).priceBook(prices)
                .memberTimeout(Duration.ofMinutes(10)).judgeTimeout(Duration.ofMinutes(10)).deadline(Duration.ofMinutes(30));
        if (candidates.maxOutputTokens() != null) {
            b.maxOutputTokens(candidates.maxOutputTokens());
        }
        if (candidates.judgeMaxOutputTokens() != null) {
            b.judgeMaxOutputTokens(candidates.judgeMaxOutputTokens());
        }
        if (forPlan) {
            b.budgetUsd(new BigDecimal("1000000")); // a budget makes the planner reserve every call's worst case
        } else {
            b.allowUnpriced(true);
        }
        return b;
    }

    private FusionRequest request(TuneItem it) {
        return FusionRequest.builder().prompt(it.item().question()).build();
    }

    // ------------------------------------------------------------------ passes

    /** One attempt's value and whether it used no pending call. */
    private record Attempt<R>(R value, boolean complete) {
    }

    /**
     * Runs every job until it completes or a pass leaves nothing to resolve; returns the last attempt of each.
     * {@code filter}: which misses are resolved.
     */
    private <R> List<R> runJobs(List<Supplier<Mono<Attempt<R>>>> jobs, MissResolver resolver,
                                Predicate<PendingCall> filter) throws InterruptedException {
        List<Attempt<R>> last = new ArrayList<>(Collections.nCopies(jobs.size(), null));
        MissResolver timed = (misses, store) -> {
            long t0 = System.nanoTime();
            try {
                resolver.resolve(misses, store);
            } finally {
                resolverNanos += System.nanoTime() - t0;
            }
        };
        passes += cache.runPasses(() -> {
            List<Integer> todo = new ArrayList<>();
            for (int i = 0; i < jobs.size(); i++) {
                if (last.get(i) == null || !last.get(i).complete()) {
                    todo.add(i);
                }
            }
            Flux.fromIterable(todo)
                    .flatMap(i -> jobs.get(i).get().doOnNext(a -> last.set(i, a)), concurrency)
                    .blockLast();
        }, timed, filter);
        List<R> out = new ArrayList<>();
        for (Attempt<R> a : last) {
            out.add(a == null ? null : a.value());
        }
        return out;
    }

    /** Wraps the user's resolver: counts and costs what is sent, and stops at the budget. */
    private MissResolver accounting(MissResolver resolver, BigDecimal budget) {
        return (misses, store) -> {
            if (budget != null && total().compareTo(budget) >= 0) {
                throw new BudgetReachedException("the budget of " + budget.toPlainString() + " USD is spent ("
                        + total().toPlainString() + " USD); answers so far are cached: rerun to continue");
            }
            resolver.resolve(misses, store);
            for (PendingCall p : misses) {
                CachedAnswer a = store.find(p.key()).orElse(null);
                if (a == null) {
                    continue;
                }
                sent.merge(p.kind(), 1L, Long::sum);
                if (p.kind() == CallKind.MEMBER) {
                    sentMemberKeys.add(p.key());
                }
                if (a.costUsd() == null) {
                    spendComplete = false;
                } else {
                    spentUsd.merge(p.kind(), a.costUsd(), BigDecimal::add);
                }
            }
        };
    }

    private BigDecimal total() {
        return spentUsd.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    // ------------------------------------------------------------------ preview

    /**
     * The worst case of everything this run may still send, before anything is sent: every member
     * call not cached yet at its max output tokens, and for every configuration and item whose judge
     * calls are not all cached, the judge reservation of the engine's own budget planner (as
     * {@code fusion preview} shows it), plus rubric grader calls. Sends nothing.
     */
    public Preview preview() throws InterruptedException {
        Set<String> unpriced = new java.util.TreeSet<>();
        BigDecimal worst = BigDecimal.ZERO;
        // 1. which member answers are missing: one dry pass that records misses and sends nothing
        cache.drainMisses();
        Flux.fromIterable(singlesJobs()).flatMap(Supplier::get, concurrency).blockLast();
        List<PendingCall> pendingMembers = cache.drainMisses().stream().filter(p -> p.kind() == CallKind.MEMBER).toList();
        for (PendingCall p : pendingMembers) {
            BigDecimal w = worstCase(p.model().ref(), p.request(), p.request().maxOutputTokens());
            if (w == null) {
                unpriced.add(p.model().ref().toString());
            } else {
                worst = worst.add(w);
            }
        }
        // 2. judges: configurations whose judge calls are not all cached
        // (only configurations whose member answers are all cached can have cached judge calls: a cold
        // run skips the dry pass and reserves every judge call)
        Set<String> missingMembers = new java.util.HashSet<>();
        for (PendingCall p : pendingMembers) {
            missingMembers.add(p.model().ref().toString());
        }
        List<Supplier<Mono<Attempt<ItemOutcome>>>> jobs = new ArrayList<>();
        List<int[]> index = new ArrayList<>();
        for (int c = 0; c < configs.size(); c++) {
            boolean membersCached = configs.get(c).members().stream().noneMatch(missingMembers::contains);
            for (int i = 0; i < items.size(); i++) {
                jobs.add(membersCached ? configJob(configs.get(c), items.get(i))
                        : () -> Mono.just(new Attempt<>(null, false)));
                index.add(new int[] {c, i});
            }
        }
        List<Attempt<ItemOutcome>> attempts = Flux.fromIterable(jobs).flatMapSequential(Supplier::get, concurrency)
                .collectList().block();
        cache.drainMisses();
        Map<String, Fusion> planners = new HashMap<>();
        for (int k = 0; k < attempts.size(); k++) {
            if (attempts.get(k).complete()) {
                continue;
            }
            Config c = configs.get(index.get(k)[0]);
            TuneItem it = items.get(index.get(k)[1]);
            Fusion planner;
            try {
                planner = planners.computeIfAbsent(c.id(), id -> fusion(c, new CallTrace(), true));
            } catch (RuntimeException e) {
                unpriced.add(c.judge());
                continue;
            }
            worst = worst.add(planner.plan(request(it)).judgeReservationUsd());
        }
        // 3. rubric graders: one call per point and item, the answer at its max length
        int points = singles.size() + configs.size();
        for (TuneItem it : items) {
            Grader g = it.effectiveGrader(candidates.grader());
            if (g.type() != Grader.Type.RUBRIC) {
                continue;
            }
            ModelRef ref = ModelRef.parse(g.model());
            int answerTokens = candidates.maxOutputTokens() != null ? candidates.maxOutputTokens() : 4096;
            String prompt = g.rubricPrompt(it.item().question(), it.item().reference(), "");
            long in = estimator.estimate(ref, prompt) + (long) Math.ceil(answerTokens * 1.3);
            Price price = prices.find(ref).orElse(null);
            if (price == null) {
                unpriced.add(g.model());
            } else {
                worst = worst.add(price.worstCase(in, 8).multiply(BigDecimal.valueOf(points)));
            }
        }
        return new Preview(worst, List.copyOf(unpriced), pendingMembers.size());
    }

    private BigDecimal worstCase(ModelRef ref, ModelRequest r, int maxOut) {
        Price p = prices.find(ref).orElse(null);
        if (p == null) {
            return null;
        }
        StringBuilder text = new StringBuilder(r.system() == null ? "" : r.system());
        for (ChatMessage m : r.messages()) {
            for (ContentPart part : m.parts()) {
                if (part instanceof ContentPart.Text t) {
                    text.append('\n').append(t.text());
                }
            }
        }
        return p.worstCase(estimator.estimate(ref, text.toString()), maxOut);
    }

    // ------------------------------------------------------------------ the search

    /**
     * Runs the search. {@code budget}: stop sending once this much was spent (null: no cap).
     *
     * @param progress told of each phase, for the terminal
     */
    public Result run(MissResolver resolver, BigDecimal budget, Consumer<String> progress) throws InterruptedException {
        return run(resolver, budget, progress, 1);
    }

    /**
     * As {@link #run(MissResolver, BigDecimal, Consumer)}, evaluating {@code wave} configurations per
     * wave (each on every item). Small waves prune most (each evaluated point can prune the next); a
     * batch resolver wants large waves, so that one pass's misses fill one batch. Pruning stays exact
     * whatever the wave.
     */
    public Result run(MissResolver resolver, BigDecimal budget, Consumer<String> progress, int wave)
            throws InterruptedException {
        return run(resolver, budget, progress, wave, Math.max(1, Math.min(items.size(), Math.max(4, concurrency))));
    }

    /**
     * As {@link #run(MissResolver, BigDecimal, Consumer, int)}, evaluating each wave {@code chunk} items at a
     * time: after each chunk a configuration that can no longer reach the frontier is stopped (its judge
     * calls on the remaining items are not made).
     */
    public Result run(MissResolver resolver, BigDecimal budget, Consumer<String> progress, int wave, int chunk)
            throws InterruptedException {
        long t0 = System.nanoTime();
        MissResolver r = accounting(resolver, budget);
        // 1. member phase: every candidate model answers every item once
        progress.accept("member phase: " + singles.size() + " models x " + items.size() + " items");
        runJobs(singlesJobs(), r, p -> p.kind() == CallKind.MEMBER);
        cache.drainMisses();
        Map<String, CachedAnswer[]> answers = singleAnswers();
        // 2. singles graded (rubric graders resolved in passes)
        List<PointResult> points = new ArrayList<>();
        int k = 0;
        for (String m : singles) {
            CachedAnswer[] a = answers.get(m);
            List<Supplier<Mono<Attempt<ItemOutcome>>>> jobs = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                TuneItem it = items.get(i);
                CachedAnswer ans = a[i];
                jobs.add(() -> {
                    CallTrace gt = new CallTrace();
                    String text = ans == null || !ans.ok() ? null : ans.text();
                    return grade(it, text, gt).map(q -> new Attempt<>(new ItemOutcome(q,
                            ans == null ? null : ans.costUsd(), ans == null ? null : ans.latencyMs(),
                            ans != null && ans.batch()), !gt.hasMiss()));
                });
            }
            List<ItemOutcome> outcomes = runJobs(jobs, r, p -> true);
            points.add(new PointResult("m" + (++k), m + " alone", true, null, m, outcomes));
        }
        // 3. configurations, cheapest bound first, pruned
        Map<String, Config> byId = new LinkedHashMap<>();
        configs.forEach(c -> byId.put(c.id(), c));
        Map<String, PointResult> singleByModel = new HashMap<>();
        points.forEach(p -> singleByModel.put(p.model(), p));
        List<Search.Bound> bounds = new ArrayList<>();
        for (Config c : configs) {
            bounds.add(bound(c, singleByModel));
        }
        List<Search.Scored> known = points.stream().map(p -> new Search.Scored(p.id(), p.quality(), p.costPerItem())).toList();
        Map<String, PointResult> evaluated = new LinkedHashMap<>();
        int waveSize = prune ? Math.max(1, wave) : Math.max(1, configs.size());
        progress.accept("search: " + configs.size() + " configurations" + (prune ? " (pruning)" : " (exhaustive)"));
        Map<String, ItemOutcome[]> partial = new HashMap<>();
        int chunkSize = prune ? Math.max(1, chunk) : items.size();
        Search.Outcome outcome = Search.run(known, bounds, prune, waveSize, chunkSize, (ids, from, to) -> {
            List<Supplier<Mono<Attempt<ItemOutcome>>>> jobs = new ArrayList<>();
            for (String id : ids) {
                for (int i = from; i < to; i++) {
                    jobs.add(configJob(byId.get(id), items.get(i)));
                }
            }
            List<ItemOutcome> all = runJobs(jobs, r, p -> true);
            Map<String, List<Search.ItemScore>> scores = new HashMap<>();
            for (int x = 0; x < ids.size(); x++) {
                String id = ids.get(x);
                ItemOutcome[] arr = partial.computeIfAbsent(id, k2 -> new ItemOutcome[items.size()]);
                List<Search.ItemScore> got = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    ItemOutcome o = all.get(x * (to - from) + (i - from));
                    arr[i] = o;
                    got.add(new Search.ItemScore(o.quality(), o.costUsd()));
                }
                scores.put(id, got);
                if (to == items.size()) {
                    Config c = byId.get(id);
                    evaluated.put(id, new PointResult(c.id(), c.label(), false, c, null, List.of(arr)));
                }
            }
            return scores;
        });
        cache.drainMisses();
        points.addAll(evaluated.values());
        List<Pareto.Point> pp = points.stream().map(p -> new Pareto.Point(p.id(), p.quality(), p.costPerItem())).toList();
        List<String> frontier = Pareto.front(pp);
        List<Config> pruned = new ArrayList<>(outcome.pruned().stream().map(byId::get).toList());
        outcome.stopped().forEach(id -> pruned.add(byId.get(id)));
        Map<CallKind, BigDecimal> usd = new java.util.EnumMap<>(CallKind.class);
        for (CallKind kind : CallKind.values()) {
            usd.put(kind, spentUsd.getOrDefault(kind, BigDecimal.ZERO));
        }
        Map<CallKind, Long> counts = new java.util.EnumMap<>(CallKind.class);
        for (CallKind kind : CallKind.values()) {
            counts.put(kind, sent.getOrDefault(kind, 0L));
        }
        Set<String> memberKeys = new java.util.HashSet<>();
        answers.values().forEach(arr -> {
            for (CachedAnswer a : arr) {
                if (a != null) {
                    memberKeys.add(a.key());
                }
            }
        });
        memberKeys.removeAll(sentMemberKeys);
        long search = System.nanoTime() - t0 - resolverNanos;
        return new Result(points, pruned, configs(), frontier, new Spend(usd, counts, spendComplete), memberKeys.size(),
                passes, search);
    }

    /**
     * The racing search ({@code --prune race}): advances the point with the lowest estimated cost a chunk of items
     * at a time while its quality can still reach the bar and no finished point at the bar is as cheap (see
     * {@link Race}). No single model is asked only to set the bar: one never asked counts at 100 %, so a point that
     * reaches 100 % minus the margin needs no expensive best single model at all (the result's
     * {@link Result#barNote()} says so). It pays for far fewer calls than {@link #run} and finds the same
     * recommendation when the estimates hold, but it gives up the complete frontier: points left part-way are
     * returned as estimates ({@link PointResult#estimate()}), never on the frontier and never recommended;
     * near-ties of the recommendation that were not pursued are listed in {@link Result#ties()}.
     *
     * @param margin the recommendation's margin below the best single model
     * @param target a target quality instead, or null
     */
    public Result runRace(MissResolver resolver, BigDecimal budget, Consumer<String> progress, double margin,
                          Double target) throws InterruptedException {
        return runRace(resolver, budget, progress, margin, target, false);
    }

    /**
     * As {@link #runRace(MissResolver, BigDecimal, Consumer, double, Double)}; with {@code rungs} a point is
     * advanced by rungs (1 item, then up to 4, then all): for batch resolvers, where every step's misses are a
     * round of batches.
     */
    public Result runRace(MissResolver resolver, BigDecimal budget, Consumer<String> progress, double margin,
                          Double target, boolean rungs) throws InterruptedException {
        long t0 = System.nanoTime();
        MissResolver r = accounting(resolver, budget);
        int n = items.size();
        Map<String, Config> byId = new LinkedHashMap<>();
        configs.forEach(c -> byId.put(c.id(), c));
        List<Race.Point> pts = new ArrayList<>();
        for (String m : singles) {
            pts.add(Race.Point.single(m, null, weight(m)));
        }
        for (Config c : configs) {
            List<String> parts = new ArrayList<>(c.members());
            parts.add(c.judge());
            String sk = c.strategy().label() + "|" + c.members().size();
            pts.add(new Race.Point(c.id(), false, parts, c.members(), c.judge() + "|" + sk, sk, weight(c.judge()), null));
        }
        Map<String, ItemOutcome[]> outcomes = new HashMap<>();
        Set<String> memberKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();
        progress.accept("race: " + n + " items, " + configs.size() + " configurations, lowest estimated cost first;"
                + " single models asked only when needed (figures of points left part-way are estimates)");
        Race.Outcome o = Race.run(n, pts, 0, margin, target, rungs, asked -> {
            Map<String, List<Race.ItemScore>> out = new HashMap<>();
            Map<String, int[]> singleItems = new LinkedHashMap<>();
            asked.forEach((id, at) -> {
                if (!byId.containsKey(id)) {
                    singleItems.put(id, at);
                }
            });
            if (!singleItems.isEmpty()) {
                Map<String, List<ItemOutcome>> got = singlesOn(singleItems, r, memberKeys);
                got.forEach((id, l) -> {
                    int[] at = singleItems.get(id);
                    ItemOutcome[] arr = outcomes.computeIfAbsent(id, k -> new ItemOutcome[n]);
                    for (int x = 0; x < at.length; x++) {
                        arr[at[x]] = l.get(x);
                    }
                    out.put(id, l.stream().map(v -> new Race.ItemScore(v.quality(), v.costUsd(), null)).toList());
                });
            }
            List<String> ids = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            List<Supplier<Mono<Attempt<RaceItem>>>> jobs = new ArrayList<>();
            asked.forEach((id, idx) -> {
                Config c = byId.get(id);
                if (c == null) {
                    return;
                }
                for (int i : idx) {
                    ids.add(id);
                    at.add(i);
                    jobs.add(raceConfigJob(c, items.get(i), memberKeys));
                }
            });
            List<RaceItem> all = runJobs(jobs, r, p -> true);
            for (int x = 0; x < all.size(); x++) {
                RaceItem ri = all.get(x);
                outcomes.computeIfAbsent(ids.get(x), k -> new ItemOutcome[n])[at.get(x)] = ri.outcome();
                out.computeIfAbsent(ids.get(x), k -> new ArrayList<>()).add(
                        new Race.ItemScore(ri.outcome().quality(), ri.outcome().costUsd(), ri.judgeCost()));
            }
            return out;
        });
        cache.drainMisses();
        List<PointResult> points = new ArrayList<>();
        List<String> neverAsked = new ArrayList<>();
        int k = 0;
        for (String m : singles) {
            k++;
            ItemOutcome[] arr = outcomes.get(m);
            if (arr == null) {
                neverAsked.add(m);
                continue;
            }
            points.add(sparse("m" + k, m + " alone", true, null, m, arr));
        }
        List<Config> pruned = new ArrayList<>();
        List<PointResult> partial = new ArrayList<>();
        for (Config c : configs) {
            ItemOutcome[] arr = outcomes.get(c.id());
            PointResult pr = arr == null ? null : sparse(c.id(), c.label(), false, c, null, arr);
            if (pr != null && !pr.estimate()) {
                points.add(pr);
                continue;
            }
            pruned.add(c);
            if (pr != null) {
                partial.add(pr);
            }
        }
        points.addAll(partial);
        List<Pareto.Point> pp = points.stream().filter(p -> !p.estimate())
                .map(p -> new Pareto.Point(p.id(), p.quality(), p.costPerItem())).toList();
        List<String> frontier = Pareto.front(pp);
        Map<CallKind, BigDecimal> usd = new java.util.EnumMap<>(CallKind.class);
        Map<CallKind, Long> counts = new java.util.EnumMap<>(CallKind.class);
        for (CallKind kind : CallKind.values()) {
            usd.put(kind, spentUsd.getOrDefault(kind, BigDecimal.ZERO));
            counts.put(kind, sent.getOrDefault(kind, 0L));
        }
        Set<String> cachedMembers = new java.util.HashSet<>(memberKeys);
        cachedMembers.removeAll(sentMemberKeys);
        String note = target != null ? null : String.format(java.util.Locale.ROOT,
                "race bar %.1f%%: the best single model's mean on the items it answered, at most %.1f%% (every item"
                        + " not asked counted right)%s", 100 * o.bar(), 100 * (o.barUpperBound() + margin),
                neverAsked.isEmpty() ? "" : "; never asked (counted at 100%): " + String.join(", ", neverAsked));
        List<Config> ties = o.ties().stream().map(byId::get).toList();
        progress.accept("race: " + o.steps() + " steps; " + points.stream().filter(p -> !p.estimate()).count()
                + " points on every item, " + points.stream().filter(PointResult::estimate).count() + " estimates, "
                + ties.size() + " unexplored near-ties of the cheapest point at the bar"
                + (note == null ? "" : "; " + note));
        return new Result(points, pruned, configs(), frontier, new Spend(usd, counts, spendComplete), cachedMembers.size(),
                passes, System.nanoTime() - t0 - resolverNanos, o.bar(), note, ties);
    }

    /** A point from its per-item outcomes (null where not evaluated): an estimate unless every item is known. */
    private static PointResult sparse(String id, String label, boolean single, Config c, String model,
                                      ItemOutcome[] arr) {
        List<ItemOutcome> l = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < arr.length; i++) {
            if (arr[i] != null) {
                l.add(arr[i]);
                at.add(i);
            }
        }
        if (l.size() == arr.length) {
            return new PointResult(id, label, single, c, model, l);
        }
        return new PointResult(id, label + estimateNote(l.size(), arr.length), single, c, model, l, true, at);
    }

    private static String estimateNote(int done, int n) {
        return " (estimate: " + done + " of " + n + " items)";
    }

    /** A judge's price weight (input + output USD per million tokens), 0 when unpriced. */
    private double weight(String judge) {
        return prices.find(ModelRef.parse(judge)).map(p -> {
            dev.fusion.cost.Rates rt = p.ratesFor(0);
            return rt.input().add(rt.output()).doubleValue();
        }).orElse(0.0);
    }

    /** Single models answering alone on items (per model, its item indices; one engine ask per item with the models that need it). */
    private Map<String, List<ItemOutcome>> singlesOn(Map<String, int[]> ranges, MissResolver r, Set<String> memberKeys)
            throws InterruptedException {
        java.util.TreeMap<Integer, List<String>> byItem = new java.util.TreeMap<>();
        ranges.forEach((m, at) -> {
            for (int i : at) {
                byItem.computeIfAbsent(i, x -> new ArrayList<>()).add(m);
            }
        });
        Map<Integer, CallTrace> traces = new java.util.concurrent.ConcurrentHashMap<>();
        List<Supplier<Mono<Attempt<Boolean>>>> jobs = new ArrayList<>();
        byItem.forEach((i, ms) -> {
            List<String> which = singles.stream().filter(ms::contains).toList();
            TuneItem it = items.get(i);
            jobs.add(() -> {
                CallTrace t = new CallTrace();
                traces.put(i, t);
                return singlesFusion(which, t, false).askAsync(request(it)).then(Mono.just(Boolean.TRUE))
                        .onErrorResume(e -> Mono.just(Boolean.TRUE))
                        .map(v -> new Attempt<>(v, !t.hasMiss(CallKind.MEMBER)));
            });
        });
        runJobs(jobs, r, p -> p.kind() == CallKind.MEMBER);
        cache.drainMisses();
        Map<String, List<ItemOutcome>> out = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        List<Supplier<Mono<Attempt<ItemOutcome>>>> grades = new ArrayList<>();
        ranges.forEach((m, at) -> {
            for (int i : at) {
                CachedAnswer ans = null;
                CallTrace t = traces.get(i);
                for (CachedAnswer a : t == null ? List.<CachedAnswer>of() : t.used()) {
                    if (a.kind() == CallKind.MEMBER && (a.provider() + ":" + a.model()).equals(m)) {
                        ans = a;
                        memberKeys.add(a.key());
                    }
                }
                CachedAnswer fa = ans;
                TuneItem it = items.get(i);
                order.add(m);
                grades.add(() -> {
                    CallTrace gt = new CallTrace();
                    String text = fa == null || !fa.ok() ? null : fa.text();
                    return grade(it, text, gt).map(q -> new Attempt<>(new ItemOutcome(q,
                            fa == null ? null : fa.costUsd(), fa == null ? null : fa.latencyMs(),
                            fa != null && fa.batch()), !gt.hasMiss()));
                });
            }
        });
        List<ItemOutcome> graded = runJobs(grades, r, p -> true);
        for (int x = 0; x < graded.size(); x++) {
            out.computeIfAbsent(order.get(x), q -> new ArrayList<>()).add(graded.get(x));
        }
        return out;
    }

    /** A configuration on one item in the race: its outcome and its judge calls' cost (null when unknown). */
    private record RaceItem(ItemOutcome outcome, BigDecimal judgeCost) {
    }

    private Supplier<Mono<Attempt<RaceItem>>> raceConfigJob(Config c, TuneItem it, Set<String> memberKeys) {
        return () -> {
            CallTrace t = new CallTrace();
            CallTrace gt = new CallTrace();
            return fusion(c, t, false).askAsync(request(it)).map(FusionResult::answer)
                    .onErrorResume(e -> Mono.just("\u0000failed"))
                    .flatMap(ans -> grade(it, ans.equals("\u0000failed") ? null : ans, gt))
                    .map(q -> {
                        BigDecimal judge = BigDecimal.ZERO;
                        for (CachedAnswer a : t.used()) {
                            if (a.kind() == CallKind.MEMBER) {
                                memberKeys.add(a.key());
                            } else if (a.kind() == CallKind.JUDGE) {
                                judge = judge == null || a.costUsd() == null ? null : judge.add(a.costUsd());
                            }
                        }
                        return new Attempt<>(new RaceItem(outcome(q, t), judge), !t.hasMiss() && !gt.hasMiss());
                    });
        };
    }

    private Search.Bound bound(Config c, Map<String, PointResult> singleByModel) {
        List<Double> ub = new ArrayList<>();
        List<BigDecimal> lb = new ArrayList<>();
        boolean allFirst = ALL_MEMBERS_FIRST.contains(c.strategy().name());
        for (int i = 0; i < items.size(); i++) {
            double best = singleByModel.get(c.judge()).items().get(i).quality();
            BigDecimal cost = BigDecimal.ZERO;
            for (String m : c.members()) {
                ItemOutcome o = singleByModel.get(m).items().get(i);
                best = Math.max(best, o.quality());
                if (allFirst && cost != null) {
                    cost = o.costUsd() == null ? null : cost.add(o.costUsd());
                }
            }
            ub.add(best);
            lb.add(cost);
        }
        return new Search.Bound(c.id(), lb, ub);
    }

    private List<Supplier<Mono<Attempt<Boolean>>>> singlesJobs() {
        List<Supplier<Mono<Attempt<Boolean>>>> jobs = new ArrayList<>();
        singleTraces.clear();
        for (int i = 0; i < items.size(); i++) {
            TuneItem it = items.get(i);
            int idx = i;
            jobs.add(() -> {
                CallTrace t = new CallTrace();
                singleTraces.put(idx, t);
                return singlesFusion(t, false).askAsync(request(it)).then(Mono.just(Boolean.TRUE))
                        .onErrorResume(e -> Mono.just(Boolean.TRUE))
                        .map(v -> new Attempt<>(v, !t.hasMiss(CallKind.MEMBER)));
            });
        }
        return jobs;
    }

    private final Map<Integer, CallTrace> singleTraces = new java.util.concurrent.ConcurrentHashMap<>();

    /** Per single model, per item: its stored answer (null when it never arrived). */
    private Map<String, CachedAnswer[]> singleAnswers() {
        Map<String, CachedAnswer[]> out = new LinkedHashMap<>();
        for (String m : singles) {
            out.put(m, new CachedAnswer[items.size()]);
        }
        for (Map.Entry<Integer, CallTrace> e : singleTraces.entrySet()) {
            for (CachedAnswer a : e.getValue().used()) {
                if (a.kind() != CallKind.MEMBER) {
                    continue;
                }
                String ref = a.provider() + ":" + a.model();
                CachedAnswer[] arr = out.get(ref);
                if (arr != null) {
                    arr[e.getKey()] = a;
                }
            }
        }
        return out;
    }

    private Supplier<Mono<Attempt<ItemOutcome>>> configJob(Config c, TuneItem it) {
        return () -> {
            CallTrace t = new CallTrace();
            CallTrace gt = new CallTrace();
            return fusion(c, t, false).askAsync(request(it)).map(FusionResult::answer)
                    .onErrorResume(e -> Mono.just("\u0000failed"))
                    .flatMap(ans -> grade(it, ans.equals("\u0000failed") ? null : ans, gt))
                    .map(q -> new Attempt<>(outcome(q, t), !t.hasMiss() && !gt.hasMiss()));
        };
    }

    private static ItemOutcome outcome(double quality, CallTrace t) {
        BigDecimal cost = BigDecimal.ZERO;
        long slowestMember = 0;
        long judges = 0;
        boolean batch = false;
        for (CachedAnswer a : t.used()) {
            cost = cost == null || a.costUsd() == null ? null : cost.add(a.costUsd());
            if (a.kind() == CallKind.MEMBER) {
                slowestMember = Math.max(slowestMember, a.latencyMs());
            } else {
                judges += a.latencyMs();
            }
            batch |= a.batch();
        }
        return new ItemOutcome(quality, cost, slowestMember + judges, batch);
    }

    private Mono<Double> grade(TuneItem it, String answer, CallTrace gt) {
        Grader g = it.effectiveGrader(candidates.grader());
        if (answer == null) {
            return Mono.just(0.0);
        }
        if (g.type() != Grader.Type.RUBRIC) {
            return Mono.just(g.score(answer, it.item().reference()));
        }
        ChatModel m = cache.wrap(models.apply(g.model()), CallKind.GRADER, gt);
        ModelRequest req = ModelRequest.builder()
                .user(g.rubricPrompt(it.item().question(), it.item().reference(), answer))
                .maxOutputTokens(8).temperature(0.0).build();
        return m.call(req).map(r -> Grader.rubricScore(r.text())).onErrorResume(e -> Mono.just(0.0));
    }
}
