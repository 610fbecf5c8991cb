package dev.fusion.providers.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.internal.BodyLimit;
import dev.fusion.providers.internal.Failures;
import dev.fusion.providers.internal.HttpTransport;
import dev.fusion.providers.internal.Json;
import dev.fusion.providers.internal.ResponseTooLargeException;
import dev.fusion.providers.internal.Secret;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The HTTP side of a batch API on the model's own transport: its guarded client (no redirects, bodies
 * bounded by a {@link BodyLimit} tag), its headers (key, version, extra headers) sent to the provider's
 * own origin only. A URL on another origin (a hostile {@code results_url}) is refused before any request.
 * Thread-safe.
 */
public final class BatchHttp {

    private static final Logger log = LoggerFactory.getLogger(BatchHttp.class);
    private static final long MAX_ERROR_BODY = 64 * 1024;
    /** The most of one JSONL results line (one answer). */
    static final long MAX_LINE_BYTES = 16L * 1024 * 1024;

    private final HttpTransport transport;
    private final Headers headers;
    private final ModelRef ref;
    private final Secret secret;

    public BatchHttp(HttpTransport transport, Headers providerHeaders) {
        this.transport = transport;
        this.ref = transport.ref();
        this.secret = transport.secret();
        Headers.Builder b = new Headers.Builder();
        for (int i = 0; i < providerHeaders.size(); i++) {
            String name = providerHeaders.name(i);
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals("content-type") && !lower.equals("content-length") && !lower.equals("accept")) {
                b.add(name, providerHeaders.value(i));
            }
        }
        this.headers = b.build();
    }

    public HttpTransport transport() {
        return transport;
    }

    public ModelRef ref() {
        return ref;
    }

    /** {@code baseUrl} plus path segments. */
    public HttpUrl.Builder url(String segments) {
        return transport.url(segments);
    }

    /** Whether a URL has the provider's scheme, host and port. */
    public boolean sameOrigin(HttpUrl url) {
        HttpUrl base = transport.baseUrl();
        return url.scheme().equals(base.scheme()) && url.host().equalsIgnoreCase(base.host()) && url.port() == base.port();
    }

    public JsonNode get(HttpUrl url, long limit) {
        return json(new Request.Builder().url(url).get(), limit);
    }

    public JsonNode post(HttpUrl url, RequestBody body, long limit) {
        return json(new Request.Builder().url(url).post(body), limit);
    }

    private JsonNode json(Request.Builder builder, long limit) {
        Request request = prepare(builder, limit);
        try (Response response = transport.client().newCall(request).execute()) {
            check(response);
            byte[] bytes = response.body().bytes();
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(bytes);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw Failures.malformed(ref, secret, "the batch API's answer is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw Failures.malformed(ref, secret, "the batch API's answer is not a JSON object", null);
            }
            return root;
        } catch (ResponseTooLargeException e) {
            throw Failures.tooLarge(ref, e.getMessage(), null, e);
        } catch (IOException e) {
            throw Failures.transport(ref, secret, request.url(), e);
        }
    }

    /**
     * Reads a JSONL body line by line (each line at most {@link #MAX_LINE_BYTES}, the whole body at most
     * {@code limit}); a line that is not a JSON object is logged (by number, never its content) and skipped.
     *
     * @return the number of lines skipped
     */
    public int lines(HttpUrl url, long limit, Consumer<JsonNode> each) {
        Request request = prepare(new Request.Builder().url(url).get(), limit);
        int skipped = 0;
        try (Response response = transport.client().newCall(request).execute()) {
            check(response);
            BufferedSource source = response.body().source();
            int n = 0;
            while (!source.exhausted()) {
                long nl = source.indexOf((byte) '\n', 0, MAX_LINE_BYTES + 1);
                if (nl < 0 && source.buffer().size() > MAX_LINE_BYTES) {
                    throw Failures.tooLarge(ref, "a batch results line is longer than " + MAX_LINE_BYTES + " bytes", null, null);
                }
                String line = nl < 0 ? source.readUtf8() : source.readUtf8(nl);
                if (nl >= 0) {
                    source.skip(1);
                }
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(line.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    node = null;
                }
                if (node == null || !node.isObject()) {
                    log.warn("batch results line {} for {} is not a JSON object; skipped", n, ref);
                    skipped++;
                    continue;
                }
                each.accept(node);
            }
        } catch (ResponseTooLargeException e) {
            throw Failures.tooLarge(ref, e.getMessage(), null, e);
        } catch (IOException e) {
            throw Failures.transport(ref, secret, request.url(), e);
        }
        return skipped;
    }

    private Request prepare(Request.Builder builder, long limit) {
        Request probe = builder.build();
        if (!sameOrigin(probe.url())) {
            // The key never leaves the provider's origin, and Fusion does not fetch from elsewhere.
            throw new ProviderException(ProviderException.Kind.MALFORMED_RESPONSE, -1, "foreign_origin", null, false,
                    null, null, "the batch API pointed at " + Failures.origin(probe.url()) + ", another origin than"
                    + " the provider's " + Failures.origin(transport.baseUrl()) + "; refused (the API key is only sent"
                    + " to the provider's own origin) [" + ref + "]", null);
        }
        return builder.headers(merged(probe.headers())).tag(BodyLimit.class, new BodyLimit(limit, false)).build();
    }

    private Headers merged(Headers own) {
        Headers.Builder b = headers.newBuilder();
        for (int i = 0; i < own.size(); i++) {
            b.set(own.name(i), own.value(i));
        }
        return b.build();
    }

    private void check(Response response) throws IOException {
        int code = response.code();
        if (code >= 300 && code < 400) {
            throw Failures.redirect(ref, response.request().url(), code, response.headers());
        }
        if (!response.isSuccessful()) {
            String body;
            try {
                body = response.peekBody(MAX_ERROR_BODY).string();
            } catch (IOException | RuntimeException e) {
                body = null;
            }
            throw Failures.http(ref, secret, code, response.headers(), body);
        }
        if (response.body() == null) {
            throw Failures.malformed(ref, secret, "HTTP " + code + " without a body", null);
        }
    }
}
