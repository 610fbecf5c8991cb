package dev.fusion.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.CallRecord;
import dev.fusion.CallStep;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.cost.Usage;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.WireServer;
import dev.fusion.structured.DisputeRequest;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vote} versus {@code synthesize} on a scripted structured-extraction workload (issue 14's
 * performance item): a 3-member panel extracts a 10-leaf invoice schema, {@code unanimous} of the leaves
 * agree across the members, the rest are 2–1 splits or (with probability {@code noMajority}) three-way
 * disagreements; one flagship judge. Both strategies ask the same documents over real HTTP (the sandbox
 * {@code WireServer} in this process, OpenAI wire format, {@link ExtractionScripts} for latency, usage and
 * prices), in interleaved blocks (synthesize then vote, then vote then synthesize, …) after a warm-up of
 * both. Reported: spend (USD, from each {@link FusionResult}, cross-checked against the {@code Fusion}
 * ledger), wall time per ask (client-side, p50/p90/p99), the share of asks answered without a judge call,
 * and the ratios vote / synthesize. Targets (issue 14): spend ≤ 0.6×, wall ≤ 0.9×.
 *
 * <pre>java -cp fusion-benchmarks/target/benchmarks.jar dev.fusion.bench.load.VoteVsSynthesize \
 *     asks=200 concurrency=8 unanimous=0.7 seed=42 [noMajority=0.5] [warmup=10] [block=16]</pre>
 * The last line printed is {@code SUMMARY {json}}.
 */
public final class VoteVsSynthesize {

    static final BigDecimal SPEND_TARGET = new BigDecimal("0.6");
    static final double WALL_TARGET = 0.9;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private VoteVsSynthesize() {
    }

    /** The run's parameters. */
    record Options(int asks, int concurrency, double unanimous, long seed, double noMajority, int warmup, int block) {

