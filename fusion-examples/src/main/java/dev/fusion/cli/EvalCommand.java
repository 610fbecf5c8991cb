package dev.fusion.cli;

import dev.fusion.Member;
import dev.fusion.cli.eval.EvalItem;
import dev.fusion.cli.eval.EvalRunner;
import dev.fusion.cli.render.CostTable;
import dev.fusion.cli.render.Money;
import dev.fusion.model.ChatModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code fusion eval data.jsonl}: the fusion and each single model on every question, scored and
 * costed, with the Pareto front marked. Resumable: results go to a state file as they finish and
 * a rerun continues where the last one stopped ({@code --fresh} starts over).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Score the fusion against each panel member alone (and the judge's model alone).",
                "Each JSONL line: {\"id\", \"question\", \"reference\", \"grading\": exact|contains|regex|judge}."})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DATA.jsonl")
    Path data;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write state.jsonl, summary.json and runs.csv (default .fusion/eval/<data name>).")
    Path out;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4", description = "Runs in flight at most (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--max-spend", paramLabel = "USD", description = "Stop starting runs once this much was spent; rerun to continue.")
    BigDecimal maxSpend;

    @Option(names = "--fresh", description = "Discard earlier results for this data set and start over.")
    boolean fresh;

    @Option(names = "--no-singles", description = "Evaluate only the fusion.")
    boolean noSingles;

    @Option(names = "--schema", paramLabel = "FILE", description = "A JSON Schema file: every answer (the fusion's and"
            + " each model's alone) is asked for as JSON valid against it, and scored as that JSON text; needed by"
            + " --strategy vote.")
    Path schema;

    @Option(names = "--batch", description = "Send the single-model, member, judge and grader calls through the"
            + " providers' batch APIs (OpenAI, Anthropic, Gemini) at their batch prices: slower (up to 24 h), about half"
            + " the cost; resumable: rerun the same command after an interruption.")
    boolean batch;

    @Override
    public Integer call() throws IOException {
        FusionCli.Io io = FusionCli.io();
        if (!Files.isRegularFile(data)) {
            throw new CliException("no such data file: " + data);
        }
        if (concurrency < 1) {
            throw new CliException("--concurrency must be at least 1");
        }
        String schemaText = schema == null ? null : AskInputs.schema(schema);
        if (schemaText == null && common.strategy != null && Setup.strategyName(common.strategy).equalsIgnoreCase("vote")) {
            throw new CliException("--strategy vote votes field by field on JSON answers: pass a JSON Schema with"
                    + " --schema FILE, e.g. --schema examples/ticket-schema.json".replace("e.g.", "for example"));
        }
        List<EvalItem> items = EvalRunner.readItems(data);
        String name = data.getFileName().toString().replaceAll("\\.jsonl?$", "");
        Path dir = out != null ? out : Path.of(".fusion", "eval", name);
        Files.createDirectories(dir);
        Path state = dir.resolve("state.jsonl");
        if (fresh) {
            Files.deleteIfExists(state);
        }
        dev.fusion.Fusion.Builder[] held = new dev.fusion.Fusion.Builder[1];
        try (Setup setup = Setup.resolve(common, io.env, false, b -> held[0] = b)) {
            String p = setup.linePrefix();
            setup.description.forEach(d -> io.err.println(p + d));
            Map<String, ChatModel> singles = new LinkedHashMap<>();
            if (!noSingles) {
                for (Member m : setup.fusion.panel()) {
                    singles.putIfAbsent(m.id(), m.model());
                }
                Member judge = setup.fusion.judges().get(0);
                singles.putIfAbsent(judge.id() + " (judge alone)", judge.model());
            }
            int already = EvalRunner.readState(state).size();
            if (already > 0) {
                io.err.println(p + "resuming: " + already + " run(s) already in " + state + " (use --fresh to start over)");
            }
            EvalRunner runner = new EvalRunner(setup.fusion, singles, setup.fusion.judges().get(0).model(),
                    setup.prices, concurrency, maxSpend, setup.fusion.settings().maxOutputTokens(), Duration.ofMinutes(2),
                    schemaText);
            List<EvalRunner.Run> runs;
            try {
                if (batch) {
                    runs = runBatch(setup, held[0], runner, items, state, dir, io, p);
                } else {
                    runs = runner.run(items, state, progress(io, p));
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (io.terminal) {
                io.err.println();
            }
            List<String> order = new ArrayList<>();
            order.add(EvalRunner.FUSION);
            order.addAll(singles.keySet());
            List<EvalRunner.SystemSummary> summary = EvalRunner.summarize(runs, order);
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"", "system", "score", "correct", "cost", "cost/correct", "p50", "p95"});
            for (EvalRunner.SystemSummary s : summary) {
                rows.add(new String[] {s.paretoFront() ? "*" : "", s.system(), String.format("%.1f%%", 100 * s.score()),
                        s.correct() + "/" + s.runs(), Money.usd(s.costUsd()) + (s.costComplete() ? "" : " + unpriced"),
                        s.costPerCorrect() == null ? "-" : Money.usd(s.costPerCorrect()), s.p50Ms() + "ms", s.p95Ms() + "ms"});
            }
            CostTable.table(rows).lines().forEach(io.out::println);
            io.out.println("* = on the Pareto front (no other system is both at least as accurate and at least as cheap)");
            int expected = items.size() * order.size();
            if (runs.size() < expected) {
                io.out.println((expected - runs.size()) + " run(s) not done (spend cap reached); rerun the same command to continue");
            }
            Path json = dir.resolve("summary.json");
            Path csv = dir.resolve("runs.csv");
            EvalRunner.writeReports(summary, runs, json, csv);
            io.out.println("wrote " + json + " and " + csv);
            if (setup.isSandbox()) {
                io.err.println(p + "the scores and costs above come from the offline sandbox: fictional models and prices");
            }
            return 0;
        }
    }

    /** The eval through batch APIs: batch state files in {@code dir/batches}, a progress bar per batch on stderr. */
    private static List<EvalRunner.Run> runBatch(Setup setup, dev.fusion.Fusion.Builder builder, EvalRunner runner,
                                                 List<EvalItem> items, Path state, Path dir, FusionCli.Io io, String p)
            throws IOException {
        List<ChatModel> models = new ArrayList<>();
        setup.fusion.panel().forEach(m -> models.add(m.model()));
        setup.fusion.judges().forEach(m -> models.add(m.model()));
        dev.fusion.cli.batch.BatchCalls calls = dev.fusion.cli.batch.BatchCalls.forCli(setup.prices,
                dir.resolve("batches"), setup.isSandbox(), io.err, io.terminal, p);
        java.util.function.Function<java.util.function.UnaryOperator<ChatModel>, dev.fusion.Fusion> replay = wrap -> {
            builder.clearPanel();
            for (Member m : setup.fusion.panel()) {
                builder.member(withModel(m, wrap.apply(m.model())));
            }
            List<Member> judges = setup.fusion.judges();
            builder.judge(withModel(judges.get(0), wrap.apply(judges.get(0).model())));
            for (Member j : judges.subList(1, judges.size())) {
                builder.fallbackJudge(withModel(j, wrap.apply(j.model())));
            }
            builder.priceBook(dev.fusion.cli.batch.BatchCalls.pricedAsBatch(setup.prices, models));
            return builder.build();
        };
        io.err.println(p + "batch mode: every call goes through the providers' batch APIs at batch prices; this can"
                + " take up to 24 h; rerun the same command to resume after an interruption");
        try {
            return runner.runBatch(items, state, calls, replay, progress(io, p));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while waiting for a batch; rerun the same command to resume it");
        }
    }

    private static Member withModel(Member m, ChatModel model) {
        return new Member(m.id(), model, m.timeout(), m.retry(), m.temperature(), m.seed(), m.reasoning(), m.extraBody());
    }

    private static java.util.function.Consumer<int[]> progress(FusionCli.Io io, String prefix) {
        int[] lastDecile = {-1};
        return d -> {
            int done = d[0];
            int total = Math.max(1, d[1]);
            if (io.terminal) {
                int width = 30;
                int filled = done * width / total;
                io.err.print("\r" + prefix + "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + total);
                io.err.flush();
            } else {
                int decile = done * 10 / total;
                if (decile != lastDecile[0]) {
                    lastDecile[0] = decile;
                    io.err.println(prefix + "progress " + done + "/" + total);
                }
            }
        };
    }
}
