package dev.fusion.cli;

import dev.fusion.cli.render.CostTable;
import dev.fusion.cli.tune.CachedModels;
import dev.fusion.cli.tune.LiveResolver;
import dev.fusion.cli.tune.MissResolver;
import dev.fusion.cli.tune.TuneCandidates;
import dev.fusion.cli.tune.TuneItem;
import dev.fusion.cli.tune.TuneReports;
import dev.fusion.cli.tune.TuneRun;
import dev.fusion.cli.tune.internal.SqliteAnswerStore;
import dev.fusion.cli.tune.report.TuneReport;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code fusion tune data.jsonl --candidates tune.yaml}: searches panels × judges × strategies on the
 * user's data and recommends the cheapest configuration within a margin of the best single model.
 * Every answer is paid once: calls are cached in {@code <data>.tune.sqlite} beside the data, so a
 * rerun (or an interrupted run) continues without paying again.
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Find the cheapest panel, judge and strategy that meets your quality bar on your own data.",
                "Every answer is cached in DATA.tune.sqlite beside the data: a rerun pays only for what is new."})
final class TuneCommand implements Callable<Integer> {

    /** Exit code when the worst case exceeds --budget (nothing was sent). */
    static final int EXIT_OVER_BUDGET = 4;

    @Parameters(index = "0", paramLabel = "DATA.jsonl", description = "The items, as fusion eval reads them.")
    Path data;

    @Option(names = "--candidates", required = true, paramLabel = "FILE", description = "YAML: members, judges, strategies, panelSizes.")
    Path candidatesFile;

    @Option(names = "--budget", paramLabel = "USD", description = "Cap on what this run may spend; refused before sending when the worst case exceeds it.")
    BigDecimal budget;

    @Option(names = "--over-budget", description = "With --budget: run even though the worst case exceeds it, stopping once the budget is spent (rerun to continue).")
    boolean overBudget;

    @Option(names = "--margin", paramLabel = "Q", defaultValue = "0.02", description = "Recommend the cheapest point within this much quality of the best single model (default ${DEFAULT-VALUE}).")
    double margin;

