package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.Redactor;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.ResponseLimits;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The shared HTTP machinery every wire format's model holds (composition, not inheritance): request sending with {@code Call.enqueue} mapped to a
 * {@link Mono} (cancelling the Mono cancels the call; {@code Call.execute} instead when subscribed
 * on the thread {@link ChatModel#MAY_BLOCK_KEY} names), SSE streaming through okhttp-sse mapped to a
 * {@link Flux} (cancelling the Flux cancels the EventSource), and the classification of every way a
 * response can be wrong. The model's {@link WireCodec} only builds the provider's request and reads its answers.
 *
 * <p>Hostile servers: redirects are never followed (a 3xx is a non-retryable {@code redirect}
 * failure naming the target origin); every body is read under {@link ResponseLimits} (a non-streamed
 * body after decompression, each SSE event, a stream's accumulated text), crossing one aborting the
 * call as {@code response_too_large}; reported usage is validated ({@link Json#count}); a connection
 * failure names the target's origin, never its userinfo, path or query.
 *
 * <p>Never retries. Never logs or reports the API key, headers, prompts or answers: DEBUG logs
 * carry the model, URL path (redacted), status and timings only. Immutable and thread-safe.
 */
public final class HttpTransport {

    private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);
    /** The most of an error body that is read. */
    private static final long MAX_ERROR_BODY = 64 * 1024;

    private final ModelRef ref;
    private final HttpUrl baseUrl;
    private final Secret secret;
    private final WireCodec codec;
    private final OkHttpClient client;
    private final EventSource.Factory sse;
    private final ResponseLimits limits;
    private final BodyLimit bodyLimit;
    private final BodyLimit eventLimit;

    /**
     * @param apiKey the API key (registered with the process-wide redactor), or null for a keyless server
     * @param client the HTTP client; used as {@link HttpClients#guard} returns it (redirects off, bodies bounded)
     * @param limits the bounds on what is read, or null for {@link ResponseLimits#defaults()}
     * @param codec  the wire format: builds requests and reads answers; called only when a request is sent or validated
     * @throws dev.fusion.InvalidConfigurationException when {@code baseUrl} carries userinfo or the key a character
     *                                  illegal in a header (neither is shown in the message)
     */
    public HttpTransport(ModelRef ref, HttpUrl baseUrl, String apiKey, OkHttpClient client, ResponseLimits limits,
                         WireCodec codec) {
        this.ref = Objects.requireNonNull(ref, "ref");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.secret = Secret.of(apiKey);
        if (!baseUrl.username().isEmpty() || !baseUrl.password().isEmpty()) {
            throw new dev.fusion.InvalidConfigurationException("baseUrl " + Failures.printable(baseUrl)
                    + " carries userinfo (user:password@); credentials in a URL are not supported, use an API key");
        }
        String problem = Secret.headerProblem(apiKey);
        if (problem != null) {
            throw new dev.fusion.InvalidConfigurationException("the API key for " + ref + " cannot be sent in a header: " + problem);
        }
        this.client = HttpClients.guard(Objects.requireNonNull(client, "client"));
        this.sse = EventSources.createFactory(this.client);
        this.limits = limits == null ? ResponseLimits.defaults() : limits;
        this.bodyLimit = new BodyLimit(this.limits.maxBodyBytes(), false);
        this.eventLimit = new BodyLimit(this.limits.maxEventBytes(), true);
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** The model this transport calls. */
    public ModelRef ref() {
        return ref;
    }

    /** The API key (redacted in every string form), possibly absent. */
    public Secret secret() {
        return secret;
    }

    /** The bounds on what is read from the network. */
    public ResponseLimits limits() {
        return limits;
    }

    /**
     * A JSON request body, serialized when OkHttp first asks for it: a request that is only
     * {@link #validate validated} (every ask checks each member's request before any call) is never
     * serialized. The tree must not change after this call.
     */
    public static RequestBody json(ObjectNode body) {
        return new JsonBody(body);
    }

    /** {@code baseUrl} with more path segments. */
    public HttpUrl.Builder url(String pathSegments) {
        return baseUrl.newBuilder().addPathSegments(pathSegments);
    }

    /** Builds the provider request without sending it: every wire-format check runs, no network. */
    public void validate(ModelRequest request) {
        Objects.requireNonNull(request, "request");
        codec.httpRequest(request, false);
    }

    // ------------------------------------------------------------------ batch hooks

    /**
     * The request body this model's wire format writes for a non-streamed call (a deep copy): what a
     * batch API takes as one item's body/params. Every wire-format check runs, as for a call.
     */
    public ObjectNode requestBody(ModelRequest request) {
        Request http = codec.httpRequest(Objects.requireNonNull(request, "request"), false).build();
        if (!(http.body() instanceof JsonBody jb)) {
            throw new IllegalStateException("the wire format did not write a JSON body");
        }
        return jb.tree().deepCopy();
    }

    /**
     * The headers this wire format sends with a call (authentication and version headers, the
     * provider's extra headers): a batch client sends the same ones to the same origin only.
     */
    public okhttp3.Headers requestHeaders(ModelRequest request) {
        return codec.httpRequest(Objects.requireNonNull(request, "request"), false).build().headers();
    }

    /**
     * Reads one answer body as a non-streamed call would (in-band errors, the codec, an empty answer
     * is a failure): a batch result's {@code body}/{@code message}/{@code response}.
     */
    public ModelResponse parseAnswer(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw Failures.malformed(ref, secret, "the answer is not a JSON object", null);
        }
        JsonNode err = root.get("error");
        if (err != null && !err.isNull() && !root.has("choices") && !root.has("candidates") && !root.has("content")) {
            throw Failures.inBand(ref, secret, root, null);
        }
        ModelResponse r;
        try {
            r = codec.parse(root);
        } catch (MalformedFieldException e) {
            throw Failures.malformed(ref, secret, "the answer's " + e.getMessage(), e);
        }
        if (r.text().isEmpty() && !r.hasToolCalls()) {
            throw emptyAnswer(r);
        }
        return r;
    }

    /** The guarded HTTP client (redirects off, bodies bounded by a {@link BodyLimit} tag). */
    public OkHttpClient client() {
        return client;
    }

    /** The provider's base URL. */
    public HttpUrl baseUrl() {
        return baseUrl;
    }

    /** The bound on one non-streamed body, as a request tag for {@link #client()}. */
    public BodyLimit bodyLimit() {
        return bodyLimit;
    }

    // ------------------------------------------------------------------ one-shot calls

    /** Sends one non-streamed request; see {@link ChatModel#call}. */
    public Mono<ModelResponse> call(ModelRequest request) {
        Objects.requireNonNull(request, "request");
        return Mono.create(sink -> {
            Request http = codec.httpRequest(request, false).tag(BodyLimit.class, bodyLimit).build();
            Call call = client.newCall(http);
            sink.onCancel(call::cancel);
            long start = System.nanoTime();
            if (log.isDebugEnabled()) {
                log.debug("POST {} model={} stream=false", Redactor.redact(http.url().encodedPath()), ref);
            }
            var callback = new Callback() { // var: its onResponse throws nothing, unlike Callback's
                @Override
                public void onFailure(Call c, IOException e) {
                    if (e instanceof ResponseTooLargeException) {
                        sink.error(Failures.tooLarge(ref, e.getMessage(), null, e));
                    } else if (!c.isCanceled()) {
                        sink.error(Failures.transport(ref, secret, http.url(), e));
                    }
                }

                @Override
                public void onResponse(Call c, Response response) {
                    try (response) {
                        if (log.isDebugEnabled()) {
                            log.debug("HTTP {} for {} after {} ms", response.code(), ref, (System.nanoTime() - start) / 1_000_000);
                        }
                        sink.success(read(response));
                    } catch (ProviderException e) {
                        sink.error(e);
                    } catch (ResponseTooLargeException e) {
                        c.cancel(); // the rest of the body is never read: drop the connection now
                        sink.error(Failures.tooLarge(ref, e.getMessage(), null, e));
                    } catch (IOException e) {
                        sink.error(c.isCanceled() ? e : Failures.truncated(ref, secret,
                                "the response body broke off: " + e.getMessage(), null, e));
                    } catch (RuntimeException e) {
                        sink.error(Failures.malformed(ref, secret, "unreadable response: " + e, e));
                    }
                }
            };
            if (sink.contextView().getOrDefault(ChatModel.MAY_BLOCK_KEY, null) == Thread.currentThread()) {
                // Fusion's blocking caller runs this call itself: no hand-over to a dispatcher thread.
                // A cancel from another thread still aborts it (call.cancel() closes the socket).
                Response response;
                try {
                    response = call.execute();
                } catch (IOException e) {
                    callback.onFailure(call, e);
                    return;
                }
                callback.onResponse(call, response);
            } else {
                call.enqueue(callback);
            }
        });
    }

    private ModelResponse read(Response response) throws IOException {
        if (isRedirect(response.code())) {
            throw Failures.redirect(ref, response.request().url(), response.code(), response.headers());
        }
        if (!response.isSuccessful()) {
            throw Failures.http(ref, secret, response.code(), response.headers(), errorBody(response));
        }
        ResponseBody body = response.body();
        // Bytes straight into Jackson's UTF-8 parser: no String decode and re-scan of the body, and
        // the Content-Type header is only parsed (OkHttp uses a regex) when it does not look like JSON.
        byte[] bytes = body.bytes();
        if (isBlank(bytes)) {
            throw Failures.malformed(ref, secret, "HTTP " + response.code() + " with an empty body", null);
        }
        String contentType = response.header("Content-Type");
        if (contentType != null && !looksLikeJson(contentType)) {
            MediaType type = MediaType.parse(contentType);
            if (type != null && !isJson(type)) {
                throw Failures.malformed(ref, secret, "expected a JSON answer but got content type " + type
                        + ": " + Failures.snippet(new String(bytes, type.charset(StandardCharsets.UTF_8))), null);
            }
        }
        if (!declaresCharset(contentType)) {
            int bad = Utf8Check.firstInvalid(bytes);
            if (bad >= 0) {
                throw Failures.malformed(ref, secret, "the answer is not valid UTF-8 (byte " + (bad + 1) + ")", null);
            }
        }
        JsonNode root;
        try {
            root = declaresCharset(contentType) ? readDeclaredCharset(contentType, bytes) : Json.MAPPER.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw Failures.malformed(ref, secret, "the answer is not valid JSON (truncated or malformed): "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw Failures.malformed(ref, secret, "the answer is not a JSON object", null);
        }
        JsonNode err = root.get("error");
        if (err != null && !err.isNull() && !root.has("choices") && !root.has("candidates") && !root.has("content")) {
            throw Failures.inBand(ref, secret, root, null);
        }
        ModelResponse r;
        try {
            r = codec.parse(root);
        } catch (MalformedFieldException e) {
            throw Failures.malformed(ref, secret, "the answer's " + e.getMessage(), e);
        }
        if (r.text().isEmpty() && !r.hasToolCalls()) {
            throw emptyAnswer(r);
        }
        return r;
    }

    /** Whether the Content-Type names a charset other than UTF-8 (no regex: this runs on every answer). */
    private static boolean declaresCharset(String contentType) {
        if (contentType == null) {
            return false;
        }
        int i = contentType.toLowerCase(java.util.Locale.ROOT).indexOf("charset=");
        if (i < 0) {
            return false;
        }
        int end = contentType.indexOf(';', i);
        String cs = contentType.substring(i + 8, end < 0 ? contentType.length() : end).trim();
        if (cs.length() >= 2 && cs.startsWith("\"") && cs.endsWith("\"")) {
            cs = cs.substring(1, cs.length() - 1);
        }
        return !cs.equalsIgnoreCase("utf-8") && !cs.equalsIgnoreCase("utf8");
    }

    /** A body in a declared non-UTF-8 charset: decoded as {@code ResponseBody.string()} would. */
    private static JsonNode readDeclaredCharset(String contentType, byte[] bytes) throws IOException {
        MediaType type = MediaType.parse(contentType);
        return Json.MAPPER.readTree(new String(bytes, type == null ? StandardCharsets.UTF_8
                : type.charset(StandardCharsets.UTF_8)));
    }

    /**
     * Whitespace only, as {@link String#isBlank()} sees ASCII (a body made only of non-ASCII Unicode
     * spaces is reported as invalid JSON instead of empty; both are malformed answers).
     */
    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != 0x0B && b != '\f'
                    && !(b >= 0x1C && b <= 0x1F)) {
                return false;
            }
        }
        return true;
    }

    /** A fast check of {@code type/subtype; params} for a JSON subtype, without OkHttp's regex parse. */
    static boolean looksLikeJson(String contentType) {
        int semi = contentType.indexOf(';');
        String essence = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        int slash = essence.indexOf('/');
        if (slash <= 0) {
            return false;
        }
        String subtype = essence.substring(slash + 1);
        return subtype.equalsIgnoreCase("json") || subtype.regionMatches(true, subtype.length() - 5, "+json", 0, 5);
    }

    private static boolean isJson(MediaType t) {
        return t.subtype().equalsIgnoreCase("json") || t.subtype().toLowerCase(java.util.Locale.ROOT).endsWith("+json");
    }

    /** An empty answer keeps the usage the provider reported; unknown usage stays unknown (not zero). */
    private ProviderException emptyAnswer(ModelResponse r) {
        ProviderException e = Failures.emptyAnswer(ref, r.finishReason());
        return r.usageReported() ? e.withUsage(r.usage()) : e;
    }

    /** Every 3xx: redirects are never followed, and no other 3xx is an answer to a POST. */
    private static boolean isRedirect(int code) {
        return code >= 300 && code < 400;
    }

    private static String errorBody(Response response) {
        try {
            return response.peekBody(MAX_ERROR_BODY).string();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ streams

    /** Sends one streamed request; see {@link ChatModel#stream}. */
    public Flux<ModelStreamEvent> stream(ModelRequest request) {
        Objects.requireNonNull(request, "request");
        return Flux.create(sink -> {
            Request http = codec.httpRequest(request, true).header("Accept", "text/event-stream")
                    .tag(BodyLimit.class, eventLimit).build();
            StreamListener listener = new StreamListener(sink, codec.decoder(), http.url());
            if (log.isDebugEnabled()) {
                log.debug("POST {} model={} stream=true", Redactor.redact(http.url().encodedPath()), ref);
            }
            EventSource source = sse.newEventSource(http, listener);
            sink.onCancel(() -> {
                listener.done.set(true);
                source.cancel();
            });
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    /** Bridges one EventSource to one FluxSink. Events arrive serially on one OkHttp thread. */
    private final class StreamListener extends EventSourceListener {
        private final FluxSink<ModelStreamEvent> sink;
        private final StreamDecoder decoder;
        private final HttpUrl url;
        private final StringBuilder text = new StringBuilder();
        final AtomicBoolean done = new AtomicBoolean();
        private final long start = System.nanoTime();

        StreamListener(FluxSink<ModelStreamEvent> sink, StreamDecoder decoder, HttpUrl url) {
            this.sink = sink;
            this.decoder = decoder;
            this.url = url;
        }

        @Override
        public void onOpen(EventSource source, Response response) {
            if (log.isDebugEnabled()) { // the arguments (an array, boxed numbers) are built only when logged
                log.debug("HTTP {} stream opened for {} after {} ms", response.code(), ref,
                        (System.nanoTime() - start) / 1_000_000);
            }
        }

        @Override
        public void onEvent(EventSource source, String id, String type, String data) {
            if (done.get()) {
                return;
            }
            try {
                boolean terminal = decoder.onEvent(type, data, piece -> {
                    if (!piece.isEmpty()) {
                        if (text.length() + (long) piece.length() > limits.maxStreamTextChars()) {
                            throw Failures.tooLarge(ref, "the streamed answer's text exceeds the limit of "
                                    + limits.maxStreamTextChars() + " characters", null, null);
                        }
                        text.append(piece);
                        sink.next(new ModelStreamEvent.TextDelta(piece));
                    }
                }, sink::next);
                if (terminal) {
                    complete();
                }
            } catch (ProviderException e) {
                fail(e.partialText() == null && text.length() > 0 ? e.withPartialText(text.toString()) : e);
                source.cancel();
            } catch (MalformedFieldException e) {
                fail(Failures.malformed(ref, secret, "a stream event's " + e.getMessage(), e).withPartialText(partial()));
                source.cancel();
            } catch (RuntimeException e) {
                fail(Failures.malformed(ref, secret, "unreadable stream event: " + e, e).withPartialText(partial()));
                source.cancel();
            }
        }

        @Override
        public void onClosed(EventSource source) {
            if (done.get()) {
                return;
            }
            if (decoder.completeAtClose()) {
                complete();
            } else {
                fail(Failures.truncated(ref, secret, "the stream ended without its terminal event after "
                        + text.length() + " chars", partial(), null));
            }
        }

        @Override
        public void onFailure(EventSource source, Throwable t, Response response) {
            if (done.get()) {
                return;
            }
            if (t instanceof ResponseTooLargeException) {
                source.cancel();
                fail(Failures.tooLarge(ref, t.getMessage(), partial(), t));
            } else if (t instanceof MalformedStreamException) {
                source.cancel();
                fail(Failures.malformed(ref, secret, t.getMessage(), t).withPartialText(partial()));
            } else if (response != null && isRedirect(response.code())) {
                fail(Failures.redirect(ref, url, response.code(), response.headers()));
            } else if (response != null && !response.isSuccessful()) {
                fail(Failures.http(ref, secret, response.code(), response.headers(), errorBody(response)));
            } else if (response != null && t == null || t instanceof IllegalStateException) {
                MediaType type = response == null || response.body() == null ? null : response.body().contentType();
                fail(Failures.malformed(ref, secret, "expected an event stream but got content type " + type, t));
            } else if (t == null) {
                fail(Failures.malformed(ref, secret, "the stream failed without a cause", null));
            } else if (text.length() > 0) {
                fail(Failures.truncated(ref, secret, "the stream broke off after " + text.length() + " chars: " + t,
                        partial(), t));
            } else {
                fail(Failures.transport(ref, secret, url, t));
            }
        }

        private String partial() {
            return text.length() == 0 ? null : text.toString();
        }

        private void complete() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            try {
                ModelResponse r = decoder.response(text.toString());
                if (r.text().isEmpty() && !r.hasToolCalls()) {
                    sink.error(emptyAnswer(r));
                    return;
                }
                if (log.isDebugEnabled()) {
                    log.debug("stream complete for {} after {} ms", ref, (System.nanoTime() - start) / 1_000_000);
                }
                sink.next(new ModelStreamEvent.Completed(r));
                sink.complete();
            } catch (ProviderException e) {
                sink.error(e);
            } catch (MalformedFieldException e) {
                sink.error(Failures.malformed(ref, secret, "the stream's " + e.getMessage(), e));
            } catch (RuntimeException e) {
                sink.error(Failures.malformed(ref, secret, "unreadable final stream state: " + e, e));
            }
        }

        private void fail(ProviderException e) {
            if (done.compareAndSet(false, true)) {
                sink.error(e);
            }
        }
    }

    /** {@code name[ref, baseUrl]} with the URL printable (no userinfo): the model's {@code toString}. */
    public String describe(String name) {
        return name + "[" + ref + ", " + Failures.printable(baseUrl) + "]";
    }
}
