package dev.fusion.cli.eval;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.Redactor;
import dev.fusion.cost.Cost;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs an eval: every item through the fusion and through each single model alone, scores the
 * answers, and summarizes score, cost, cost per correct answer and latency per system, marking the
 * Pareto front. Each finished run is appended to a JSONL state file at once, so an interrupted eval
 * resumes where it stopped. Runs go concurrently up to a cap; no new run starts once the spend cap
 * is reached. One runner is used by one thread at a time.
 */
public final class EvalRunner {

    /** The name of the fusion system in tables and files. */
    public static final String FUSION = "fusion";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    /** One scored run of one item on one system. */
    public record Run(String id, String system, boolean correct, BigDecimal costUsd, boolean priced, long latencyMs,
                      String error, String answer) {
    }

    /** Per-system totals. */
    public record SystemSummary(String system, int runs, int correct, double score, BigDecimal costUsd,
                                boolean costComplete, BigDecimal costPerCorrect, long p50Ms, long p95Ms,
                                boolean paretoFront) {
    }

    private final Fusion fusion;
    private final Map<String, ChatModel> singles;
    private final ChatModel grader;
    private final PriceBook prices;
    private final int concurrency;
    private final BigDecimal spendCap;
    private final int maxOutputTokens;
    private final Duration timeout;
    private final String schema;

    /**
     * @param fusion          the fusion to evaluate
     * @param singles         single models to evaluate alone, by display name (usually each panel member and the judge)
     * @param grader          model for {@code judge} grading (null: such items fall back to {@code contains})
     * @param prices          prices for single-model runs
     * @param concurrency     runs in flight at most
     * @param spendCap        stop starting runs once this much was spent (null: no cap)
     * @param maxOutputTokens max output tokens of single-model runs
     * @param timeout         timeout of a single-model run
     */
    public EvalRunner(Fusion fusion, Map<String, ChatModel> singles, ChatModel grader, PriceBook prices,
                      int concurrency, BigDecimal spendCap, int maxOutputTokens, Duration timeout) {
        this(fusion, singles, grader, prices, concurrency, spendCap, maxOutputTokens, timeout, null);
    }

