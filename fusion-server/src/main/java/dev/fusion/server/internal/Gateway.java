package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.AskFailedException;
import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionException;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.JudgeFailedException;
import dev.fusion.QuorumNotMetException;
import dev.fusion.Redactor;
import dev.fusion.server.ServerLimits;
import dev.fusion.server.internal.Formats.Api;
import dev.fusion.shared.SharedStateUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routes requests to the fusions: authentication, bounded body reading, admission (concurrency, the key's
 * limits and budgets), the ask, and the answer in the API's shape. Every error leaves as that API's error
 * body with its status; nothing thrown inside reaches the client as a stack trace. Thread-safe.
 */
public final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger("dev.fusion.server");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The most of an oversized body read (and dropped) so the client can read its 413; beyond it the connection closes. */
    static final long DISCARD_LIMIT = 64L << 20;

    private final Map<String, Fusion> fusions; // by model name, fusion/<name>
    private final KeyRing keys;
    private final ServerLimits limits;
    private final PrometheusMeterRegistry prometheus;
    private final MeterRegistry registry;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.concurrent.ConcurrentHashMap<Integer, io.micrometer.core.instrument.Counter> counters =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Sinks.Empty<Void> drainDeadline = Sinks.empty();
    private final Sinks.Many<Integer> idle = Sinks.many().replay().latest();

    public Gateway(Map<String, Fusion> fusions, KeyRing keys, ServerLimits limits, PrometheusMeterRegistry prometheus,
                   Clock clock) {
        this.fusions = Map.copyOf(fusions);
        this.keys = keys;
        this.limits = limits;
        this.prometheus = prometheus;
        this.registry = prometheus;
        this.clock = clock;
    }

    /** The model names served, in a stable order. */
    public List<String> models() {
        return fusions.keySet().stream().sorted((a, b) -> a.equals("fusion/default") ? -1 : b.equals("fusion/default") ? 1 : a.compareTo(b)).toList();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Stops admitting asks; emits when none is in flight. */
    public Mono<Void> drain() {
        draining.set(true);
        if (inFlight.get() == 0) {
            return Mono.empty();
        }
        return idle.asFlux().filter(n -> n == 0).next().then();
    }

    /** Cancels every ask still in flight (the drain deadline passed). */
    public void cancelInFlight() {
        drainDeadline.tryEmitEmpty();
    }

    // ------------------------------------------------------------------ routing

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = path(req);
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        HttpMethod method = req.method();
        Api api = path.equals("/v1/messages") ? Api.MESSAGES : path.equals("/v1/responses") ? Api.RESPONSES : Api.CHAT;
        try {
            switch (path) {
                case "/health" -> {
                    ObjectNode h = Json.MAPPER.createObjectNode().put("status", draining.get() ? "draining" : "ok");
                    ArrayNode models = h.putArray("models");
                    models().forEach(models::add);
                    return json(res, draining.get() ? 503 : 200, h, null);
                }
                case "/metrics" -> {
                    if (prometheus == null) {
                        return error(res, Api.CHAT, ApiError.of(404, "not_found", "metrics are not enabled"), null);
                    }
                    return res.status(200).header("content-type", "text/plain; version=0.0.4; charset=utf-8")
                            .sendString(Mono.fromCallable(prometheus::scrape)).then();
                }
                case "/v1/models", "/models" -> {
                    KeyRing.Client client = authenticate(req);
                    if (client == null && !keys.isEmpty()) {
                        return error(res, Api.CHAT, unauthorized(), null);
                    }
                    return json(res, 200, modelList(client), null);
                }
                case "/v1/chat/completions", "/chat/completions", "/v1/messages", "/v1/responses", "/responses" -> {
                    if (!method.equals(HttpMethod.POST)) {
                        return error(res, api, ApiError.of(405, "method_not_allowed", "use POST"), null);
                    }
                    return ask(req, res, api);
                }
                default -> {
                    return error(res, api, ApiError.of(404, "not_found", "no such endpoint: " + Requests.clip(path)
                            + " (this server has /v1/chat/completions, /v1/messages, /v1/responses, /v1/models, /health, /metrics)"), null);
                }
            }
        } catch (RuntimeException e) {
            return internal(res, api, e, null);
        }
    }

    /**
     * The request's path without query or fragment. A plain origin-form URI ({@code /v1/...}, nothing escaped) is cut
     * at its query here; anything else goes through Reactor Netty's {@code fullPath()}, which parses a {@code URI}.
     */
    static String path(HttpServerRequest req) {
        String uri = req.uri();
        if (uri.startsWith("/") && uri.indexOf('%') < 0 && !uri.startsWith("//")) {
            int end = uri.length();
            for (int i = 0; i < uri.length(); i++) {
                char c = uri.charAt(i);
                if (c == '?' || c == '#') {
                    end = i;
                    break;
                }
            }
            return uri.substring(0, end);
        }
        return req.fullPath();
    }

    private ObjectNode modelList(KeyRing.Client client) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        long created = clock.instant().getEpochSecond();
        for (String m : models()) {
            if (client != null && !client.key.allows(m)) {
                continue;
            }
            data.addObject().put("id", m).put("object", "model").put("created", created).put("owned_by", "fusion")
                    .put("type", "model").put("display_name", m).put("created_at", java.time.Instant.ofEpochSecond(created).toString());
        }
        return root;
    }

    // ------------------------------------------------------------------ one ask

    private Publisher<Void> ask(HttpServerRequest req, HttpServerResponse res, Api api) {
        String askId = newId();
        String presented = presentedKey(req);
        KeyRing.Client client = null;
        if (!keys.isEmpty()) {
            client = keys.authenticate(presented);
            if (client == null) {
                return error(res, api, unauthorized(), askId);
            }
        }
        if (draining.get()) {
            return error(res, api, new ApiError(503, "shutting_down", "the server is shutting down; retry on another instance", 1), askId);
        }
        String cl = req.requestHeaders().get("content-length");
        if (cl != null) {
            long n;
            try {
                n = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                return error(res, api, ApiError.badRequest("Content-Length is not a number"), askId);
            }
            if (n > limits.maxBodyBytes()) {
                // Answer at once, without buffering the body. Clients (the SDKs) only read the answer once their
                // upload is done, so the rest is read and dropped, up to a bound; beyond it the connection closes.
                if (n > DISCARD_LIMIT) {
                    res.keepAlive(false);
                    return error(res, api, tooLarge(), askId);
                }
                return error(res, api, tooLarge(), askId).then(req.receive().then().onErrorResume(e -> Mono.empty()));
            }
        }
        final KeyRing.Client who = client;
        return readBody(req).flatMap(bytes -> {
            Requests.Parsed parsed;
            try {
                JsonNode body = Json.MAPPER.readTree(bytes);
                parsed = switch (api) {
                    case CHAT -> Requests.chat(body);
                    case MESSAGES -> Requests.messages(body);
                    case RESPONSES -> Requests.responses(body);
                };
            } catch (Requests.BadRequest e) {
                return error(res, api, ApiError.badRequest(e.getMessage()).masking(presented), askId);
            } catch (java.io.IOException e) {
                return error(res, api, ApiError.badRequest("the body is not valid JSON: " + firstLine(e.getMessage())).masking(presented), askId);
            }
            String model = parsed.model().startsWith("fusion/") ? parsed.model() : "fusion/" + parsed.model();
            Fusion fusion = fusions.get(model);
            if (fusion == null) {
                return error(res, api, ApiError.of(404, "model_not_found", "The model '" + Requests.clip(parsed.model())
                        + "' does not exist; this server has " + models()).masking(presented), askId);
            }
            if (who != null && !who.key.allows(model)) {
                return error(res, api, ApiError.of(403, "model_not_allowed", "key '" + who.key.name()
                        + "' may not use " + model + "; it may use " + who.key.models()), askId);
            }
            if (who != null) {
                ApiError limited = who.admit(clock.millis());
                if (limited != null) {
                    return error(res, api, limited, askId);
                }
            }
            if (who == null) {
                return run(req, res, api, fusion, parsed, model, askId, null, presented);
            }
            Mono<ApiError> budget = who.budget(clock.millis());
            return budget.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty())
                    .flatMap(over -> over.isPresent() ? error(res, api, over.get(), askId)
                            : run(req, res, api, fusion, parsed, model, askId, who, presented));
        }).onErrorResume(BodyTooLarge.class, e -> {
            res.keepAlive(false);
            return error(res, api, tooLarge(), askId);
        }).onErrorResume(e -> !(e instanceof BodyTooLarge), e -> error(res, api, failure(e, askId).masking(presented), askId));
    }

    private Mono<Void> run(HttpServerRequest req, HttpServerResponse res, Api api, Fusion fusion, Requests.Parsed parsed,
                           String model, String askId, KeyRing.Client who, String presented) {
        {
            if (inFlight.incrementAndGet() > limits.maxConcurrentAsks()) {
                release();
                return error(res, api, new ApiError(503, "overloaded", "the server is answering "
                        + limits.maxConcurrentAsks() + " asks already; retry shortly", 1), askId);
            }
            Formats fmt = Formats.of(api, askId, model, clock.instant().getEpochSecond(), parsed.includeUsage(),
                    parsed.request().hasTools(), parsed.singleCall());
            boolean ledger = "true".equalsIgnoreCase(req.requestHeaders().get("x-fusion-ledger"));
            return parsed.stream()
                    ? stream(res, api, fusion, parsed, fmt, askId, who, presented)
                    : whole(res, api, fusion, parsed, fmt, askId, who, ledger, presented);
        }
    }

    private Mono<Void> whole(HttpServerResponse res, Api api, Fusion fusion, Requests.Parsed p, Formats fmt, String askId,
                             KeyRing.Client who, boolean ledger, String presented) {
        AtomicBoolean released = new AtomicBoolean();
        Runnable done = () -> {
            if (released.compareAndSet(false, true)) {
                release();
            }
        };
        return fusion.askAsync(p.request())
                .takeUntilOther(drainDeadline.asMono())
                .switchIfEmpty(Mono.error(() -> new DrainCancelled()))
                .flatMap(r -> {
                    done.run();
                    settle(who, r.calls());
                    ObjectNode body = fmt.whole(r);
                    if (ledger) {
                        body.set("fusion_ledger", Ledger.json(askId, r));
                    }
                    count(api, 200);
                    res.header("x-fusion-cost-usd", Ledger.costHeader(r.calls()))
                            .header("x-fusion-cost-complete", String.valueOf(r.costComplete()));
                    budgetHeader(res, fusion);
                    return sendJson(res, 200, body, askId);
                })
                .onErrorResume(e -> {
                    done.run();
                    List<CallRecord> calls = e instanceof AskFailedException a ? a.calls() : List.of();
                    settle(who, calls);
                    if (!calls.isEmpty()) {
                        res.header("x-fusion-cost-usd", Ledger.costHeader(calls))
                                .header("x-fusion-cost-complete", String.valueOf(Ledger.complete(calls)));
                    }
                    return error(res, api, failure(e, askId).masking(presented), askId);
                })
                .doOnCancel(done)
                .then();
    }

    private Mono<Void> stream(HttpServerResponse res, Api api, Fusion fusion, Requests.Parsed p, Formats fmt, String askId,
                              KeyRing.Client who, String presented) {
        AtomicBoolean released = new AtomicBoolean();
        List<CallRecord> seen = new ArrayList<>();
        StringBuilder sent = new StringBuilder();
        Runnable done = () -> {
            if (released.compareAndSet(false, true)) {
                release();
            }
        };
        // what each engine event shows, its failure and the client's departure, called by the coalescer (one buffer
        // per burst of events, none for most events of a panel) instead of one operator each
        Coalescer.Frames<FusionEvent> frames = new Coalescer.Frames<>() {
            private boolean completed;

            @Override
            public String next(FusionEvent ev) {
                if (ev instanceof FusionEvent.Completed) {
                    completed = true;
                }
                return frames(ev, fmt, p.structured(), sent, seen, who, api);
            }

            @Override
            public String complete() {
                if (!completed) {
                    // the drain deadline ended the ask before its answer
                    throw new DrainCancelled();
                }
                return null;
            }

            @Override
            public String error(Throwable e) {
                List<CallRecord> calls = e instanceof AskFailedException a ? a.calls() : List.copyOf(seen);
                settle(who, calls);
                ApiError err = failure(e, askId).masking(presented);
                count(api, err.status());
                StringBuilder out = new StringBuilder();
                if (!calls.isEmpty()) {
                    out.append(": cost $").append(Ledger.costHeader(calls)).append(" (complete: ")
                            .append(Ledger.complete(calls)).append(")\n\n");
                }
                fmt.error(err).forEach(out::append);
                return out.toString();
            }

            @Override
            public void cancelled() {
                // the client went away: the ask is cancelled with this subscription; book what was seen
                settle(who, List.copyOf(seen));
                count(api, 499);
            }

            @Override
            public void finished() {
                done.run();
            }
        };
        Flux<FusionEvent> events = fusion.stream(p.request()).takeUntilOther(drainDeadline.asMono());
        io.netty.util.concurrent.EventExecutor[] loop = new io.netty.util.concurrent.EventExecutor[1];
        res.withConnection(c -> loop[0] = c.channel().eventLoop());
        // headers go out before the first event, so they carry only what is known at the start: the ask id and the
        // most the ask may cost; the cost itself arrives at the end, in the ': cost' comment and the usage
        budgetHeader(res, fusion);
        return res.status(200)
                .header("content-type", "text/event-stream; charset=utf-8")
                .header("cache-control", "no-cache")
                .header("x-fusion-ask-id", askId)
                .header("x-fusion-cost-usd-in", "stream-end")
                // coalesced without delay: what the engine emits while the event loop is busy leaves in one buffer
                // with one flush; an event that arrives alone leaves at once
                .send(new Coalescer<>(String.join("", fmt.start()), events, frames, loop[0], res.alloc()), b -> true)
                .then();
    }

    /** The SSE frames for one engine event, joined; null when the event shows nothing to the client. */
    private String frames(FusionEvent ev, Formats fmt, boolean structured, StringBuilder sent, List<CallRecord> seen,
                          KeyRing.Client who, Api api) {
        if (ev instanceof FusionEvent.JudgeDelta d) {
            // the most frequent event: one frame, no list
            if (structured || d.text().isEmpty()) {
                return null;
            }
            sent.append(d.text());
            return fmt.delta(d.text());
        }
        List<String> out = new ArrayList<>(2);
        if (ev instanceof FusionEvent.MemberStarted m) {
            out.add(": member " + Ledger.safe(m.memberId()) + " started\n\n");
        } else if (ev instanceof FusionEvent.MemberAnswered m) {
            seen.add(m.record());
            out.add(": " + Ledger.comment(m.record()) + "\n\n");
        } else if (ev instanceof FusionEvent.MemberFailed m) {
            seen.add(m.record());
            out.add(": " + Ledger.comment(m.record()) + "\n\n");
        } else if (ev instanceof FusionEvent.RoundStarted r) {
            out.add(": round " + r.round() + " started\n\n");
        } else if (ev instanceof FusionEvent.JudgeStarted j) {
            out.add(": judge " + Ledger.safe(j.judgeId()) + " started (" + Ledger.safe(j.step()) + ")\n\n");
        } else if (ev instanceof FusionEvent.JudgeFailed j) {
            seen.add(j.record());
            out.add(": " + Ledger.comment(j.record()) + "\n\n");
        } else if (ev instanceof FusionEvent.JudgeTextDiscarded d) {
            if (!sent.isEmpty()) {
                throw new StreamBroken("the judge failed after streaming part of the answer; the fallback's answer"
                        + " cannot replace text already sent: ask again");
            }
        } else if (ev instanceof FusionEvent.Completed c) {
            FusionResult r = c.result();
            // a tool step's answer is the decided calls; text streamed before the decision stays as sent
            String answer = r.hasToolCalls() && !r.answer().startsWith(sent.toString()) ? sent.toString() : r.answer();
            if (!answer.startsWith(sent.toString())) {
                throw new StreamBroken("the final answer differs from the text already streamed: ask again");
            }
            for (CallRecord j : r.judgeCalls()) {
                if (j.isOk()) {
                    out.add(": " + Ledger.comment(j) + "\n\n");
                }
            }
            String rest = answer.substring(sent.length());
            if (!rest.isEmpty()) {
                out.add(fmt.delta(rest));
            }
            settle(who, r.calls());
            seen.clear();
            count(api, 200);
            out.add(": cost $" + Ledger.costHeader(r.calls()) + " (complete: " + r.costComplete() + ")\n\n");
            out.addAll(fmt.finish(r, answer));
        }
        return out.isEmpty() ? null : out.size() == 1 ? out.get(0) : String.join("", out);
    }

    // ------------------------------------------------------------------ pieces

    /** {@code x-fusion-budget-usd}: the per-ask budget of the fusion, when it has one (the most an ask may cost). */
    private static void budgetHeader(HttpServerResponse res, Fusion fusion) {
        BigDecimal budget = fusion.settings().budgetUsd();
        if (budget != null) {
            res.header("x-fusion-budget-usd", budget.stripTrailingZeros().toPlainString());
        }
    }

    private void release() {
        int n = inFlight.decrementAndGet();
        if (n == 0 && draining.get()) {
            idle.tryEmitNext(0);
        }
    }

    private void settle(KeyRing.Client who, List<CallRecord> calls) {
        if (who == null || calls.isEmpty()) {
            return;
        }
        BigDecimal cost = BigDecimal.ZERO;
        long tokens = 0;
        for (CallRecord c : calls) {
            cost = cost.add(c.cost().usd().orElse(BigDecimal.ZERO));
            tokens += c.usage().totalTokens();
        }
        who.settle(clock.millis(), cost, tokens);
    }

    private KeyRing.Client authenticate(HttpServerRequest req) {
        return keys.authenticate(presentedKey(req));
    }

    /** The key the client sent: {@code x-api-key}, else a Bearer token; null when none. */
    private static String presentedKey(HttpServerRequest req) {
        String key = req.requestHeaders().get("x-api-key");
        if (key == null) {
            String auth = req.requestHeaders().get("authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                key = auth.substring(7).trim();
            }
        }
        return key;
    }

    private static ApiError unauthorized() {
        return ApiError.of(401, "invalid_api_key", "missing or invalid API key: send the key this gateway gave you as"
                + " 'Authorization: Bearer <key>' or 'x-api-key: <key>'");
    }

    private ApiError tooLarge() {
        return ApiError.of(413, "request_too_large", "the request body is larger than " + limits.maxBodyBytes() + " bytes");
    }

    /** An ask's failure as the client sees it. */
    static ApiError failure(Throwable e, String askId) {
        if (e instanceof QuorumNotMetException q) {
            return ApiError.of(allTimedOut(q.calls(), false) ? 504 : 502, "panel_failed", q.getMessage());
        }
        if (e instanceof JudgeFailedException j) {
            return ApiError.of(allTimedOut(j.calls(), true) ? 504 : 502, "judge_failed", j.getMessage());
        }
        if (e instanceof BudgetExceededException b) {
            return ApiError.of(402, "budget_exceeded", b.getMessage());
        }
        if (e instanceof SharedStateUnavailableException s) {
            return new ApiError(503, "shared_state_unavailable", s.getMessage(), 5);
        }
        if (e instanceof InvalidConfigurationException i) {
            return ApiError.badRequest(i.getMessage());
        }
        if (e instanceof AskFailedException a) {
            return ApiError.of(502, "ask_failed", a.getMessage());
        }
        if (e instanceof StreamBroken s) {
            return ApiError.of(502, "stream_broken", s.getMessage());
        }
        if (e instanceof DrainCancelled) {
            return new ApiError(503, "shutting_down", "the server shut down before the answer was ready; ask again", 1);
        }
        if (e instanceof FusionException f) {
            return ApiError.of(500, "fusion_error", f.getMessage());
        }
        LOG.warn("ask {} failed unexpectedly: {}: {}", askId, e.getClass().getName(), Redactor.redact(String.valueOf(e.getMessage())));
        return ApiError.of(500, "internal_error", "internal error (ask " + askId + "); the server log has the cause");
    }

    private static boolean allTimedOut(List<CallRecord> calls, boolean judges) {
        List<CallRecord> failed = calls.stream().filter(c -> (c.role() == dev.fusion.CallRole.JUDGE) == judges)
                .filter(c -> !c.isOk() && c.status() != CallStatus.SKIPPED).toList();
        return !failed.isEmpty() && failed.stream().allMatch(c -> c.status() == CallStatus.TIMEOUT);
    }

    private Mono<Void> internal(HttpServerResponse res, Api api, Throwable e, String askId) {
        return error(res, api, failure(e, askId == null ? "-" : askId), askId);
    }

    private Mono<Void> error(HttpServerResponse res, Api api, ApiError e, String askId) {
        count(api, e.status());
        if (e.retryAfterSeconds() > 0) {
            res.header("retry-after", String.valueOf(e.retryAfterSeconds()));
        }
        return sendJson(res, e.status(), Formats.errorBody(api, e), askId);
    }

    private Mono<Void> json(HttpServerResponse res, int status, ObjectNode body, String askId) {
        return sendJson(res, status, body, askId);
    }

    private static Mono<Void> sendJson(HttpServerResponse res, int status, ObjectNode body, String askId) {
        if (res.hasSentHeaders()) {
            return Mono.empty();
        }
        res.status(HttpResponseStatus.valueOf(status)).header("content-type", "application/json");
        if (askId != null) {
            res.header("x-fusion-ask-id", askId);
        }
        return res.sendString(Mono.just(Json.write(body)), StandardCharsets.UTF_8).then();
    }

    private void count(Api api, int status) {
        if (registry != null) {
            // the meter registry's lookup (tags sorted, id hashed) once per API and status, not once per request
            counters.computeIfAbsent(api.ordinal() * 1000 + status, k -> registry.counter("fusion.server.requests",
                    "api", api.name().toLowerCase(java.util.Locale.ROOT), "status", String.valueOf(status))).increment();
        }
    }

    /** The body, refusing more than the limit as soon as the bytes read pass it. */
    private Mono<byte[]> readBody(HttpServerRequest req) {
        int max = limits.maxBodyBytes();
        return req.receive().reduceWith(ByteArrayOutputStream::new, (out, buf) -> {
            int n = buf.readableBytes();
            if (out.size() + n > max) {
                throw new BodyTooLarge();
            }
            byte[] b = new byte[n];
            buf.readBytes(b);
            out.write(b, 0, n);
            return out;
        }).map(ByteArrayOutputStream::toByteArray).defaultIfEmpty(new byte[0]);
    }

    static String newId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("body too large", null, false, false);
        }
    }

    static final class StreamBroken extends RuntimeException {
        StreamBroken(String m) {
            super(m, null, false, false);
        }
    }

    static final class DrainCancelled extends RuntimeException {
        DrainCancelled() {
            super("drain deadline", null, false, false);
        }
    }

    /** For tests and the models endpoint. */
    public Map<String, Fusion> fusions() {
        return new LinkedHashMap<>(fusions);
    }
}
