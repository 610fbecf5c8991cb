package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ProviderException;
import okhttp3.Headers;
import okhttp3.HttpUrl;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Turns what a provider sent back into typed {@link ProviderException}s: HTTP error statuses with
 * the provider's error body, in-band errors, malformed and empty answers. Knows the three error
 * body shapes:
 * <ul>
 *   <li>OpenAI / OpenRouter: {@code {"error":{"message","type","code","metadata"}}}</li>
 *   <li>Anthropic: {@code {"type":"error","error":{"type","message"},"request_id"}}</li>
 *   <li>Gemini (Google RPC): {@code {"error":{"code":429,"message","status":"RESOURCE_EXHAUSTED","details":[...]}}}</li>
 * </ul>
 * Every message names the model and passes through {@link dev.fusion.Redactor} (here and again in
 * {@link ProviderException}'s constructor); no request data (headers, body) is ever included, and a
 * URL is shown as its origin (and path) only. Stateless and thread-safe.
 */
public final class Failures {

    /** The most of a non-JSON error body quoted in a message. */
    private static final int SNIPPET = 200;

    private Failures() {
    }

    /** An HTTP error status with its body, classified by status and the {@code X-Should-Retry} override. */
    public static ProviderException http(ModelRef ref, Secret secret, int status, Headers headers, String body) {
        ErrorInfo info = parseErrorBody(body);
        Duration retryAfter = retryAfter(headers, Instant.now());
        if (retryAfter == null) {
            retryAfter = info.retryDelay();
        }
        String message = secret.redact(info.message() != null ? info.message()
                : body == null || body.isBlank() ? "(empty error body)" : "non-JSON error body: " + snippet(body));
        ProviderException e = ProviderException.http(status, info.type(), info.code(), message + " [" + ref + "]",
                retryAfter);
        String override = headers.get("x-should-retry");
        if (override != null) {
            boolean retry = "true".equalsIgnoreCase(override.trim());
            if (retry != e.retryable()) {
                return new ProviderException(e.kind(), status, e.errorType(), e.errorCode(), retry, retryAfter,
                        null, e.getMessage(), null);
            }
        }
        return e;
    }

    /**
     * An error the provider reported inside a successful (HTTP 200) response or stream: OpenRouter's
     * {@code error} chunk, Anthropic's {@code error} event. Retryable when its code/type says the
     * provider was overloaded, rate limited or failed internally.
     */
    public static ProviderException inBand(ModelRef ref, Secret secret, JsonNode errorRoot, String partialText) {
        ErrorInfo info = errorInfo(errorRoot);
        int equivalent = equivalentStatus(info);
        boolean retryable = equivalent < 0 || ProviderException.isRetryableStatus(equivalent);
        String message = secret.redact("in-band error" + (info.type() != null ? " " + info.type() : "")
                + (info.code() != null ? " (code " + info.code() + ")" : "")
                + (info.message() != null ? ": " + info.message() : "") + " [" + ref + "]");
        return new ProviderException(ProviderException.Kind.IN_BAND_ERROR, -1,
                info.type() != null ? info.type() : "in_band_error", info.code(), retryable, info.retryDelay(),
                partialText, message, null);
    }

    /** An empty, truncated, malformed or wrongly typed body: retryable (the provider may have glitched). */
    public static ProviderException malformed(ModelRef ref, Secret secret, String what, Throwable cause) {
        return ProviderException.malformed(secret.redact(what + " [" + ref + "]"), cause);
    }

    /** A stream that ended (or broke) before its terminal event; keeps the text received so far. */
    public static ProviderException truncated(ModelRef ref, Secret secret, String what, String partial, Throwable cause) {
        return new ProviderException(ProviderException.Kind.MALFORMED_RESPONSE, -1, "truncated_stream", null, true,
                null, partial == null || partial.isEmpty() ? null : partial, secret.redact(what + " [" + ref + "]"),
                cause);
    }

    /**
     * A connection failure before any answer text: retryable. The message names the target's
     * origin (scheme, host and port; never userinfo, path or query), e.g.
     * {@code cannot connect to http://127.0.0.1:9 (Connection refused)}.
     */
    public static ProviderException transport(ModelRef ref, Secret secret, HttpUrl target, Throwable cause) {
        String detail = cause.getMessage() == null || cause.getMessage().isBlank() ? cause.getClass().getSimpleName()
                : cause.getMessage();
        String where = target == null ? "the provider" : origin(target);
        String msg = cause instanceof java.net.ConnectException || cause instanceof java.net.UnknownHostException
                || cause instanceof java.net.NoRouteToHostException
                || cause instanceof java.net.SocketTimeoutException && detail.toLowerCase(Locale.ROOT).contains("connect")
                || cause instanceof javax.net.ssl.SSLHandshakeException
                ? "cannot connect to " + where + " (" + detail + ")"
                : "connection to " + where + " failed (" + cause.getClass().getSimpleName() + ": " + detail + ")";
        return ProviderException.transport(secret.redact(msg + " [" + ref + "]"), cause);
    }

    /**
     * A redirect (3xx) answer. Never followed: OkHttp would strip only {@code Authorization} on a
     * cross-origin hop and send {@code x-api-key}/{@code x-goog-api-key} along (and turn a POST into a
     * GET on 301/302). Not retryable: the same request gets the same redirect. The message names the
     * status and the target's origin (without userinfo, path or query).
     */
    public static ProviderException redirect(ModelRef ref, HttpUrl requestUrl, int status, Headers headers) {
        String location = headers.get("Location");
        HttpUrl target = location == null || requestUrl == null ? null : requestUrl.resolve(location.trim());
        String to = target != null ? origin(target) : location == null ? "no Location" : "an unreadable Location";
        return new ProviderException(ProviderException.Kind.REDIRECT, status, "redirect", null, false, null, null,
                "the provider answered HTTP " + status + " redirecting to " + to + "; redirects are never followed"
                + " (an API key must not travel to another origin): set the provider's baseUrl to the final URL ["
                + ref + "]", null);
    }

    /**
     * An answer that crossed a {@link dev.fusion.providers.ResponseLimits} bound: aborted, not
     * retryable (the same request would get the same answer). Keeps the text streamed so far.
     */
    public static ProviderException tooLarge(ModelRef ref, String what, String partial, Throwable cause) {
        return new ProviderException(ProviderException.Kind.RESPONSE_TOO_LARGE, -1, "response_too_large", null, false,
                null, partial == null || partial.isEmpty() ? null : partial, what + "; the call was aborted (raise"
                + " ResponseLimits if such answers are legitimate) [" + ref + "]", cause);
    }

    /** {@code scheme://host:port} of a URL: never its userinfo, path or query. */
    public static String origin(HttpUrl url) {
        String host = url.host();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]"; // IPv6 literal
        }
        return url.scheme() + "://" + host + ":" + url.port();
    }

    /** A URL safe to print: origin and path, never userinfo or query. */
    public static String printable(HttpUrl url) {
        return origin(url) + url.encodedPath();
    }

    /**
     * The model answered but without visible text. Retryable only when nothing explains the empty
     * answer: a length stop (the budget went to reasoning) or a safety/refusal stop would recur
     * on an identical retry and only cost money again.
     */
    public static ProviderException emptyAnswer(ModelRef ref, String finishReason) {
        String fr = finishReason == null ? "" : finishReason.toLowerCase(Locale.ROOT);
        boolean deterministic = fr.equals("length") || fr.equals("max_tokens") || fr.contains("safety")
                || fr.contains("filter") || fr.equals("refusal") || fr.contains("recitation")
                || fr.contains("blocklist") || fr.contains("prohibited") || fr.contains("spii");
        String why = fr.equals("length") || fr.equals("max_tokens")
                ? " (the output budget was used up before any visible text; raise maxOutputTokens)"
                : deterministic ? " (stopped by the provider's content filter)" : "";
        return new ProviderException(ProviderException.Kind.EMPTY_ANSWER, -1, "empty_answer", finishReason,
                !deterministic, null, null, "the model returned no text, finish reason " + finishReason + why
                + " [" + ref + "]", null);
    }

    /** A prompt the provider refused to process (Gemini {@code promptFeedback.blockReason}): not retryable. */
    public static ProviderException blocked(ModelRef ref, String reason) {
        return new ProviderException(ProviderException.Kind.EMPTY_ANSWER, -1, "prompt_blocked", reason, false, null,
                null, "the provider blocked the prompt (blockReason " + reason + "); no answer was generated [" + ref + "]",
                null);
    }

    // ------------------------------------------------------------------ parsing

    /** What an error body says. Any field may be null. */
    public record ErrorInfo(String type, String code, String message, Duration retryDelay) {
    }

    static ErrorInfo parseErrorBody(String body) {
        if (body == null || body.isBlank()) {
            return new ErrorInfo(null, null, null, null);
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            return errorInfo(root);
        } catch (Exception e) {
            return new ErrorInfo(null, null, null, null);
        }
    }

    static ErrorInfo errorInfo(JsonNode root) {
        if (root == null) {
            return new ErrorInfo(null, null, null, null);
        }
        if (root.isArray() && root.size() > 0) {
            root = root.get(0); // Gemini sometimes wraps errors in an array
        }
        JsonNode err = root.get("error");
        if (err == null || err.isNull()) {
            return new ErrorInfo(null, null, Json.text(root, "message"), null);
        }
        if (err.isTextual()) { // {"error": "model not found"} (Ollama and other local servers)
            return new ErrorInfo(null, null, err.asText(), null);
        }
        String type = Json.text(err, "type");
        if (type == null) {
            type = Json.text(err, "status"); // Gemini: RESOURCE_EXHAUSTED, ...
        }
        String code = Json.text(err, "code");
        String message = Json.text(err, "message");
        JsonNode meta = err.get("metadata");
        if (meta != null && meta.has("provider_name") && message != null) {
            message = message + " (upstream " + meta.get("provider_name").asText() + ")";
        }
        return new ErrorInfo(type, code, message, googleRetryDelay(err.get("details")));
    }

    /** Gemini 429s carry {@code google.rpc.RetryInfo} with {@code retryDelay: "37s"}. */
    private static Duration googleRetryDelay(JsonNode details) {
        if (details == null || !details.isArray()) {
            return null;
        }
        for (JsonNode d : details) {
            String t = Json.text(d, "@type");
            String delay = Json.text(d, "retryDelay");
            if (t != null && t.endsWith("google.rpc.RetryInfo") && delay != null && delay.endsWith("s")) {
                try {
                    double secs = Double.parseDouble(delay.substring(0, delay.length() - 1));
                    return Duration.ofMillis((long) Math.ceil(secs * 1000));
                } catch (NumberFormatException ignored) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The HTTP status an in-band error corresponds to, or -1 when unknown. */
    static int equivalentStatus(ErrorInfo info) {
        if (info.code() != null) {
            try {
                int c = Integer.parseInt(info.code().trim());
                if (c >= 100 && c < 600) {
                    return c;
                }
            } catch (NumberFormatException ignored) {
                // not numeric
            }
        }
        if (info.type() == null) {
            return -1;
        }
        return switch (info.type()) {
            case "invalid_request_error", "INVALID_ARGUMENT", "FAILED_PRECONDITION" -> 400;
            case "authentication_error", "UNAUTHENTICATED" -> 401;
            case "billing_error" -> 402;
            case "permission_error", "PERMISSION_DENIED" -> 403;
            case "not_found_error", "NOT_FOUND" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error", "RESOURCE_EXHAUSTED" -> 429;
            case "api_error", "INTERNAL", "server_error" -> 500;
            case "UNAVAILABLE" -> 503;
            case "timeout_error", "DEADLINE_EXCEEDED" -> 504;
            case "overloaded_error" -> 529;
            default -> -1;
        };
    }

    /**
     * The delay a response asks for: {@code retry-after-ms} (milliseconds), else {@code Retry-After}
     * as seconds or an HTTP date. Null when absent or unparseable; never negative.
     */
    public static Duration retryAfter(Headers headers, Instant now) {
        String ms = headers.get("retry-after-ms");
        if (ms != null) {
            try {
                double v = Double.parseDouble(ms.trim());
                if (v >= 0 && !Double.isNaN(v) && !Double.isInfinite(v)) {
                    return Duration.ofMillis((long) Math.ceil(v));
                }
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        String ra = headers.get("retry-after");
        if (ra == null || ra.isBlank()) {
            return null;
        }
        ra = ra.trim();
        try {
            double secs = Double.parseDouble(ra);
            return secs < 0 || Double.isNaN(secs) || Double.isInfinite(secs) ? null
                    : Duration.ofMillis((long) Math.ceil(secs * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(ra, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    static String snippet(String body) {
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= SNIPPET ? oneLine : oneLine.substring(0, SNIPPET) + "…";
    }
}