    @Option(names = "--target", paramLabel = "Q", description = "Recommend the cheapest point with at least this quality (0..1) instead.")
    Double target;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "fusion-tuned.yaml", description = "Where to write the recommended fusion.yaml fragment (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--report", paramLabel = "FILE.html", description = "Also write an HTML report (and a PNG of its chart beside it).")
    Path report;

    @Option(names = "--config", paramLabel = "FILE", description = "A fusion.yaml whose providers and prices tune uses (its panel and judge are ignored).")
    Path config;

    @Option(names = "--sandbox", description = "Start the built-in offline sandbox (fictional models) for sandbox-* candidates.")
    boolean sandbox;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4", description = "Calls in flight at most (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--fresh", description = "Delete the answer cache of this data set first (pays for everything again).")
    boolean fresh;

    @Option(names = "--batch", description = "Send member, judge and grader calls through the providers' batch APIs"
            + " (OpenAI, Anthropic, Gemini) at their batch prices: slower (up to 24 h), about half the cost; resumable.")
    boolean batch;

    /** Configurations per wave with {@code --batch}: all of them in practice, so passes (and batches) stay few. */
    static final int BATCH_WAVE = 100_000;

    @Option(names = "--prune", paramLabel = "MODE", defaultValue = "bounds", description = "bounds (default): skip configurations that provably cannot be on the frontier; none: evaluate all;"
            + " race: find the recommendation for far less, asking models alone only where needed and stopping points"
            + " by estimates (points left part-way are shown as estimates; the frontier may be incomplete).")
    String prune;

    @Override
    public Integer call() throws IOException, InterruptedException {
        FusionCli.Io io = FusionCli.io();
        if (!Files.isRegularFile(data)) {
            throw new CliException("no such data file: " + data);
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new CliException("--concurrency must be between 1 and 256");
        }
        if (!prune.equals("bounds") && !prune.equals("none") && !prune.equals("race")) {
            throw new CliException("--prune must be bounds, none or race, was '" + prune + "'");
        }
        if (margin < 0 || margin > 1 || (target != null && (target < 0 || target > 1))) {
            throw new CliException("--margin and --target are qualities between 0 and 1");
        }
        if (budget != null && budget.signum() <= 0) {
            throw new CliException("--budget must be a positive amount in USD");
        }
        TuneCandidates candidates = TuneCandidates.load(candidatesFile);
        List<TuneItem> items = TuneItem.read(data);
        Set<String> refs = new LinkedHashSet<>(candidates.members());
        refs.addAll(candidates.judges());
        if (candidates.grader() != null && candidates.grader().model() != null) {
            refs.add(candidates.grader().model());
        }
        items.stream().filter(i -> i.grader() != null && i.grader().model() != null).forEach(i -> refs.add(i.grader().model()));
        boolean namesSandbox = refs.stream().anyMatch(r -> ModelRef.parse(r).provider().startsWith("sandbox-"));
        dev.fusion.providers.config.FusionSpec spec = null;
        if (config != null) {
            try {
                spec = dev.fusion.providers.config.FusionConfig.load(config).spec();
            } catch (RuntimeException e) {
                throw new CliException(e.getMessage().startsWith("config file ") ? e.getMessage()
                        : "config " + config + ": " + e.getMessage());
            }
        }
        // sandbox-* names the config itself points somewhere (a sandbox server of its own) need no in-process one
        boolean configuredSandbox = spec != null && refs.stream().map(r -> ModelRef.parse(r).provider())
                .filter(pr -> pr.startsWith("sandbox-")).allMatch(spec.providers()::containsKey) && namesSandbox;
        Path cacheFile = cacheFile(data);
        if (fresh) {
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(cacheFile + suffix));
            }
        }
        boolean startSandbox = sandbox || (namesSandbox && !configuredSandbox) || (spec != null && spec.sandboxEnabled());
        SandboxBackend sb = startSandbox ? SandboxBackend.start(0, SandboxBackend.latencyScale(io.env)) : null;
        boolean isSandbox = sb != null || namesSandbox;
        String p = isSandbox ? "[sandbox] " : "";
        try (SqliteAnswerStore store = SqliteAnswerStore.open(cacheFile)) {
            Providers providers = Providers.builder().env(io.env).build();
            PriceBook prices = BundledPrices.load();
            if (sb != null) {
                providers = providers.with(sb.providerSpecs());
                prices = prices.with(sb.prices());
                io.err.println(p + "started the built-in offline sandbox at " + sb.baseUrl() + "; " + TuneReports.FICTIONAL);
            } else if (namesSandbox) {
                prices = prices.with(dev.fusion.sandbox.Sandbox.priceBook());
                io.err.println(p + TuneReports.FICTIONAL);
            }
            if (spec != null) {
                providers = spec.withProviders(providers);
                prices = spec.priceBook(prices);
            }
            Providers all = providers;
            Map<String, ChatModel> models = new ConcurrentHashMap<>();
            for (String r : refs) {
                try {
                    models.put(r, all.model(r));
                } catch (RuntimeException e) {
                    throw new CliException(candidatesFile + ": " + r + ": " + e.getMessage());
                }
            }
            CachedModels cache = new CachedModels(store);
            TuneRun run;
            try {
                run = new TuneRun(items, candidates, models::get, prices, cache, concurrency, prune.equals("bounds"));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            io.err.println(p + items.size() + " items, " + (candidates.members().size() + candidates.judges().size())
                    + " candidate models, " + run.configs().size() + " configurations; answer cache " + cacheFile);
            TuneRun.Preview preview = run.preview();
            io.err.println(p + "worst case before sending anything: " + TuneReports.usd(preview.usd())
                    + (preview.unpriced().isEmpty() ? "" : " + unpriced " + preview.unpriced()) + " (" + preview.memberCalls()
                    + " member answers to pay, every judge call at max output tokens, no pruning)");
            if (budget != null && !overBudget && (!preview.unpriced().isEmpty() || preview.usd().compareTo(budget) > 0)) {
                io.err.println("fusion: " + p + "the worst case " + (preview.unpriced().isEmpty() ? TuneReports.usd(preview.usd())
                        : "is unbounded (no price for " + preview.unpriced() + ")") + " exceeds --budget "
                        + TuneReports.usd(budget) + "; nothing was sent. Raise --budget, narrow the candidates, or pass"
                        + " --over-budget to run and stop once " + TuneReports.usd(budget) + " is spent (rerun to continue).");
                return EXIT_OVER_BUDGET;
            }
            MissResolver live = batch ? new dev.fusion.cli.batch.BatchResolver(dev.fusion.cli.batch.BatchCalls.forCli(prices,
                    cacheFile.resolveSibling(cacheFile.getFileName() + ".batches"), isSandbox, io.err, io.terminal, p))
                    : new LiveResolver(prices, concurrency, Duration.ofMinutes(5), c -> { });
            MissResolver resolver = (misses, st) -> {
                Map<dev.fusion.cli.tune.CallKind, Long> byKind = new java.util.EnumMap<>(dev.fusion.cli.tune.CallKind.class);
                misses.forEach(m -> byKind.merge(m.kind(), 1L, Long::sum));
                io.err.println(p + "sending " + misses.size() + " calls " + byKind.toString().toLowerCase(java.util.Locale.ROOT));
                live.resolve(misses, st);
            };
            TuneRun.Result result;
            try {
                // A batch takes minutes to hours to come back: evaluate every configuration on every item in one
                // wave, so each pass's misses make one batch per model (small waves prune more, but a sandbox run
                // with them sent 292 batches, days of turnaround on real providers). Singles still prune.
                result = prune.equals("race") ? run.runRace(resolver, budget, msg -> io.err.println(p + msg), margin, target,
                        batch)
                        : batch ? run.run(resolver, budget, msg -> io.err.println(p + msg), BATCH_WAVE, Integer.MAX_VALUE)
                        : run.run(resolver, budget, msg -> io.err.println(p + msg));
            } catch (TuneRun.BudgetReachedException e) {
                io.err.println("fusion: " + p + e.getMessage());
                return 1;
            }
            TuneReports.Recommendation rec = TuneReports.recommend(result.points(), margin, target, result.bar(),
                    result.barNote());
            String yaml = TuneReports.fusionYaml(rec.recommended(), candidates, items.size(), isSandbox);
            printTable(io, result, rec, items.size(), p);
            io.out.println(rec.sentence());
            if (yaml != null) {
                if (out.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                }
                Files.writeString(out, yaml);
                io.out.println("wrote " + out);
            }
            TuneReport tr = TuneReports.report(data.getFileName().toString(), isSandbox, result, items, rec, yaml, batch);
            Path json = reportJson(data);
            TuneReports.writeJson(tr, json);
            io.out.println("wrote " + json);
            if (report != null) {
                writeHtml(tr, report, io);
            }
            io.err.println(p + "spent this run: members " + TuneReports.usd(tr.spend().memberUsd()) + " ("
                    + tr.spend().memberCallsSent() + " sent, " + tr.spend().memberCallsCached() + " from the cache), judges "
                    + TuneReports.usd(tr.spend().judgeUsd()) + " (" + tr.spend().judgeCallsSent() + " sent), graders "
                    + TuneReports.usd(tr.spend().graderUsd()) + (tr.spend().complete() ? "" : " + unpriced calls"));
            io.err.println(p + String.format(java.util.Locale.ROOT, "search wall time apart from provider calls: %.2f s"
                    + " (%d passes)", result.searchNanos() / 1e9, result.passes()));
            if (isSandbox) {
                io.out.println(TuneReports.FICTIONAL + ".");
            }
            return 0;
        } finally {
            if (sb != null) {
                sb.close();
            }
        }
    }

    /** The HTML report, and the PNG of its chart beside it (same name, .png). */
    private static void writeHtml(TuneReport tr, Path html, FusionCli.Io io) throws IOException {
        Path abs = html.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        dev.fusion.cli.tune.report.HtmlReport.write(tr, abs);
        String name = abs.getFileName().toString().replaceAll("\\.html?$", "");
        Path png = abs.resolveSibling(name + ".png");
        dev.fusion.cli.tune.report.ChartPng.write(tr, png);
        io.out.println("wrote " + html + " and " + png);
    }

    /** {@code data.jsonl} → {@code data.tune.sqlite} beside it. */
    static Path cacheFile(Path data) {
        String name = data.getFileName().toString().replaceAll("\\.jsonl?$", "");
        return data.toAbsolutePath().resolveSibling(name + ".tune.sqlite");
    }

    /** {@code data.jsonl} → {@code data.tune-report.json} beside it. */
    static Path reportJson(Path data) {
        String name = data.getFileName().toString().replaceAll("\\.jsonl?$", "");
        return data.toAbsolutePath().resolveSibling(name + ".tune-report.json");
    }

    private static void printTable(FusionCli.Io io, TuneRun.Result r, TuneReports.Recommendation rec, int n, String p) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"", "point", "quality", "95% CI", "cost/item", "p50"});
        for (TuneRun.PointResult pt : r.points()) {
            boolean front = r.frontier().contains(pt.id());
            boolean isRec = rec.recommended() != null && rec.recommended().id().equals(pt.id());
            boolean isBase = rec.baseline() != null && rec.baseline().id().equals(pt.id());
            if (!front && !isRec && !isBase) {
                continue;
            }
            double[] ci = TuneReports.wilson(pt.quality(), pt.items().size());
            rows.add(new String[] {(isRec ? ">" : "") + (front ? "*" : "") + (isBase ? "b" : "") + (pt.estimate() ? "~" : ""),
                    pt.id() + " " + pt.label(),
                    String.format("%.1f%%", 100 * pt.quality()), String.format("%.0f-%.0f%%", 100 * ci[0], 100 * ci[1]),
                    TuneReports.usd(pt.costPerItem()), pt.p50LatencyMs() == null ? "-" : pt.p50LatencyMs() + "ms"});
        }
        CostTable.table(rows).lines().forEach(io.out::println);
        io.out.println("* on the frontier (no other point is at least as good and as cheap)   > recommended   b best single model");
        io.out.println("95% CI: Wilson score interval over the " + n + " items; cost and p50 per item from the recorded calls");
        long estimates = r.points().stream().filter(TuneRun.PointResult::estimate).count();
        if (estimates > 0) {
            io.out.println((r.points().size() - estimates) + " points evaluated on every item, " + estimates
                    + " left part-way (estimates, marked ~); " + r.pruned().size() + " configurations not finished by the race:"
                    + " the frontier may miss points (--prune bounds keeps every frontier point)");
            if (!r.ties().isEmpty()) {
                io.out.println(r.ties().size() + " near-ties of the recommendation not pursued (estimated within 5 % of its"
                        + " cost): " + r.ties().stream().map(TuneRun.Config::id).collect(java.util.stream.Collectors.joining(", ")));
            }
        } else {
            io.out.println(r.points().size() + " points evaluated (" + r.pruned().size() + " configurations pruned"
                    + " as provably off the frontier; --prune none evaluates all)");
        }
        if (!p.isEmpty()) {
            io.out.println(TuneReports.FICTIONAL + ".");
        }
    }
}
