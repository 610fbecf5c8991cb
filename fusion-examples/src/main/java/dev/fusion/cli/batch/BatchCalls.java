package dev.fusion.cli.batch;

import dev.fusion.cost.Cost;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.providers.batch.BatchClient;
import dev.fusion.providers.batch.BatchItem;
import dev.fusion.providers.batch.BatchOptions;
import dev.fusion.providers.batch.BatchProgress;
import dev.fusion.providers.batch.BatchResults;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Resolves many model calls through the providers' batch APIs: the calls are grouped by model, each group
 * goes as one batch whose state file (in {@code stateDir}, named from the group's requests) is written before
 * polling, so a rerun of the same work after a kill resumes those batches instead of paying again. A model
 * without a batch API (a local server, an OpenAI-compatible host other than OpenAI...) is called directly,
 * at its standard price. Not thread-safe: one resolve at a time.
 */
public final class BatchCalls {

    /** One call to make: its key (see {@link #key}), model and request. */
    public record Pending(String key, ChatModel model, ModelRequest request) {
        public Pending {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * What became of one call.
     *
     * @param response the answer, or null when it failed
     * @param cost     its cost (batch prices when {@code batch}, else standard)
     * @param batch    whether it went through a batch API
     * @param error    why it failed, or null
     * @param latencyMs wall time from submission to result (for a batch, the whole batch's)
     */
    public record Outcome(ModelResponse response, Cost cost, boolean batch, String error, long latencyMs) {
        public boolean ok() {
            return response != null;
        }
    }

    private final PriceBook prices;
    private final Path stateDir;
    private final BatchOptions options;
    private final Consumer<String> log;
    private int batchesSent;

    /**
     * @param prices   standard and batch prices
     * @param stateDir where the per-batch state files go
     * @param options  polling (clock, sleeper) and the progress callback; its price book is replaced by {@code prices}
     * @param log      one line per batch submitted, resumed or ended
     */
    public BatchCalls(PriceBook prices, Path stateDir, BatchOptions options, Consumer<String> log) {
        this.prices = prices;
        this.stateDir = stateDir;
        this.options = new BatchOptions(prices, options.pollInterval(), options.maxPollInterval(), options.maxWait(),
                options.clock(), options.sleeper(), options.progress(), options.maxResultBytes());
        this.log = log == null ? s -> { } : log;
    }

    /** Batches submitted or resumed so far. */
    public int batches() {
        return batchesSent;
    }

    /** A judge prompt's per-rendering random boundary id ({@code <answer-0123456789012345678 n="1">}). */
    private static final java.util.regex.Pattern BOUNDARY = java.util.regex.Pattern.compile("-\\d{19}(?!\\d)");

    /**
     * The identity of a call: the model and the exact request body its wire format sends (or, for a model
     * without a wire format, every field of the request), with the judge prompt's random boundary ids
     * (19 digits after a dash) blanked, so the same judge step asked again on a later pass finds its answer.
     */
    public static String key(ChatModel model, ModelRequest request) {
        String body = BatchClient.wireBody(model, request);
        if (body == null) { // no wire format: every field that changes the answer
            StringBuilder sb = new StringBuilder(String.valueOf(request.system()));
            request.messages().forEach(m -> sb.append('\u0000').append(m.role()).append(':').append(m.content()));
            sb.append('\u0000').append(request).append(request.extraBody()).append(request.tools());
            body = sb.toString();
        }
        return sha256(model.ref() + "\n" + BOUNDARY.matcher(body).replaceAll("-#"));
    }

    /** Resolves every call (duplicates by key once), one batch per model; blocks until all have ended. */
    public Map<String, Outcome> resolve(List<Pending> calls) throws InterruptedException {
        Map<String, Map<String, Pending>> byModel = new LinkedHashMap<>();
        Map<String, ChatModel> models = new LinkedHashMap<>();
        for (Pending p : calls) {
            String m = p.model().ref().toString();
            models.putIfAbsent(m, p.model());
            byModel.computeIfAbsent(m, k -> new LinkedHashMap<>()).putIfAbsent(p.key(), p);
        }
        Map<String, Outcome> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Pending>> g : byModel.entrySet()) {
            ChatModel model = models.get(g.getKey());
            List<Pending> group = new ArrayList<>(g.getValue().values());
            if (!BatchClient.supports(model)) {
                log.accept("batch: " + g.getKey() + " has no batch API; calling it directly (" + group.size()
                        + " call(s) at standard prices)");
                for (Pending p : group) {
                    long t0 = System.nanoTime();
                    Outcome o = direct(p);
                    out.put(p.key(), new Outcome(o.response(), o.cost(), false, o.error(), (System.nanoTime() - t0) / 1_000_000));
                }
                continue;
            }
            Map<String, ModelRequest> requests = new LinkedHashMap<>();
            Map<String, String> keyOf = new LinkedHashMap<>();
            for (Pending p : group) {
                String id = "c" + p.key().substring(0, 40);
                requests.put(id, p.request());
                keyOf.put(id, p.key());
            }
            String groupName = g.getKey().replaceAll("[^A-Za-z0-9._-]", "_");
            Path state = stateDir.resolve(groupName + "-" + sha256(String.join(",", requests.keySet())).substring(0, 16)
                    + ".batch.json");
            boolean resuming = java.nio.file.Files.exists(state);
            log.accept("batch: " + (resuming ? "resuming" : "submitting") + " " + requests.size() + " call(s) to "
                    + g.getKey() + (resuming ? " from " + state : ""));
            batchesSent++;
            java.time.Instant t0 = options.clock().instant();
            BatchResults results = BatchClient.of(model, options).run(requests, state);
            log.accept("batch: " + g.getKey() + " ended (" + results.finalState() + "): "
                    + results.count(BatchItem.Status.SUCCEEDED) + " answered, "
                    + (requests.size() - results.count(BatchItem.Status.SUCCEEDED)) + " not");
            long ms = Math.max(0, java.time.Duration.between(resuming ? results.job().submittedAt() : t0,
                    options.clock().instant()).toMillis());
            for (BatchItem item : results.items().values()) {
                String key = keyOf.get(item.customId());
                out.put(key, item.succeeded() ? new Outcome(item.response(), item.cost(), true, null, ms)
                        : new Outcome(null, Cost.unpriced(), true, item.status() + ": " + item.error(), ms));
            }
        }
        return out;
    }

    private Outcome direct(Pending p) {
        try {
            ModelResponse r = p.model().call(p.request()).block();
            return new Outcome(r, prices.cost(p.model().ref(), r.usage(), r.reportedCostUsd()), false, null, 0);
        } catch (RuntimeException e) {
            return new Outcome(null, Cost.unpriced(), false, e.getClass().getSimpleName() + ": " + e.getMessage(), 0);
        }
    }

    /**
     * A book that prices every model at its batch price as if it were the standard one (for a fusion whose
     * calls all went through batches), except models without a batch API, which keep their standard price.
     * A batchable model without a batch price is left unpriced: unknown, never zero.
     */
    public static PriceBook pricedAsBatch(PriceBook prices, java.util.Collection<ChatModel> models) {
        PriceBook book = PriceBook.empty();
        for (Map.Entry<String, dev.fusion.cost.Price> e : prices.batchEntries().entrySet()) {
            dev.fusion.model.ModelRef ref = dev.fusion.model.ModelRef.parse(e.getKey());
            book = book.with(ref, e.getValue()).withBatch(ref, e.getValue());
        }
        for (ChatModel m : models) {
            if (!BatchClient.supports(m)) {
                PriceBook b = book;
                book = prices.find(m.ref()).map(p -> b.with(m.ref(), p)).orElse(book);
            }
        }
        return book;
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The CLI's batch calls: state files in {@code stateDir}, polling every 10 s backing off to 60 s (the
     * sandbox, whose batches end in seconds: every 0.5 s to 1 s), giving up after 25 h (rerun to resume),
     * a progress bar and one line per batch on {@code err}.
     */
    public static BatchCalls forCli(PriceBook prices, Path stateDir, boolean sandbox, java.io.PrintStream err,
                                    boolean terminal, String prefix) {
        BatchOptions o = BatchOptions.defaults(prices)
                .withPolling(sandbox ? java.time.Duration.ofMillis(500) : java.time.Duration.ofSeconds(10),
                        sandbox ? java.time.Duration.ofSeconds(1) : java.time.Duration.ofSeconds(60),
                        java.time.Duration.ofHours(25))
                .withProgress(progressBar(err, terminal, prefix));
        return new BatchCalls(prices, stateDir, o, line -> err.println(prefix + line));
    }

    /** A progress callback drawing a bar on a terminal, or a line per change elsewhere. */
    public static Consumer<BatchProgress> progressBar(java.io.PrintStream err, boolean terminal, String prefix) {
        int[] last = {-1};
        return p -> {
            if (terminal) {
                err.print("\r" + prefix + p.bar(30));
                if (p.done() >= p.total()) {
                    err.println();
                }
                err.flush();
            } else if (p.done() != last[0]) {
                last[0] = p.done();
                err.println(prefix + p.bar(30));
            }
        };
    }
}