        static Options parse(String... args) {
            Map<String, String> o = new LinkedHashMap<>();
            for (String a : args) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected key=value, got '" + a
                            + "'; keys: asks, concurrency, unanimous, seed, noMajority, warmup, block");
                }
                o.put(a.substring(0, eq), a.substring(eq + 1));
            }
            int asks = Integer.parseInt(o.getOrDefault("asks", "200"));
            int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "8"));
            Options opt = new Options(asks, concurrency, Double.parseDouble(o.getOrDefault("unanimous", "0.7")),
                    Long.parseLong(o.getOrDefault("seed", "42")), Double.parseDouble(o.getOrDefault("noMajority", "0.5")),
                    Integer.parseInt(o.getOrDefault("warmup", "10")),
                    Integer.parseInt(o.getOrDefault("block", Integer.toString(2 * concurrency))));
            if (opt.asks < 1 || opt.concurrency < 1 || opt.warmup < 0 || opt.block < 1) {
                throw new IllegalArgumentException("asks, concurrency and block must be >= 1, warmup >= 0: " + opt);
            }
            return opt;
        }
    }

    /** One measured ask. */
    record Sample(int ask, double wallMs, double callsMs, double scriptedMs, BigDecimal usd, boolean costComplete, int judgeCalls, int resolveCalls,
                  int repairCalls, Usage judgeUsage, BigDecimal judgeUsd, boolean correct) {
    }

    /** Everything measured for one strategy. */
    record Totals(String strategy, List<Sample> samples, BigDecimal ledgerUsd) {

        BigDecimal spend() {
            return samples.stream().map(Sample::usd).reduce(BigDecimal.ZERO, BigDecimal::add);
        }

        BigDecimal judgeSpend() {
            return samples.stream().map(Sample::judgeUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        }

        Stats wall() {
            return Stats.of(samples.stream().map(Sample::wallMs).toList());
        }

        /** The scripted latency of each ask's critical path (no client, server or scheduling time at all). */
        Stats scripted() {
            return Stats.of(samples.stream().map(Sample::scriptedMs).toList());
        }

        /** Wall minus the scripted critical path: everything the machine added (client, server, CPU contention). */
        Stats excess() {
            return Stats.of(samples.stream().map(x -> x.wallMs() - x.scriptedMs()).toList());
        }

        /** Wall minus the calls' own latency: queueing, scheduling and the engine's work. */
        Stats overhead() {
            return Stats.of(samples.stream().map(x -> x.wallMs() - x.callsMs()).toList());
        }

        long judgeCalls() {
            return samples.stream().mapToLong(Sample::judgeCalls).sum();
        }

        long withoutJudge() {
            return samples.stream().filter(s -> s.judgeCalls() == 0).count();
        }

        long repairs() {
            return samples.stream().mapToLong(Sample::repairCalls).sum();
        }

        long correct() {
            return samples.stream().filter(Sample::correct).count();
        }

        boolean costComplete() {
            return samples.stream().allMatch(Sample::costComplete);
        }

        Usage judgeUsage() {
            return samples.stream().map(Sample::judgeUsage).reduce(Usage.ZERO, Usage::plus);
        }
    }

    /** Both strategies' totals and the workload's plan. */
    record Outcome(Options options, Totals synthesize, Totals vote, long plannedNeedJudge) {

        BigDecimal spendRatio() {
            return vote.spend().divide(synthesize.spend(), 4, RoundingMode.HALF_UP);
        }

        double wallRatio(double q) {
            return vote.wall().p(q) / synthesize.wall().p(q);
        }

        double noJudgeShare() {
            return vote.withoutJudge() / (double) vote.samples().size();
        }
    }

    public static void main(String[] args) {
        Options opt = Options.parse(args);
        System.out.printf("== vote vs synthesize  %s  JDK %s  cores=%d  %s%n", java.time.LocalDate.now(),
                Runtime.version(), Runtime.getRuntime().availableProcessors(), opt);
        Outcome out = run(opt);
        print(out);
        System.out.println(anatomy(ExtractionWorkload.of(opt.warmup() + opt.asks(), opt.unanimous(), opt.noMajority(),
                opt.seed()), opt.warmup(), opt.seed()));
        System.exit(0);
    }

    /** Runs the whole benchmark: a server, warm-up, then interleaved blocks of both strategies. */
    static Outcome run(Options opt) {
        ExtractionWorkload w = ExtractionWorkload.of(opt.warmup() + opt.asks(), opt.unanimous(), opt.noMajority(),
                opt.seed());
        try (WireServer server = WireServer.start(ExtractionScripts.behaviour(w))) {
            Providers p = Providers.builder().env(Map.of()).build().with(Map.of(ExtractionScripts.PROVIDER,
                    ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl() + "/v1")));
            Fusion synth = fusion(p, Strategy.synthesize(), opt.seed());
            Fusion vote = fusion(p, Strategy.vote(), opt.seed());
            List<Integer> warm = range(0, opt.warmup());
            runBlock(synth, w, warm, opt.concurrency());
            runBlock(vote, w, warm, opt.concurrency());
            BigDecimal synth0 = synth.spentUsd();
            BigDecimal vote0 = vote.spentUsd();
            List<Sample> s = new ArrayList<>();
            List<Sample> v = new ArrayList<>();
            int b = 0;
            for (int from = opt.warmup(); from < opt.warmup() + opt.asks(); from += opt.block(), b++) {
                List<Integer> block = range(from, Math.min(from + opt.block(), opt.warmup() + opt.asks()));
                if (b % 2 == 0) {
                    s.addAll(runBlock(synth, w, block, opt.concurrency()));
                    v.addAll(runBlock(vote, w, block, opt.concurrency()));
                } else {
                    v.addAll(runBlock(vote, w, block, opt.concurrency()));
                    s.addAll(runBlock(synth, w, block, opt.concurrency()));
                }
            }
            long planned = w.asks().subList(opt.warmup(), w.asks().size()).stream()
                    .filter(ExtractionWorkload.Ask::needsJudge).count();
            return new Outcome(opt, new Totals("synthesize", s, synth.spentUsd().subtract(synth0)),
                    new Totals("vote", v, vote.spentUsd().subtract(vote0)), planned);
        }
    }

    private static Fusion fusion(Providers p, Strategy strategy, long seed) {
        Fusion.Builder b = Fusion.builder().strategy(strategy).shuffleSeed(seed)
                .maxOutputTokens(400).judgeMaxOutputTokens(800)
                .judge(p.model(ExtractionScripts.PROVIDER + ":" + ExtractionScripts.JUDGE));
        for (String m : ExtractionScripts.MEMBERS) {
            b.panel(p.model(ExtractionScripts.PROVIDER + ":" + m));
        }
        ExtractionScripts.prices().forEach(b::price);
        return b.build();
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(i);
        }
        return l;
    }

    private static List<Sample> runBlock(Fusion fusion, ExtractionWorkload w, List<Integer> asks, int concurrency) {
        return Flux.fromIterable(asks).flatMapSequential(i -> Mono.defer(() -> {
            long t0 = System.nanoTime();
            FusionRequest req = FusionRequest.builder().prompt(w.ask(i).prompt()).schema(ExtractionWorkload.SCHEMA).build();
            return fusion.askAsync(req).map(r -> sample(w, w.ask(i), r, (System.nanoTime() - t0) / 1e6));
        }), concurrency).collectList().block();
    }

    static Sample sample(ExtractionWorkload w, ExtractionWorkload.Ask ask, FusionResult r, double wallMs) {
        int resolve = 0;
        int repair = 0;
        Usage judgeUsage = Usage.ZERO;
        BigDecimal judgeUsd = BigDecimal.ZERO;
        for (CallRecord c : r.judgeCalls()) {
            judgeUsage = judgeUsage.plus(c.usage());
            judgeUsd = judgeUsd.add(c.cost().usd().orElse(BigDecimal.ZERO));
            if (c.callStep().orElse(null) == CallStep.RESOLVE) {
                resolve++;
            }
        }
        for (CallRecord c : r.calls()) {
            CallStep step = c.callStep().orElse(null);
            if (step == CallStep.REPAIR || step == CallStep.RESOLVE_RETRY || step == CallStep.STRUCTURED_RETRY) {
                repair++;
            }
        }
        boolean correct = r.json().map(j -> sameJson(j, ask.truth())).orElse(false);
        // The time the calls themselves took as the engine recorded them: the slowest panel call of round 1
        // (members run at once), then each judge call in turn; wall minus this is the client's own share.
        double panelMs = r.panel().stream().mapToDouble(c -> c.latency() == null ? 0 : c.latency().toNanos() / 1e6)
                .max().orElse(0);
        double judgeMs = r.judgeCalls().stream().mapToDouble(c -> c.latency() == null ? 0 : c.latency().toNanos() / 1e6)
                .sum();
        // What the script alone makes this ask take: the slowest member, then each judge call in turn.
        long scripted = 0;
        for (int m = 0; m < ExtractionWorkload.MEMBERS; m++) {
            scripted = Math.max(scripted, ExtractionScripts.memberMs(w, ask.index(), m));
        }
        for (CallRecord c : r.judgeCalls()) {
            CallStep step = c.callStep().orElse(null);
            scripted += ExtractionScripts.judgeMs(w, ask.index(), step == CallStep.RESOLVE || step == CallStep.RESOLVE_RETRY,
                    c.usage());
        }
        return new Sample(ask.index(), wallMs, panelMs + judgeMs, scripted, r.totalCostUsd(), r.costComplete(), r.judgeCalls().size(), resolve,
                repair, judgeUsage, judgeUsd, correct);
    }

    /** Field-by-field equality with numbers compared numerically. */
    static boolean sameJson(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b) {
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            var it = a.fieldNames();
            while (it.hasNext()) {
                String k = it.next();
                if (!b.has(k) || !sameJson(a.get(k), b.get(k))) {
                    return false;
                }
            }
            return true;
        }
        return ExtractionScripts.sameValue(a, b);
    }

    /**
     * Where a judge call's input tokens go, by part, averaged over the asks from {@code from} on that need the
     * vote's judge: the vote's resolve request and the synthesize request rebuilt with the engine's public
     * classes ({@link StructuredVote#disputeRequest}, {@link JudgePrompt#synthesize()}), counted by the
     * server's token rule. Evidence for why the spend ratio is what it is.
     */
    static Anatomy anatomy(ExtractionWorkload w, int from, long seed) {
        StructuredSchema schema = StructuredSchema.parse(ExtractionWorkload.SCHEMA);
        JudgePrompt synth = JudgePrompt.synthesize();
        long[] t = new long[9];
        int n = 0;
        for (ExtractionWorkload.Ask ask : w.asks().subList(from, w.asks().size())) {
            StructuredVote vote = StructuredVote.tally(schema, new ArrayList<>(ask.answers()));
            if (!vote.needsJudge()) {
                continue;
            }
            DisputeRequest d = vote.disputeRequest(ask.prompt(), seed);
            String user = d.user();
            int agreed = user.indexOf("Agreed by a majority");
            int disputed = user.indexOf("Disputed fields");
            t[0] += ExtractionScripts.tokens(d.system());
            t[1] += ExtractionScripts.tokens(user.substring(0, agreed < 0 ? disputed : agreed));
            t[2] += agreed < 0 ? 0 : ExtractionScripts.tokens(user.substring(agreed, disputed));
            t[3] += ExtractionScripts.tokens(user.substring(disputed));
            t[4] += ExtractionScripts.tokens(d.schema().json());
            List<String> answers = new ArrayList<>();
            for (int m = 0; m < ExtractionWorkload.MEMBERS; m++) {
                answers.add(ask.answerText(m));
            }
            t[5] += ExtractionScripts.tokens(synth.system());
            t[6] += ExtractionScripts.tokens(ask.prompt());
            t[7] += ExtractionScripts.tokens(synth.render(ask.prompt(), answers)) - ExtractionScripts.tokens(ask.prompt());
            t[8] += ExtractionScripts.tokens(ExtractionWorkload.SCHEMA);
            n++;
        }
        int k = Math.max(1, n);
        return new Anatomy(n, t[0] / k, t[1] / k, t[2] / k, t[3] / k, t[4] / k, t[5] / k, t[6] / k, t[7] / k, t[8] / k);
    }

    /** Mean input tokens of a judge call by part (see {@link #anatomy}). */
    record Anatomy(int asks, long resolveSystem, long resolveQuestion, long agreed, long disputed, long disputeSchema,
                   long synthSystem, long synthQuestion, long synthAnswers, long fullSchema) {

        long resolveTotal() {
            return resolveSystem + resolveQuestion + agreed + disputed + disputeSchema;
        }

        long synthTotal() {
            return synthSystem + synthQuestion + synthAnswers + fullSchema;
        }

        @Override
        public String toString() {
            if (asks == 0) {
                return "judge input anatomy: no ask needs the vote's judge";
            }
            return String.format("judge input anatomy (tokens, mean over the %d asks that need the vote's judge): "
                            + "resolve %d = system %d + question %d + agreed fields %d + disputed candidates %d + "
                            + "dispute schema %d; synthesize %d = system %d + question %d + answers and template %d + "
                            + "full schema %d", asks, resolveTotal(), resolveSystem, resolveQuestion, agreed, disputed,
                    disputeSchema, synthTotal(), synthSystem, synthQuestion, synthAnswers, fullSchema);
        }
    }

    static void print(Outcome o) {
        System.out.printf("workload: %d asks, %d of %d leaves unanimous per ask, noMajority=%.2f → %d asks (%.1f %%) planned "
                        + "to need the vote's judge; concurrency %d, blocks of %d, warm-up %d asks per strategy%n",
                o.options().asks(), (int) Math.round(o.options().unanimous() * ExtractionWorkload.FIELDS),
                ExtractionWorkload.FIELDS, o.options().noMajority(), o.plannedNeedJudge(),
                100.0 * o.plannedNeedJudge() / o.options().asks(), o.options().concurrency(), o.options().block(),
                o.options().warmup());
        System.out.printf("%-11s %12s %12s %9s %9s %9s %7s %8s %9s %8s %8s %7s %7s%n", "strategy", "spend USD",
                "judge USD", "wall p50", "wall p90", "wall p99", "judge", "no judge", "judge in", "judge out",
                "repairs", "correct", "ledger");
        for (Totals t : List.of(o.synthesize(), o.vote())) {
            Stats wall = t.wall();
            long calls = Math.max(1, t.judgeCalls());
            System.out.printf("%-11s %12s %12s %7.0fms %7.0fms %7.0fms %7d %8d %9d %9d %8d %7d %7s%n", t.strategy(),
                    t.spend().setScale(6, RoundingMode.HALF_UP).toPlainString(),
                    t.judgeSpend().setScale(6, RoundingMode.HALF_UP).toPlainString(), wall.p(50), wall.p(90), wall.p(99),
                    t.judgeCalls(), t.withoutJudge(), t.judgeUsage().input() / calls, t.judgeUsage().output() / calls,
                    t.repairs(), t.correct(), t.ledgerUsd().compareTo(t.spend()) == 0 && t.costComplete() ? "match"
                            : "DIFF " + t.ledgerUsd().toPlainString());
        }
        for (Totals t : List.of(o.synthesize(), o.vote())) {
            System.out.printf("%-11s scripted critical path p50 %.0f ms, p99 %.0f ms; wall minus it (all the machine "
                            + "added) p50 %.0f, p99 %.0f, max %.0f ms; of which outside the calls' recorded latency p50 %.0f, "
                            + "p99 %.0f, max %.0f ms%n", t.strategy(), t.scripted().p(50), t.scripted().p(99), t.excess().p(50),
                    t.excess().p(99), t.excess().max(), t.overhead().p(50), t.overhead().p(99), t.overhead().max());
        }
        System.out.printf("scripted-only reference (no machine noise): vote / synthesize p50 %.3f, p99 %.3f%n",
                o.vote().scripted().p(50) / o.synthesize().scripted().p(50),
                o.vote().scripted().p(99) / o.synthesize().scripted().p(99));
        BigDecimal spend = o.spendRatio();
        double p50 = o.wallRatio(50);
        double p99 = o.wallRatio(99);
        System.out.printf("vote / synthesize: spend %s (target <= %s: %s), wall p50 %.3f, p99 %.3f (target <= %.1f: %s), "
                        + "asks without a judge call %.1f %% (planned %.1f %%)%n",
                spend.toPlainString(), SPEND_TARGET.toPlainString(), spend.compareTo(SPEND_TARGET) <= 0 ? "MET" : "MISSED",
                p50, p99, WALL_TARGET, p50 <= WALL_TARGET && p99 <= WALL_TARGET ? "MET" : "MISSED",
                100 * o.noJudgeShare(), 100.0 * (o.options().asks() - o.plannedNeedJudge()) / o.options().asks());
        System.out.println("(judge in/out = tokens per judge call; wall = client-side per ask; ledger = Fusion.spentUsd() "
                + "delta vs the sum of FusionResult.totalCostUsd())");
        ObjectNode j = MAPPER.createObjectNode();
        j.put("benchmark", "vote-vs-synthesize");
        j.put("asks", o.options().asks());
        j.put("concurrency", o.options().concurrency());
        j.put("unanimous", o.options().unanimous());
        j.put("noMajority", o.options().noMajority());
        j.put("seed", o.options().seed());
        j.put("synthesizeUsd", o.synthesize().spend());
        j.put("voteUsd", o.vote().spend());
        j.put("spendRatio", spend);
        j.put("synthesizeWallP50Ms", round(o.synthesize().wall().p(50)));
        j.put("synthesizeWallP99Ms", round(o.synthesize().wall().p(99)));
        j.put("voteWallP50Ms", round(o.vote().wall().p(50)));
        j.put("voteWallP99Ms", round(o.vote().wall().p(99)));
        j.put("wallP50Ratio", round3(p50));
        j.put("wallP99Ratio", round3(p99));
        j.put("scriptedP50Ratio", round3(o.vote().scripted().p(50) / o.synthesize().scripted().p(50)));
        j.put("scriptedP99Ratio", round3(o.vote().scripted().p(99) / o.synthesize().scripted().p(99)));
        j.put("voteExcessP99Ms", round(o.vote().excess().p(99)));
        j.put("synthesizeExcessP99Ms", round(o.synthesize().excess().p(99)));
        j.put("noJudgeShare", round3(o.noJudgeShare()));
        j.put("plannedNoJudgeShare", round3((o.options().asks() - o.plannedNeedJudge()) / (double) o.options().asks()));
        j.put("voteRepairs", o.vote().repairs());
        j.put("synthesizeRepairs", o.synthesize().repairs());
        j.put("spendMet", spend.compareTo(SPEND_TARGET) <= 0);
        j.put("wallMet", p50 <= WALL_TARGET && p99 <= WALL_TARGET);
        System.out.println("SUMMARY " + j);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
