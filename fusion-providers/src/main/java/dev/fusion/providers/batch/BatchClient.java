package dev.fusion.providers.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Cost;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.anthropic.AnthropicChatModel;
import dev.fusion.providers.batch.internal.AnthropicBatchWire;
import dev.fusion.providers.batch.internal.BatchHttp;
import dev.fusion.providers.batch.internal.BatchWire;
import dev.fusion.providers.batch.internal.GeminiBatchWire;
import dev.fusion.providers.batch.internal.OpenAiBatchWire;
import dev.fusion.providers.gemini.GeminiChatModel;
import dev.fusion.providers.internal.HasTransport;
import dev.fusion.providers.internal.HttpTransport;
import dev.fusion.providers.openai.OpenAiChatModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Sends many requests to one model through its provider's batch API and reads the answers, priced at
 * the price book's batch rates. Works with the provider models Fusion builds: {@link OpenAiChatModel}
 * (OpenAI Batch; other OpenAI-compatible servers only where they implement it), {@link AnthropicChatModel}
 * (Message Batches) and {@link GeminiChatModel} (batch mode, inline requests). Each request is encoded by
 * the model's own wire format and each answer decoded by it, exactly as for a direct call.
 *
 * <pre>{@code
 * BatchClient client = BatchClient.of(model, BatchOptions.defaults(BundledPrices.load()));
 * BatchResults results = client.run(Map.of("q1", request1, "q2", request2), Path.of("q.batch.json"));
 * results.items().get("q1").response().text();
 * }</pre>
 *
 * <h2>No item paid twice</h2>
 * {@link #run} writes the submitted {@link BatchJob} to its state file <em>before</em> the first poll; if the
 * file exists it resumes polling that batch instead of submitting (so a process killed mid-poll, run again,
 * pays nothing more), and deletes it once the results are read. With {@link #submit}/{@link #await} the caller
 * persists the job itself.
 *
 * <h2>Hostile answers</h2>
 * Every body is read under a bound (status bodies under the model's {@code ResponseLimits}, results under
 * {@link BatchOptions#maxResultBytes}, each JSONL line under 16 MB); a result for a custom id that was not
 * submitted is logged and ignored; a request the results do not mention is {@link BatchItem.Status#MISSING}
 * (or expired/cancelled, as the batch ended); redirects are never followed, and the API key is sent to the
 * provider's own origin only: a {@code results_url} elsewhere is refused.
 *
 * <p>Custom ids must match {@code [A-Za-z0-9_-]{1,64}} (Anthropic's rule, the strictest of the three).
 * Thread-safe; {@link #await} blocks the calling thread (between polls, in {@link BatchOptions#sleeper}).
 */
public final class BatchClient {

    private static final Logger log = LoggerFactory.getLogger(BatchClient.class);
    private static final Pattern CUSTOM_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final ModelRef ref;
    private final HttpTransport transport;
    private final BatchWire wire;
    private final BatchOptions options;

    private BatchClient(ModelRef ref, HttpTransport transport, BatchWire wire, BatchOptions options) {
        this.ref = ref;
        this.transport = transport;
        this.wire = wire;
        this.options = options;
    }

    /**
     * A client for this model.
     *
     * @throws IllegalArgumentException when the model is not one of Fusion's provider models
     */
    public static BatchClient of(ChatModel model, BatchOptions options) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        if (!(model instanceof HasTransport ht)) {
            throw new IllegalArgumentException("model " + model.ref() + " is not an OpenAI, Anthropic or Gemini provider"
                    + " model; batch APIs need one");
        }
        HttpTransport t = ht.transport();
        ModelRequest probe = ModelRequest.builder().user("probe").maxOutputTokens(1).build();
        BatchHttp http = new BatchHttp(t, t.requestHeaders(probe));
        long status = t.limits().maxBodyBytes();
        long results = options.maxResultBytes();
        BatchWire wire;
        if (model instanceof OpenAiChatModel) {
            wire = new OpenAiBatchWire(http, results, status);
        } else if (model instanceof AnthropicChatModel) {
            wire = new AnthropicBatchWire(http, results, status);
        } else if (model instanceof GeminiChatModel) {
            wire = new GeminiBatchWire(http, t.ref().model(), results, status);
        } else {
            throw new IllegalArgumentException("no batch API known for " + model.getClass().getSimpleName());
        }
        return new BatchClient(model.ref(), t, wire, options);
    }

    /** Whether {@link #of} accepts this model. */
    public static boolean supports(ChatModel model) {
        return model instanceof OpenAiChatModel || model instanceof AnthropicChatModel || model instanceof GeminiChatModel;
    }

    /**
     * The exact JSON body this model's wire format sends for a request (what a batch item carries), or null
     * when the model is not one {@link #of} accepts: a stable identity for caching and replaying answers.
     */
    public static String wireBody(ChatModel model, ModelRequest request) {
        return model instanceof HasTransport t ? t.transport().requestBody(request).toString() : null;
    }

    /** The model batched. */
    public ModelRef ref() {
        return ref;
    }

    /**
     * Encodes every request (every wire-format check runs first: nothing is sent if one fails) and submits
     * them as one batch. Persist the returned job before anything else if the process may die.
     *
     * @param requests by custom id, in submission order
     */
    public BatchJob submit(Map<String, ModelRequest> requests) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one request");
        }
        List<String> ids = new ArrayList<>();
        List<ObjectNode> bodies = new ArrayList<>();
        requests.forEach((id, request) -> {
            if (id == null || !CUSTOM_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("custom id must match [A-Za-z0-9_-]{1,64}: '" + id + "'");
            }
            ids.add(id);
            bodies.add(transport.requestBody(request));
        });
        String batchId = wire.submit(ids, bodies);
        BatchJob job = new BatchJob(ref.toString(), wire.name(), batchId, ids, options.clock().instant());
        log.info("submitted {} batch {} for {} with {} requests", wire.name(), batchId, ref, ids.size());
        return job;
    }

    /**
     * Polls the job until it ends (or {@link BatchOptions#maxWait} passes: then {@link BatchTimeoutException}; the
     * batch keeps running and can be awaited again), then reads and prices every result.
     *
     * @throws IllegalArgumentException when the job belongs to another model or batch API
     */
    public BatchResults await(BatchJob job) throws InterruptedException {
        if (!job.model().equals(ref.toString()) || !job.wire().equals(wire.name())) {
            throw new IllegalArgumentException("batch job " + job.batchId() + " is for " + job.model() + " (" + job.wire()
                    + "), not " + ref + " (" + wire.name() + ")");
        }
        Instant start = options.clock().instant();
        Duration interval = options.pollInterval();
        int lastDone = -1;
        BatchWire.Poll poll;
        while (true) {
            poll = wire.poll(job.batchId());
            Instant now = options.clock().instant();
            Duration elapsed = Duration.between(job.submittedAt(), now);
            int total = poll.total() > 0 ? poll.total() : job.customIds().size();
            int done = Math.min(poll.done(), total);
            Optional<Duration> eta = done <= 0 || elapsed.isNegative() ? Optional.empty()
                    : Optional.of(elapsed.multipliedBy(total - done).dividedBy(done));
            options.progress().accept(new BatchProgress(job.batchId(), poll.state(), poll.ended() ? total : done, total,
                    elapsed, poll.ended() ? Optional.of(Duration.ZERO) : eta));
            if (poll.ended()) {
                break;
            }
            if (Duration.between(start, now).compareTo(options.maxWait()) >= 0) {
                throw new BatchTimeoutException(job, poll.state());
            }
            interval = done > lastDone ? options.pollInterval() : min(interval.multipliedBy(2), options.maxPollInterval());
            lastDone = done;
            options.sleeper().sleep(interval);
        }
        Set<String> submitted = new LinkedHashSet<>(job.customIds());
        Map<String, BatchWire.Raw> raw = wire.results(job.batchId(), poll, submitted);
        Map<String, BatchItem> items = new LinkedHashMap<>();
        for (String id : job.customIds()) {
            BatchWire.Raw r = raw.get(id);
            items.put(id, r == null ? BatchItem.failed(id, poll.leftover(), "no result line for this request (batch "
                    + poll.state() + ")") : item(id, r));
        }
        return new BatchResults(job, poll.state(), Collections.unmodifiableMap(items));
    }

    /**
     * Resumes the batch recorded in {@code stateFile} when it exists, else submits {@code requests} and writes
     * the job there before the first poll; returns the results and deletes the file. A state file for a batch
     * of other custom ids than {@code requests}' is refused (nothing is sent).
     */
    public BatchResults run(Map<String, ModelRequest> requests, Path stateFile) throws InterruptedException {
        BatchJob job;
        if (Files.exists(stateFile)) {
            job = BatchJob.read(stateFile);
            if (!new LinkedHashSet<>(job.customIds()).equals(new LinkedHashSet<>(requests.keySet()))) {
                throw new IllegalStateException("batch state " + stateFile + " records batch " + job.batchId()
                        + " with other requests; delete the file to submit anew");
            }
            log.info("resuming {} batch {} for {} from {}", job.wire(), job.batchId(), ref, stateFile);
        } else {
            job = submit(requests);
            job.write(stateFile);
        }
        BatchResults results = await(job);
        try {
            Files.deleteIfExists(stateFile);
        } catch (java.io.IOException e) {
            log.warn("could not delete batch state {}: {}", stateFile, e.toString());
        }
        return results;
    }

    private BatchItem item(String id, BatchWire.Raw r) {
        if (r.status() != BatchItem.Status.SUCCEEDED) {
            return BatchItem.failed(id, r.status(), transport.secret().redact(r.error()));
        }
        ModelResponse response;
        try {
            response = transport.parseAnswer(r.answer());
        } catch (ProviderException e) {
            return BatchItem.failed(id, BatchItem.Status.ERRORED, e.getMessage());
        } catch (RuntimeException e) {
            return BatchItem.failed(id, BatchItem.Status.ERRORED, "unreadable answer: " + e.getClass().getSimpleName());
        }
        Cost cost = response.usageReported() ? options.prices().batchCost(ref, response.usage()) : Cost.unpriced();
        return new BatchItem(id, BatchItem.Status.SUCCEEDED, response, cost, null);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return "BatchClient[" + ref + ", " + wire.name() + "]";
    }
}
