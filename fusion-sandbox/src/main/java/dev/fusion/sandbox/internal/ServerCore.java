package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP side of the wire server: routing, request parsing, timing, fault rendering and the
 * counters. Everything is non-blocking: delays are Reactor timers and responses are written by
 * Netty's event loops, so thousands of slow responses cost no threads.
 */
public final class ServerCore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);
    private static final String EVENT_STREAM = "text/event-stream";
    private static final String JSON_TYPE = "application/json";
    private static final Duration RESET_AFTER = Duration.ofMillis(50);

    private final Behaviour behaviour;
    private final Dialect openAi = new OpenAiDialect();
    private final Dialect anthropic = new AnthropicDialect();
    private final Dialect gemini = new GeminiDialect();

    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Sinks.Empty<Void> shutdown = Sinks.empty();
    private final ConcurrentHashMap<String, AtomicLong> sequences = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UsageTotals> servedByModel = new ConcurrentHashMap<>();
    private volatile UsageTotals served = new UsageTotals();
    private final AtomicLong total = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    /** Per request in flight: what ends its in-flight count (run once). */
    private final java.util.Map<HttpServerResponse, Runnable> leaving = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final DisposableServer server;
    private final BatchEndpoints batches;

    private ServerCore(Behaviour behaviour, int port) {
        this.behaviour = behaviour;
        this.batches = new BatchEndpoints(behaviour, Map.of(WireFormat.OPENAI, openAi, WireFormat.ANTHROPIC, anthropic,
                WireFormat.GEMINI, gemini), model -> {
                    total.incrementAndGet();
                    return sequences.computeIfAbsent(model, k -> new AtomicLong()).incrementAndGet();
                }, this::countServed);
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .channelGroup(channels)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
        LOG.debug("sandbox wire server listening on {}", baseUrl());
    }

    /** Binds to 127.0.0.1 on the port (0 = ephemeral). */
    public static ServerCore start(Behaviour behaviour, int port) {
        return new ServerCore(behaviour, port);
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public Behaviour behaviour() {
        return behaviour;
    }

    // ---- counters ---------------------------------------------------------------------------

    public long requestCount(String model) {
        AtomicLong n = sequences.get(model);
        return n == null ? 0 : n.get();
    }

    public long requestCount() {
        return total.get();
    }

    public Map<String, Long> requestCounts() {
        Map<String, Long> out = new TreeMap<>();
        sequences.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Batch items submitted through the three batch APIs since start. */
    public long batchItemsSubmitted() {
        return batches.submittedItems();
    }

    /** Batch jobs submitted since start. */
    public long batchesSubmitted() {
        return batches.submittedJobs();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    public Usage servedUsage() {
        return served.snapshot();
    }

    public Usage servedUsage(String model) {
        UsageTotals t = servedByModel.get(model);
        return t == null ? Usage.ZERO : t.snapshot();
    }

    public void resetStats() {
        sequences.clear();
        servedByModel.clear();
        served = new UsageTotals();
        total.set(0);
        maxInFlight.set(inFlight.get());
    }

    private void countServed(String model, Usage u) {
        served.add(u);
        servedByModel.computeIfAbsent(model, k -> new UsageTotals()).add(u);
    }

    // ---- routing ----------------------------------------------------------------------------

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Map<String, String> query = parseQuery(q < 0 ? "" : uri.substring(q + 1));
        res.header(HttpHeaderNames.SERVER, "fusion-sandbox");

        if (req.method().equals(HttpMethod.GET) && (path.equals("/v1/models") || path.equals("/models"))) {
            return sendJson(res, 200, modelList());
        }
        if (BatchEndpoints.matches(req.method().name(), path)) {
            String batchKey = apiKey(req, query);
            String contentType = req.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
            String method = req.method().name();
            return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(bytes -> {
                BatchEndpoints.Answer a = batches.handle(method, path, contentType, bytes, batchKey, baseUrl());
                byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
                res.status(HttpResponseStatus.valueOf(a.status()))
                        .header(HttpHeaderNames.CONTENT_TYPE, a.contentType())
                        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(out.length));
                return res.sendByteArray(Mono.just(out)).then();
            });
        }
        if (!req.method().equals(HttpMethod.POST)) {
            return sendJson(res, 404, notFound(req.method() + " " + path));
        }
        Dialect dialect;
        String pathModel = null;
        boolean pathStream = false;
        boolean sse = true;
        if (path.equals("/v1/chat/completions") || path.equals("/chat/completions")) {
            dialect = openAi;
        } else if (path.equals("/v1/messages")) {
            dialect = anthropic;
        } else if ((path.startsWith("/v1beta/models/") || path.startsWith("/v1/models/")) && path.indexOf(':') > 0) {
            dialect = gemini;
            int colon = path.lastIndexOf(':');
            String action = path.substring(colon + 1);
            pathModel = URLDecoder.decode(path.substring(path.indexOf("/models/") + 8, colon), StandardCharsets.UTF_8);
            if (action.equals("streamGenerateContent")) {
                pathStream = true;
                sse = "sse".equals(query.get("alt"));
            } else if (!action.equals("generateContent")) {
                return sendJson(res, 404, notFound("POST " + path));
            }
        } else {
            return sendJson(res, 404, notFound("POST " + path));
        }
        String key = apiKey(req, query);
        String model = pathModel;
        boolean stream = pathStream;
        boolean asSse = sse;
        enter();
        // A request stops counting as in flight when its complete JSON reply is handed to the transport
        // (see sendJson), not when the write has finished: a client that already read the reply may
        // send its next request before this event loop gets to the write's completion, and counting
        // both at once made a correct client limit of 2 show as a peak of 3. A stream stops counting when
        // its final events are handed over (see render).
        java.util.concurrent.atomic.AtomicBoolean left = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable leave = () -> {
            if (left.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        };
        leaving.put(res, leave);
        return req.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                .flatMap(body -> respond(dialect, body, model, stream, asSse, key, res))
                .doFinally(s -> {
                    leaving.remove(res);
                    leave.run();
                });
    }

    private void enter() {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
    }

    private static Map<String, String> parseQuery(String q) {
        Map<String, String> out = new TreeMap<>();
        for (String pair : q.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static String apiKey(HttpServerRequest req, Map<String, String> query) {
        String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        String k = req.requestHeaders().get("x-api-key");
        if (k == null) {
            k = req.requestHeaders().get("x-goog-api-key");
        }
        return k != null ? k : query.get("key");
    }

    private String modelList() {
        var root = Dialect.object();
        root.put("object", "list");
        var data = root.putArray("data");
        for (String id : new java.util.TreeSet<>(behaviour.models())) {
            var m = data.addObject();
            m.put("id", id);
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", "fusion-sandbox");
        }
        return Dialect.write(root);
    }

    private static String notFound(String what) {
        var root = Dialect.object();
        var e = root.putObject("error");
        e.put("message", "The sandbox server has no endpoint " + what
                + ". Endpoints: POST /v1/chat/completions, POST /chat/completions, POST /v1/messages, "
                + "POST /v1beta/models/{model}:generateContent, POST /v1beta/models/{model}:streamGenerateContent?alt=sse, "
                + "GET /v1/models.");
        e.put("type", "invalid_request_error");
        e.putNull("param");
        e.put("code", "unknown_url");
        return Dialect.write(root);
    }

    // ---- answering --------------------------------------------------------------------------

    private Mono<Void> respond(Dialect dialect, String body, String pathModel, boolean pathStream, boolean sse,
                               String key, HttpServerResponse res) {
        WireRequest parsed;
        try {
            JsonNode json = Dialect.JSON.readTree(body.isEmpty() ? "{}" : body);
            if (!json.isObject()) {
                throw new IllegalArgumentException("the body is not a JSON object");
            }
            parsed = dialect.parse(json, pathModel, pathStream, key);
        } catch (Exception e) {
            WireRequest empty = new WireRequest(dialect.format(), pathModel, "", List.of(), null, false, false, key, 0);
            Dialect.Call call = errorCall(dialect, empty);
            return sendError(dialect, call, res, Fault.http(400, "Could not parse the request body as JSON (sandbox): "
                    + e.getMessage()));
        }
        long seq = sequences.computeIfAbsent(parsed.model(), k -> new AtomicLong()).incrementAndGet();
        total.incrementAndGet();
        WireRequest request = parsed.withSequence(seq);
        Reply decided;
        try {
            decided = behaviour.decide(request);
        } catch (RuntimeException e) {
            LOG.warn("sandbox script for model {} failed", request.model(), e);
            decided = Reply.fault(Fault.http(500, "The sandbox script for this model threw " + e));
        }
        Reply reply = decided;
        Dialect.Call call = plan(dialect, request, reply, nextId(dialect.format()));
        LOG.debug("{} {} #{} stream={} -> {}", dialect.format(), request.model(), seq, request.stream(), reply);
        Mono<Void> signal = reply.firstByteSignal()
                .map(s -> Mono.fromCompletionStage(s).onErrorResume(e -> Mono.empty()).then())
                .orElse(Mono.empty());
        Mono<Void> firstByte = signal.then(reply.firstByteDelay().isZero() ? Mono.empty()
                : Mono.delay(reply.firstByteDelay()).then());
        return firstByte.then(Mono.defer(() -> render(dialect, call, reply, sse, res)));
    }

    private String nextId(WireFormat format) {
        String n = Long.toString(ids.incrementAndGet(), 36);
        switch (format) {
            case OPENAI: return "chatcmpl-sandbox" + n;
            case ANTHROPIC: return "msg_sandbox" + n;
            default: return "sandbox" + n;
        }
    }

    private Dialect.Call errorCall(Dialect dialect, WireRequest request) {
        return new Dialect.Call(request, nextId(dialect.format()), Instant.now().getEpochSecond(), "", List.of(),
                Usage.ZERO, false);
    }

    /** Computes the text actually sent, its chunks and the usage reported (see {@link Reply}'s usage rule). */
    static Dialect.Call plan(Dialect dialect, WireRequest request, Reply reply, String id) {
        String text = reply.text();
        boolean clipped = false;
        Usage usage;
        if (reply.fixedUsage().isPresent()) {
            usage = reply.fixedUsage().get();
        } else {
            long prompt = Text.tokens(request.promptText());
            long cached = Math.min(reply.cachedTokens(), prompt);
            long written = Math.min(reply.cacheWriteTokens(), prompt - cached);
            long reasoning = reply.reasoningTokens();
            if (request.maxTokens() != null) {
                long limit = Math.max(1, request.maxTokens());
                reasoning = Math.min(reasoning, limit / 2);
                long outBudget = limit - reasoning;
                if (Text.tokens(text) > outBudget) {
                    text = Text.clipToTokens(text, outBudget);
                    clipped = true;
                }
            }
            long callTokens = 0;
            for (Reply.ToolCall c : reply.toolCalls()) {
                callTokens += Text.tokens(c.name() + c.argumentsJson());
            }
            usage = new Usage(prompt - cached - written, cached, written, 0,
                    (text.isEmpty() && callTokens > 0 ? 0 : Text.tokens(text)) + callTokens, reasoning);
        }
        return new Dialect.Call(request, id, Instant.now().getEpochSecond(), text,
                text.isEmpty() ? List.of() : Text.chunks(text, reply.wordsPerChunk()), dialect.normalize(usage), clipped,
                reply.toolCalls());
    }

    /** The {@code x-fusion-sandbox} header value for a reply of this model: printable ASCII, one line. */
    static String label(String model) {
        String m = model == null ? "" : model;
        boolean persona = dev.fusion.sandbox.Sandbox.personas().stream().anyMatch(p -> p.id().equals(m));
        String v = persona ? dev.fusion.sandbox.Sandbox.notice(m)
                : "Scripted reply from the offline sandbox server, not a real model.";
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private Mono<Void> render(Dialect dialect, Dialect.Call call, Reply reply, boolean sse, HttpServerResponse res) {
        dialect.headers(call, res::header);
        // The label goes in the metadata, never in the answer an application parses.
        res.header(dev.fusion.sandbox.Sandbox.HEADER, label(call.request().model()));
        Fault fault = reply.fault().orElse(null);
        boolean streaming = call.request().stream() && sse;
        String model = call.request().model();
        if (fault == null) {
            if (streaming) {
                // Usage is counted as the final events are handed to the connection, so a client that
                // has read the whole stream always finds it in the totals.
                Dialect.Stream s = dialect.stream(call);
                Flux<String> events = events(dialect, s.head(), s.deltas(), List.of(), reply.chunkDelay())
                        .concatWith(Flux.defer(() -> {
                            if (call.request().includeUsage()) {
                                countServed(model, call.usage());
                            }
                            // As for a JSON reply (sendJson): the final events are about to go out, and a
                            // client that has read them may start its next request before this stream's
                            // completion is processed; counting both made a client limit of 2 show as 3
                            // (ProviderLimitBurstTest, since panel calls stream by default).
                            Runnable leave = leaving.get(res);
                            if (leave != null) {
                                leave.run();
                            }
                            String end = dialect.eventEnd();
                            return Flux.fromIterable(s.tail()).map(e -> e.render(end));
                        }));
                return sendStream(res, events);
            }
            Mono<Void> wait = nonStreamDelay(reply, call);
            return wait.then(Mono.defer(() -> {
                countServed(model, call.usage());
                return sendJson(res, 200, fullBody(dialect, call));
            }));
        }
        switch (fault.kind()) {
            case HTTP_ERROR:
                return sendError(dialect, call, res, fault);
            case HANG:
                return waitForever(res);
            case EMPTY_OK:
                res.status(200).header(HttpHeaderNames.CONTENT_TYPE, streaming ? EVENT_STREAM : JSON_TYPE)
                        .header(HttpHeaderNames.CONTENT_LENGTH, "0");
                return res.send().then();
            case WRONG_CONTENT_TYPE: {
                byte[] html = ("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
                        + "<p>sandbox fault: wrong content type</p></body></html>").getBytes(StandardCharsets.UTF_8);
                res.status(200).header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(html.length));
                return res.sendByteArray(Mono.just(html)).then();
            }
            default:
                return streaming ? streamFault(dialect, call, reply, fault, res) : bodyFault(dialect, call, reply, fault, res);
        }
    }

    private String fullBody(Dialect dialect, Dialect.Call call) {
        if (call.request().stream() && dialect.format() == WireFormat.GEMINI) {
            // streamGenerateContent without alt=sse: a JSON array of the stream's chunks.
            Dialect.Stream s = dialect.stream(call);
            StringBuilder sb = new StringBuilder("[");
            for (List<Dialect.Event> part : List.of(s.head(), s.deltas(), s.tail())) {
                for (Dialect.Event e : part) {
                    if (sb.length() > 1) {
                        sb.append(",\n");
                    }
                    sb.append(e.data());
                }
            }
            return sb.append(']').toString();
        }
        return dialect.body(call);
    }

    private static Mono<Void> nonStreamDelay(Reply reply, Dialect.Call call) {
        if (reply.chunkDelay().isZero() || call.chunks().isEmpty()) {
            return Mono.empty();
        }
        return Mono.delay(reply.chunkDelay().multipliedBy(call.chunks().size())).then();
    }

    private Flux<String> events(Dialect dialect, List<Dialect.Event> head, List<Dialect.Event> deltas,
                                List<Dialect.Event> tail, Duration chunkDelay) {
        String end = dialect.eventEnd();
        Flux<String> h = Flux.fromIterable(head).map(e -> e.render(end));
        Flux<String> d = chunkDelay.isZero()
                ? Flux.fromIterable(deltas).map(e -> e.render(end))
                : Flux.fromIterable(deltas).concatMap(e -> Mono.delay(chunkDelay).thenReturn(e.render(end)));
        Flux<String> t = Flux.fromIterable(tail).map(e -> e.render(end));
        return Flux.concat(h, d, t);
    }

    private static Mono<Void> sendStream(HttpServerResponse res, Flux<String> events) {
        res.status(200)
                .header(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM + "; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        return res.sendString(events, StandardCharsets.UTF_8).then();
    }

    private Mono<Void> sendJson(HttpServerResponse res, int status, String json) {
        Runnable leave = leaving.get(res);
        if (leave != null) {
            leave.run(); // the whole reply is about to go out: the client may end the call from here on
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        res.status(HttpResponseStatus.valueOf(status))
                .header(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
        return res.sendByteArray(Mono.just(bytes)).then();
    }

    private Mono<Void> sendError(Dialect dialect, Dialect.Call call, HttpServerResponse res, Fault fault) {
        fault.retryAfter().ifPresent(r -> res.header(r.headerName(), r.headerValue(Instant.now())));
        if (dialect.format() == WireFormat.ANTHROPIC) {
            // Anthropic's SDKs honour x-should-retry; the API sends it on retryable errors.
            res.header("x-should-retry", Boolean.toString(fault.status() == 408 || fault.status() == 409
                    || fault.status() == 429 || fault.status() >= 500));
        }
        return sendJson(res, fault.status(), dialect.errorBody(call, fault.status(), fault.message().orElse(null)));
    }

    private static <T> List<T> firstHalf(List<T> list) {
        return list.subList(0, list.isEmpty() ? 0 : Math.max(1, list.size() / 2));
    }

    private Mono<Void> streamFault(Dialect dialect, Dialect.Call call, Reply reply, Fault fault, HttpServerResponse res) {
        Dialect.Stream s = dialect.stream(call);
        String end = dialect.eventEnd();
        List<Dialect.Event> half = firstHalf(s.deltas());
        switch (fault.kind()) {
            case RESET_MID_BODY:
                return sendStream(res, events(dialect, s.head(), half, List.of(), reply.chunkDelay())
                        .concatWith(reset(res).thenMany(Flux.empty())));
            case TRUNCATED_BODY: {
                List<Dialect.Event> rest = new ArrayList<>(s.deltas().subList(half.size(), s.deltas().size()));
                rest.addAll(s.tail());
                String next = rest.get(0).render(end);
                String cut = next.substring(0, Math.max(1, next.length() / 2));
                return sendStream(res, events(dialect, s.head(), half, List.of(), reply.chunkDelay())
                        .concatWith(Mono.just(cut)));
            }
            case STREAM_WITHOUT_TERMINAL:
                return sendStream(res, events(dialect, s.head(), s.deltas(), List.of(), reply.chunkDelay()));
            case MID_STREAM_ERROR:
                return sendStream(res, events(dialect, s.head(), half,
                        List.of(dialect.streamError(call, fault.message().orElse(null))), reply.chunkDelay()));
            case STALL_MID_BODY:
                return sendStream(res, events(dialect, s.head(), half, List.of(), reply.chunkDelay())
                        .concatWith(waitForever(res).thenMany(Flux.empty())));
            default:
                throw new IllegalStateException("unhandled fault " + fault);
        }
    }

    private Mono<Void> bodyFault(Dialect dialect, Dialect.Call call, Reply reply, Fault fault, HttpServerResponse res) {
        if (fault.kind() == Fault.Kind.MID_STREAM_ERROR) {
            int status = dialect.format() == WireFormat.OPENAI ? 500 : dialect.format() == WireFormat.ANTHROPIC ? 529 : 503;
            return sendJson(res, 200, dialect.errorBody(call, status, fault.message().orElse(null)));
        }
        byte[] full = fullBody(dialect, call).getBytes(StandardCharsets.UTF_8);
        byte[] half = java.util.Arrays.copyOf(full, Math.max(1, full.length / 2));
        res.status(200).header(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE);
        Mono<Void> wait = nonStreamDelay(reply, call);
        switch (fault.kind()) {
            case RESET_MID_BODY:
                res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(full.length));
                // The reset is part of the body publisher: with a Content-Length the send itself does not
                // complete before the declared length is written.
                return wait.then(Mono.defer(() -> res.sendByteArray(Flux.just(half)
                        .concatWith(reset(res).thenMany(Flux.empty()))).then()));
            case TRUNCATED_BODY:
            case STREAM_WITHOUT_TERMINAL:
                res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(half.length));
                return wait.then(Mono.defer(() -> res.sendByteArray(Mono.just(half)).then()));
            case STALL_MID_BODY:
                res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(full.length));
                return wait.then(Mono.defer(() -> res.sendByteArray(Flux.just(half)
                        .concatWith(waitForever(res).thenMany(Flux.empty()))).then()));
            default:
                throw new IllegalStateException("unhandled fault " + fault);
        }
    }

    /**
     * Closes the connection with a TCP reset (SO_LINGER 0), a moment after the last write so the
     * client has read what was sent before the reset discards anything unread. The channel is taken
     * when this is assembled, before the response is sent: once reactor-netty has written a response
     * whose headers announce its length, it disposes the response's operations, and
     * {@code withConnection} then only sees a detached placeholder whose close does nothing.
     */
    private static Mono<Void> reset(HttpServerResponse res) {
        Channel channel = channelOf(res);
        // Ordered on the channel's event loop: this task runs after the write of what came before it,
        // and the empty write's promise completes only once everything before it is flushed to the
        // socket. A reset (SO_LINGER 0) discards unsent bytes, so a timer alone (as before) could reset
        // a busy server before its half body left, and the client saw nothing at all.
        return Mono.create(sink -> channel.eventLoop().execute(() ->
                channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(flushed ->
                        channel.eventLoop().schedule(() -> {
                            channel.config().setOption(ChannelOption.SO_LINGER, 0);
                            channel.close();
                            sink.success();
                        }, RESET_AFTER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))));
    }

    private static Channel channelOf(HttpServerResponse res) {
        Channel[] channel = new Channel[1];
        res.withConnection(c -> channel[0] = c.channel());
        return channel[0];
    }

    /** Completes when the client goes away; resets the connection if the server closes first. */
    private Mono<Void> waitForever(HttpServerResponse res) {
        Channel channel = channelOf(res);
        Mono<Void> clientGone = Mono.create(sink -> channel.closeFuture().addListener(f -> sink.success()));
        return Mono.firstWithSignal(clientGone, shutdown.asMono().then(reset(res)));
    }

    @Override
    public void close() {
        shutdown.tryEmitEmpty();
        try {
            channels.close().awaitUninterruptibly(2000);
        } finally {
            server.disposeNow(Duration.ofSeconds(5));
        }
    }
}