    /**
     * As the other constructor, with every answer asked for as JSON valid against {@code schemaJson} (null: plain
     * text): the fusion gets it as its request's schema (so the {@code vote} strategy can run), each single
     * model as its response format; the answer scored is the JSON text.
     */
    public EvalRunner(Fusion fusion, Map<String, ChatModel> singles, ChatModel grader, PriceBook prices,
                      int concurrency, BigDecimal spendCap, int maxOutputTokens, Duration timeout, String schemaJson) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        this.fusion = fusion;
        this.singles = new LinkedHashMap<>(singles);
        this.grader = grader;
        this.prices = prices;
        this.concurrency = concurrency;
        this.spendCap = spendCap;
        this.maxOutputTokens = maxOutputTokens;
        this.timeout = timeout;
        this.schema = schemaJson;
        if (schemaJson != null) {
            dev.fusion.model.ResponseFormat.parse(null, schemaJson); // a bad schema fails here, before any run
        }
    }

    /** Reads a JSONL data set (blank lines and lines starting with # or // are skipped). */
    public static List<EvalItem> readItems(Path file) throws IOException {
        List<EvalItem> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int line = 0;
        for (String s : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            line++;
            String t = s.trim();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("//")) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(t);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + line + ": not valid JSON");
            }
            EvalItem item = EvalItem.parse(n, line);
            if (!ids.add(item.id())) {
                throw new IllegalArgumentException(file + " line " + line + ": duplicate id '" + item.id() + "'");
            }
            items.add(item);
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(file + " has no items");
        }
        return items;
    }

    /** Runs already recorded in a state file (empty when it does not exist). */
    public static List<Run> readState(Path state) throws IOException {
        Map<String, Run> runs = new LinkedHashMap<>(); // one run per (id, system): the last written wins
        if (!Files.exists(state)) {
            return new ArrayList<>();
        }
        for (String s : Files.readAllLines(state, StandardCharsets.UTF_8)) {
            if (s.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(s);
            } catch (IOException e) {
                continue; // a line cut short by an interruption: that run is simply redone
            }
            if (!n.hasNonNull("id") || !n.hasNonNull("system")) {
                continue;
            }
            runs.put(n.get("id").asText() + "\u0000" + n.get("system").asText(),
                    new Run(n.get("id").asText(), n.get("system").asText(), n.path("correct").asBoolean(),
                    n.hasNonNull("costUsd") ? n.get("costUsd").decimalValue() : null, n.path("priced").asBoolean(),
                    n.path("latencyMs").asLong(), n.hasNonNull("error") ? n.get("error").asText() : null,
                    n.hasNonNull("answer") ? n.get("answer").asText() : null));
        }
        return new ArrayList<>(runs.values());
    }

    /**
     * Runs every (item, system) pair not yet in {@code state}, appending each result to it.
     *
     * @param progress called after each run with (done, total)
     * @return every run, earlier ones included
     */
    public List<Run> run(List<EvalItem> items, Path state, Consumer<int[]> progress) throws IOException {
        List<Run> done = new ArrayList<>(readState(state));
        Set<String> have = new HashSet<>();
        BigDecimal spentBefore = BigDecimal.ZERO;
        for (Run r : done) {
            have.add(r.id() + "\u0000" + r.system());
            if (r.costUsd() != null) {
                spentBefore = spentBefore.add(r.costUsd());
            }
        }
        List<String> systems = new ArrayList<>();
        systems.add(FUSION);
        systems.addAll(singles.keySet());
        List<Object[]> todo = new ArrayList<>();
        for (EvalItem item : items) {
            for (String sys : systems) {
                if (!have.contains(item.id() + "\u0000" + sys)) {
                    todo.add(new Object[] {item, sys});
                }
            }
        }
        int total = done.size() + todo.size();
        AtomicReference<BigDecimal> spent = new AtomicReference<>(spentBefore);
        if (state.getParent() != null) {
            Files.createDirectories(state.getParent());
        }
        boolean brokenLastLine = Files.exists(state) && Files.size(state) > 0 && endsWithoutNewline(state);
        try (BufferedWriter out = Files.newBufferedWriter(state, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (brokenLastLine) {
                out.newLine(); // an interrupted write left half a line: start on a fresh one
            }
            Flux.fromIterable(todo)
                    .flatMap(t -> Mono.defer(() -> {
                        if (spendCap != null && spent.get().compareTo(spendCap) >= 0) {
                            return Mono.empty(); // cap reached: this run is left for a later resume
                        }
                        return runOne((EvalItem) t[0], (String) t[1]);
                    }), concurrency)
                    .doOnNext(r -> {
                        if (r.costUsd() != null) {
                            spent.accumulateAndGet(r.costUsd(), BigDecimal::add);
                        }
                        synchronized (out) {
                            try {
                                out.write(Redactor.redact(JSON.writeValueAsString(toJson(r))));
                                out.newLine();
                                out.flush();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            done.add(r);
                            progress.accept(new int[] {done.size(), total});
                        }
                    })
                    .blockLast();
        }
        return done;
    }

    /**
     * As {@link #run}, through the providers' batch APIs at their batch prices: first every single-model run
     * (one batch per model), then the fusion in passes on a fusion built by {@code replayFusion} over
     * {@link dev.fusion.cli.batch.ReplayModel}s (each pass batches the member or judge calls the previous pass
     * missed, so every member and judge call goes through a batch), then the grader calls of {@code judge}-graded
     * items as one more batch. Each run is written to {@code state} with {@code "pricing":"batch"}. The spend cap
     * is checked between phases: no phase starts once it is reached.
     *
     * @param replayFusion builds the same fusion with every panel and judge model wrapped by the operator and
     *                     priced at batch prices
     */
    public List<Run> runBatch(List<EvalItem> items, Path state, dev.fusion.cli.batch.BatchCalls calls,
                              java.util.function.Function<java.util.function.UnaryOperator<ChatModel>, Fusion> replayFusion,
                              Consumer<int[]> progress) throws IOException, InterruptedException {
        List<Run> done = new ArrayList<>(readState(state));
        Set<String> have = new HashSet<>();
        BigDecimal spent = BigDecimal.ZERO;
        for (Run r : done) {
            have.add(r.id() + "\u0000" + r.system());
            if (r.costUsd() != null) {
                spent = spent.add(r.costUsd());
            }
        }
        List<String> systems = new ArrayList<>();
        systems.add(FUSION);
        systems.addAll(singles.keySet());
        int total = items.size() * systems.size();
        // answers (text, cost, error) per (item, system), before grading
        Map<String, Object[]> answered = new LinkedHashMap<>();
        Map<String, Long> latency = new LinkedHashMap<>();

        // 1. single models: one batch per model
        List<dev.fusion.cli.batch.BatchCalls.Pending> singleCalls = new ArrayList<>();
        Map<String, String> singleKey = new LinkedHashMap<>();
        for (EvalItem item : items) {
            for (Map.Entry<String, ChatModel> e : singles.entrySet()) {
                if (have.contains(item.id() + "\u0000" + e.getKey())) {
                    continue;
                }
                ModelRequest.Builder mb = ModelRequest.builder().user(item.question()).maxOutputTokens(maxOutputTokens);
                if (schema != null) {
                    mb.responseFormat(dev.fusion.model.ResponseFormat.parse(null, schema));
                }
                ModelRequest req = mb.build();
                String key = dev.fusion.cli.batch.BatchCalls.key(e.getValue(), req);
                singleCalls.add(new dev.fusion.cli.batch.BatchCalls.Pending(key, e.getValue(), req));
                singleKey.put(item.id() + "\u0000" + e.getKey(), key);
            }
        }
        if (!singleCalls.isEmpty() && underCap(spent)) {
            long t0 = System.nanoTime();
            Map<String, dev.fusion.cli.batch.BatchCalls.Outcome> out = calls.resolve(singleCalls);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            for (Map.Entry<String, String> e : singleKey.entrySet()) {
                dev.fusion.cli.batch.BatchCalls.Outcome o = out.get(e.getValue());
                answered.put(e.getKey(), o != null && o.ok() ? new Object[] {o.response().text(), o.cost(), null}
                        : new Object[] {null, Cost.unpriced(), o == null ? "no result" : o.error()});
                latency.put(e.getKey(), ms);
                if (o != null && o.cost().usd().isPresent()) {
                    spent = spent.add(o.cost().usd().get());
                }
            }
        }

        // 2. the fusion, in passes over replayed member and judge answers
        List<EvalItem> fusionTodo = items.stream().filter(i -> !have.contains(i.id() + "\u0000" + FUSION)).toList();
        if (!fusionTodo.isEmpty() && underCap(spent)) {
            dev.fusion.cli.batch.ReplayModel.Answers answers = new dev.fusion.cli.batch.ReplayModel.Answers();
            Fusion replay = replayFusion.apply(m -> new dev.fusion.cli.batch.ReplayModel(m, answers));
            long t0 = System.nanoTime();
            List<EvalItem> open = new ArrayList<>(fusionTodo);
            for (int pass = 0; pass < 8 && !open.isEmpty(); pass++) {
                List<EvalItem> still = new ArrayList<>();
                for (EvalItem item : open) {
                    int before = answers.missingCount();
                    // One shuffle seed per item: the judge's prompt (answers in shuffled order) is then the same on
                    // every pass, so the judge call a pass missed is the one the next pass finds answered.
                    FusionRequest.Builder rb = FusionRequest.builder().prompt(item.question())
                            .shuffleSeed(BatchSeed.of(item.id()));
                    if (schema != null) {
                        rb.schema(schema);
                    }
                    Object[] a;
                    try {
                        FusionResult r = replay.askAsync(rb.build()).block();
                        a = new Object[] {r.answer(), fusionCost(r), null};
                    } catch (RuntimeException e) {
                        a = new Object[] {null, Cost.unpriced(), e.getClass().getSimpleName() + ": " + e.getMessage()};
                    }
                    if (answers.missingCount() > before) {
                        still.add(item); // a call of this ask is not answered yet: ask again after the next batch
                    } else {
                        answered.put(item.id() + "\u0000" + FUSION, a);
                    }
                }
                open = still;
                List<dev.fusion.cli.batch.BatchCalls.Pending> missing = answers.takeMissing();
                if (!missing.isEmpty()) {
                    answers.addAll(calls.resolve(missing));
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            for (EvalItem item : open) {
                answered.put(item.id() + "\u0000" + FUSION, new Object[] {null, Cost.unpriced(),
                        "the fusion still missed answers after 8 batch passes"});
            }
            for (EvalItem item : fusionTodo) {
                latency.put(item.id() + "\u0000" + FUSION, ms);
            }
        }

        // 3. grading: the grader's calls as one more batch
        Map<String, EvalItem> byId = new LinkedHashMap<>();
        items.forEach(i -> byId.put(i.id(), i));
        Map<String, String> gradeKey = new LinkedHashMap<>();
        List<dev.fusion.cli.batch.BatchCalls.Pending> gradeCalls = new ArrayList<>();
        for (Map.Entry<String, Object[]> e : answered.entrySet()) {
            EvalItem item = byId.get(e.getKey().substring(0, e.getKey().indexOf('\u0000')));
            String text = (String) e.getValue()[0];
            if (text != null && item.grading() == EvalItem.Grading.JUDGE && grader != null) {
                ModelRequest req = graderRequest(item, text);
                String key = dev.fusion.cli.batch.BatchCalls.key(grader, req);
                gradeCalls.add(new dev.fusion.cli.batch.BatchCalls.Pending(key, grader, req));
                gradeKey.put(e.getKey(), key);
            }
        }
        Map<String, dev.fusion.cli.batch.BatchCalls.Outcome> verdicts = gradeCalls.isEmpty() ? Map.of()
                : calls.resolve(gradeCalls);

        if (state.getParent() != null) {
            Files.createDirectories(state.getParent());
        }
        boolean brokenLastLine = Files.exists(state) && Files.size(state) > 0 && endsWithoutNewline(state);
        try (BufferedWriter out = Files.newBufferedWriter(state, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (brokenLastLine) {
                out.newLine();
            }
            for (Map.Entry<String, Object[]> e : answered.entrySet()) {
                String[] idSys = e.getKey().split("\u0000", 2);
                EvalItem item = byId.get(idSys[0]);
                Object[] a = e.getValue();
                String text = (String) a[0];
                Cost c = (Cost) a[1];
                Run r;
                if (text == null) {
                    r = new Run(item.id(), idSys[1], false, null, true, latency.getOrDefault(e.getKey(), 0L), (String) a[2], null);
                } else {
                    boolean ok;
                    String gk = gradeKey.get(e.getKey());
                    dev.fusion.cli.batch.BatchCalls.Outcome v = gk == null ? null : verdicts.get(gk);
                    if (item.grading() != EvalItem.Grading.JUDGE || grader == null) {
                        ok = Scoring.score(item.grading() == EvalItem.Grading.JUDGE ? EvalItem.Grading.CONTAINS
                                : item.grading(), text, item.reference());
                    } else {
                        ok = verdict(v == null || !v.ok() ? null : v.response().text(), item, text);
                    }
                    r = new Run(item.id(), idSys[1], ok, c.usd().orElse(null), c.isPriced(),
                            latency.getOrDefault(e.getKey(), 0L), null, text);
                }
                ObjectNode json = toJson(r);
                json.put("pricing", "batch");
                out.write(Redactor.redact(JSON.writeValueAsString(json)));
                out.newLine();
                out.flush();
                done.add(r);
                progress.accept(new int[] {done.size(), total});
            }
        }
        return done;
    }

    /** A stable seed from an item id. */
    private static final class BatchSeed {
        static long of(String id) {
            long h = 1125899906842597L;
            for (int i = 0; i < id.length(); i++) {
                h = 31 * h + id.charAt(i);
            }
            return h;
        }
    }

    private boolean underCap(BigDecimal spent) {
        return spendCap == null || spent.compareTo(spendCap) < 0;
    }

    private static ModelRequest graderRequest(EvalItem item, String answer) {
        String prompt = "You grade an answer against a reference answer.\n\nQuestion:\n" + item.question()
                + "\n\nReference answer:\n" + item.reference() + "\n\nCandidate answer:\n" + answer
                + "\n\nDoes the candidate answer agree with the reference on what matters? Reply with one word: YES or NO.";
        return ModelRequest.builder().user(prompt).maxOutputTokens(5).temperature(0.0).build();
    }

    /** The grader's YES/NO, or {@code contains} scoring when it said neither (or gave no answer). */
    private static boolean verdict(String graderText, EvalItem item, String answer) {
        String v = graderText == null ? "" : graderText.trim().toUpperCase(Locale.ROOT);
        if (v.startsWith("YES")) {
            return true;
        }
        if (v.startsWith("NO")) {
            return false;
        }
        return Scoring.score(EvalItem.Grading.CONTAINS, answer, item.reference());
    }

    private static boolean endsWithoutNewline(Path p) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "r")) {
            f.seek(f.length() - 1);
            return f.read() != '\n';
        }
    }

    private Mono<Run> runOne(EvalItem item, String system) {
        long t0 = System.nanoTime();
        Mono<Object[]> answer; // {text, Cost}
        if (system.equals(FUSION)) {
            FusionRequest.Builder rb = FusionRequest.builder().prompt(item.question());
            if (schema != null) {
                rb.schema(schema);
            }
            answer = fusion.askAsync(rb.build())
                    .map(r -> new Object[] {r.answer(), fusionCost(r)});
        } else {
            ChatModel m = singles.get(system);
            ModelRequest.Builder mb = ModelRequest.builder().user(item.question()).maxOutputTokens(maxOutputTokens);
            if (schema != null) {
                mb.responseFormat(dev.fusion.model.ResponseFormat.parse(null, schema));
            }
            answer = m.call(mb.build())
                    .timeout(timeout)
                    .map(r -> new Object[] {r.text(), prices.cost(m.ref(), r.usage(), r.reportedCostUsd())});
        }
        return answer.flatMap(a -> grade(item, (String) a[0]).map(ok -> {
                    Cost c = (Cost) a[1];
                    return new Run(item.id(), system, ok, c.usd().orElse(null), c.isPriced(),
                            (System.nanoTime() - t0) / 1_000_000, null, (String) a[0]);
                }))
                .onErrorResume(e -> Mono.just(new Run(item.id(), system, false, null, true,
                        (System.nanoTime() - t0) / 1_000_000, e.getClass().getSimpleName() + ": " + e.getMessage(), null)));
    }

    private static Cost fusionCost(FusionResult r) {
        return r.costComplete() ? Cost.of(r.totalCostUsd(), null) : Cost.unpriced();
    }

    private Mono<Boolean> grade(EvalItem item, String answer) {
        if (item.grading() != EvalItem.Grading.JUDGE) {
            return Mono.just(Scoring.score(item.grading(), answer, item.reference()));
        }
        if (grader == null) {
            return Mono.just(Scoring.score(EvalItem.Grading.CONTAINS, answer, item.reference()));
        }
        return grader.call(graderRequest(item, answer))
                .timeout(timeout)
                .map(r -> verdict(r.text(), item, answer));
    }

    private static ObjectNode toJson(Run r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id());
        n.put("system", r.system());
        n.put("correct", r.correct());
        if (r.costUsd() != null) {
            n.put("costUsd", r.costUsd());
        } else {
            n.putNull("costUsd");
        }
        n.put("priced", r.priced());
        n.put("latencyMs", r.latencyMs());
        if (r.error() != null) {
            n.put("error", r.error());
        } else {
            n.putNull("error");
        }
        n.put("answer", r.answer());
        return n;
    }

    /** Per-system summary, fusion first, with the Pareto front marked. */
    public static List<SystemSummary> summarize(List<Run> runs, List<String> systemOrder) {
        Map<String, List<Run>> by = new LinkedHashMap<>();
        for (String s : systemOrder) {
            by.put(s, new ArrayList<>());
        }
        for (Run r : runs) {
            by.computeIfAbsent(r.system(), k -> new ArrayList<>()).add(r);
        }
        List<Pareto.Point> points = new ArrayList<>();
        List<Object[]> rows = new ArrayList<>();
        for (Map.Entry<String, List<Run>> e : by.entrySet()) {
            List<Run> rs = e.getValue();
            if (rs.isEmpty()) {
                continue;
            }
            int correct = (int) rs.stream().filter(Run::correct).count();
            boolean complete = rs.stream().allMatch(r -> r.costUsd() != null || r.error() != null);
            BigDecimal cost = rs.stream().map(r -> r.costUsd() == null ? BigDecimal.ZERO : r.costUsd())
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            double score = (double) correct / rs.size();
            List<Long> lat = rs.stream().map(Run::latencyMs).sorted().toList();
            BigDecimal perCorrect = correct == 0 || !complete ? null
                    : cost.divide(BigDecimal.valueOf(correct), 10, java.math.RoundingMode.HALF_UP).stripTrailingZeros();
            rows.add(new Object[] {e.getKey(), rs.size(), correct, score, cost, complete, perCorrect,
                    percentile(lat, 50), percentile(lat, 95)});
            points.add(new Pareto.Point(e.getKey(), score, complete ? cost : null));
        }
        List<String> front = Pareto.front(points);
        List<SystemSummary> out = new ArrayList<>();
        for (Object[] r : rows) {
            out.add(new SystemSummary((String) r[0], (int) r[1], (int) r[2], (double) r[3], (BigDecimal) r[4],
                    (boolean) r[5], (BigDecimal) r[6], (long) r[7], (long) r[8], front.contains((String) r[0])));
        }
        return out;
    }

    /** Nearest-rank percentile of a sorted list. */
    static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** Writes the summary as JSON and the runs as CSV next to each other. */
    public static void writeReports(List<SystemSummary> summary, List<Run> runs, Path json, Path csv) throws IOException {
        ArrayNode arr = JSON.createArrayNode();
        for (SystemSummary s : summary) {
            ObjectNode n = arr.addObject();
            n.put("system", s.system());
            n.put("runs", s.runs());
            n.put("correct", s.correct());
            n.put("score", s.score());
            n.put("costUsd", s.costUsd());
            n.put("costComplete", s.costComplete());
            if (s.costPerCorrect() != null) {
                n.put("costPerCorrectUsd", s.costPerCorrect());
            } else {
                n.putNull("costPerCorrectUsd");
            }
            n.put("p50Ms", s.p50Ms());
            n.put("p95Ms", s.p95Ms());
            n.put("paretoFront", s.paretoFront());
        }
        Files.writeString(json, Redactor.redact(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(arr)));
        StringBuilder sb = new StringBuilder("id,system,correct,costUsd,latencyMs,error\n");
        for (Run r : runs) {
            sb.append(csv(r.id())).append(',').append(csv(r.system())).append(',').append(r.correct()).append(',')
                    .append(r.costUsd() == null ? "" : r.costUsd().toPlainString()).append(',').append(r.latencyMs())
                    .append(',').append(r.error() == null ? "" : csv(r.error())).append('\n');
        }
        Files.writeString(csv, Redactor.redact(sb.toString())); // error texts can hold what a server echoed
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
