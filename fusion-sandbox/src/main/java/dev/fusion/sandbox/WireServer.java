package dev.fusion.sandbox;

import dev.fusion.cost.Usage;
import dev.fusion.sandbox.internal.ServerCore;

import java.util.Map;
import java.util.Objects;

/**
 * A loopback HTTP server that speaks the real OpenAI Chat Completions, Anthropic Messages and
 * Gemini generateContent wire formats, streaming and not, answering from a {@link Behaviour}.
 * Bound to {@code 127.0.0.1} only. Non-blocking (Reactor Netty): latencies are timers, so
 * thousands of concurrent slow responses cost no threads. Thread-safe.
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code POST /v1/chat/completions} and {@code POST /chat/completions} — OpenAI-compatible
 *       ({@code Authorization: Bearer} accepted, not required unless {@link Behaviour.Builder#requireApiKey})</li>
 *   <li>{@code POST /v1/messages} — Anthropic Messages ({@code x-api-key})</li>
 *   <li>{@code POST /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse}
 *       (and without {@code alt=sse}: a JSON array) — Gemini ({@code x-goog-api-key} or {@code ?key=})</li>
 *   <li>{@code GET /v1/models} — the scripted model ids, OpenAI list format</li>
 *   <li>the three batch APIs — OpenAI Batch ({@code /v1/files}, {@code /v1/batches}), Anthropic Message
 *       Batches ({@code /v1/messages/batches}) and Gemini batch mode ({@code :batchGenerateContent},
 *       {@code /v1beta/batches/{id}}), timed by {@link Behaviour.Builder#batches}</li>
 * </ul>
 * Any model id is reachable through any endpoint: the format is chosen by the endpoint hit.
 *
 * <h2>Counters</h2>
 * Requests per model, requests in flight (and the peak), and the usage served, bucket by bucket,
 * counting usage when its report is handed to the connection as part of a successful response (a
 * faulted or cut-off response, or an OpenAI stream without {@code include_usage}, serves none; a
 * client that read a whole response always finds its usage already counted), in the buckets the
 * format can express (see {@link Reply#usage(Usage)}) — so a client's ledger can be checked
 * against {@link #servedUsage()}.
 *
 * <pre>{@code
 * try (WireServer server = WireServer.start(Behaviour.builder()
 *         .model("m", Reply.text("hello").latencyMillis(50)).build())) {
 *     URI uri = URI.create(server.baseUrl() + "/v1/chat/completions");
 *     ...
 * }
 * }</pre>
 */
public final class WireServer implements AutoCloseable {

    private final ServerCore core;

    private WireServer(ServerCore core) {
        this.core = core;
    }

    /** Starts a server on an ephemeral port of 127.0.0.1. */
    public static WireServer start(Behaviour behaviour) {
        return start(behaviour, 0);
    }

    /** Starts a server on the given port of 127.0.0.1 (0 = ephemeral). */
    public static WireServer start(Behaviour behaviour, int port) {
        Objects.requireNonNull(behaviour, "behaviour");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        }
        return new WireServer(ServerCore.start(behaviour, port));
    }

    /** The port bound. */
    public int port() {
        return core.port();
    }

    /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public String baseUrl() {
        return core.baseUrl();
    }

    /**
     * The base URL to give a Fusion provider of this format's kind ({@code ProviderSpec}'s
     * {@code baseUrl}): {@code …/v1} for OpenAI-compatible clients, the root for Anthropic (clients
     * append {@code /v1/messages}) and the root for Gemini (the {@code gemini} kind appends
     * {@code /v1beta/models/{model}:generateContent}).
     */
    public String baseUrl(WireFormat format) {
        return core.baseUrl() + format.basePath();
    }

    /** The behaviour this server answers with. */
    public Behaviour behaviour() {
        return core.behaviour();
    }

    /** Requests received for a model (parsed bodies), since start or the last {@link #resetStats()}. */
    public long requestCount(String model) {
        return core.requestCount(model);
    }

    /** Requests received for all models. */
    public long requestCount() {
        return core.requestCount();
    }

    /** Requests received per model id, sorted by id. */
    public Map<String, Long> requestCounts() {
        return core.requestCounts();
    }

    /**
     * Items submitted through the batch APIs ({@code /v1/batches}, {@code /v1/messages/batches},
     * {@code :batchGenerateContent}) since start; each also counts once in {@link #requestCount(String)}.
     */
    public long batchItemsSubmitted() {
        return core.batchItemsSubmitted();
    }

    /** Batch jobs submitted since start. */
    public long batchesSubmitted() {
        return core.batchesSubmitted();
    }

    /** Requests received whose response has not finished yet. */
    public int inFlight() {
        return core.inFlight();
    }

    /** The highest {@link #inFlight()} seen since start or the last {@link #resetStats()}. */
    public int maxInFlight() {
        return core.maxInFlight();
    }

    /** Usage fully reported to clients, summed over all models. */
    public Usage servedUsage() {
        return core.servedUsage();
    }

    /** Usage fully reported to clients for one model. */
    public Usage servedUsage(String model) {
        return core.servedUsage(model);
    }

    /** Zeroes the request counts, the served usage and the peak in-flight count. */
    public void resetStats() {
        core.resetStats();
    }

    /** Stops the server; connections still open (for example hanging requests) are reset. */
    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "WireServer[" + baseUrl() + "]";
    }
}
