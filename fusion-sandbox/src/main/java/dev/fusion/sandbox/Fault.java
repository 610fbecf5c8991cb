package dev.fusion.sandbox;

import java.util.Objects;
import java.util.Optional;

/**
 * A way for a call to go wrong. A fault is attached to a {@link Reply}; the server renders it in
 * the format of the endpoint that was hit (an OpenAI error object on the OpenAI endpoint, an
 * Anthropic error on {@code /v1/messages}, a Google error on the Gemini endpoint). Faults that cut
 * a response short ({@link #resetMidBody()}, {@link #truncatedBody()}, {@link #midStreamError()},
 * {@link #streamWithoutTerminal()}, {@link #stallMidBody()}) first send part of the reply's text, so
 * the client has really started reading. Immutable.
 *
 * <table>
 *   <caption>What each fault sends</caption>
 *   <tr><th>fault</th><th>non-streaming request</th><th>streaming request</th></tr>
 *   <tr><td>{@link #http(int)}</td><td colspan="2">that status with the provider's error body (and Retry-After when given)</td></tr>
 *   <tr><td>{@link #hang()}</td><td colspan="2">nothing at all, until the client gives up or the server closes</td></tr>
 *   <tr><td>{@link #resetMidBody()}</td><td>headers and half the JSON, then a TCP reset</td><td>half the events, then a TCP reset</td></tr>
 *   <tr><td>{@link #truncatedBody()}</td><td>200, half the JSON, Content-Length matching the half: a clean end, a malformed body</td>
 *       <td>half the events and half of the next one, then a clean end</td></tr>
 *   <tr><td>{@link #emptyOk()}</td><td colspan="2">200 with the right content type and an empty body</td></tr>
 *   <tr><td>{@link #wrongContentType()}</td><td colspan="2">200 {@code text/html} (a proxy's error page)</td></tr>
 *   <tr><td>{@link #streamWithoutTerminal()}</td><td>same as {@link #truncatedBody()}</td>
 *       <td>every text event, then a clean end without the finish/usage/terminal events
 *       ({@code [DONE]}, {@code message_stop}, the {@code finishReason} chunk)</td></tr>
 *   <tr><td>{@link #midStreamError()}</td><td>200 whose body is the provider's error object</td>
 *       <td>half the events, then an error event under HTTP 200: OpenAI/OpenRouter a chunk with a top-level
 *       {@code error} and {@code finish_reason: "error"}; Anthropic {@code event: error} with
 *       {@code overloaded_error}; Gemini a {@code data:} event carrying a Google error object</td></tr>
 *   <tr><td>{@link #stallMidBody()}</td><td colspan="2">half the body/events, then silence (an idle-read timeout test)</td></tr>
 * </table>
 */
public final class Fault {

    /** The kinds of fault. */
    public enum Kind {
        /** An HTTP error status with the provider's error body. */
        HTTP_ERROR,
        /** Never respond. */
        HANG,
        /** Part of the body, then a TCP reset (RST). */
        RESET_MID_BODY,
        /** A body cut short with a clean end of the HTTP message. */
        TRUNCATED_BODY,
        /** 200 with an empty body. */
        EMPTY_OK,
        /** 200 with {@code text/html}. */
        WRONG_CONTENT_TYPE,
        /** A stream that ends cleanly without its terminal event. */
        STREAM_WITHOUT_TERMINAL,
        /** An error delivered in-band under HTTP 200. */
        MID_STREAM_ERROR,
        /** Part of the body, then silence. */
        STALL_MID_BODY
    }

    private final Kind kind;
    private final int status;
    private final String message;
    private final RetryAfter retryAfter;

    private Fault(Kind kind, int status, String message, RetryAfter retryAfter) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.status = status;
        this.message = message;
        this.retryAfter = retryAfter;
    }

    /**
     * An HTTP error with the provider's standard message for that status, for example 400, 401,
     * 403, 404, 429, 500, 503 or 529 (Anthropic's "overloaded"; sent as-is on every endpoint).
     */
    public static Fault http(int status) {
        return http(status, null);
    }

    /** An HTTP error with a custom message (null → the standard message for the status). */
    public static Fault http(int status, String message) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an HTTP error fault needs a 4xx or 5xx status, got " + status);
        }
        return new Fault(Kind.HTTP_ERROR, status, message, null);
    }

    /** 429 with the given Retry-After form. */
    public static Fault rateLimited(RetryAfter retryAfter) {
        return new Fault(Kind.HTTP_ERROR, 429, null, Objects.requireNonNull(retryAfter, "retryAfter"));
    }

    /** 529 overloaded (Anthropic's status for an overloaded API). */
    public static Fault overloaded() {
        return http(529);
    }

    /** Accept the request and never answer, until the client gives up or the server closes. */
    public static Fault hang() {
        return new Fault(Kind.HANG, 0, null, null);
    }

    /** Send part of the body, then reset the TCP connection. */
    public static Fault resetMidBody() {
        return new Fault(Kind.RESET_MID_BODY, 200, null, null);
    }

    /** Send a body cut in the middle of its JSON, ending the HTTP message cleanly. */
    public static Fault truncatedBody() {
        return new Fault(Kind.TRUNCATED_BODY, 200, null, null);
    }

    /** 200 with an empty body. */
    public static Fault emptyOk() {
        return new Fault(Kind.EMPTY_OK, 200, null, null);
    }

    /** 200 with {@code text/html} instead of JSON or an event stream. */
    public static Fault wrongContentType() {
        return new Fault(Kind.WRONG_CONTENT_TYPE, 200, null, null);
    }

    /** A stream that ends cleanly without its finish, usage and terminal events. */
    public static Fault streamWithoutTerminal() {
        return new Fault(Kind.STREAM_WITHOUT_TERMINAL, 200, null, null);
    }

    /**
     * An error delivered in-band under HTTP 200: on a stream, after half the text (OpenRouter's
     * error chunk with {@code finish_reason: "error"}, Anthropic's {@code event: error}, a Gemini
     * error event); without streaming, a 200 whose body is the provider's error object.
     */
    public static Fault midStreamError() {
        return midStreamError(null);
    }

    /** {@link #midStreamError()} with a custom message. */
    public static Fault midStreamError(String message) {
        return new Fault(Kind.MID_STREAM_ERROR, 200, message, null);
    }

    /** Send part of the body, then go silent without closing. */
    public static Fault stallMidBody() {
        return new Fault(Kind.STALL_MID_BODY, 200, null, null);
    }

    /** The same fault with a Retry-After header (meaningful on HTTP errors such as 429, 503, 529). */
    public Fault withRetryAfter(RetryAfter retryAfter) {
        if (kind != Kind.HTTP_ERROR) {
            throw new IllegalStateException("Retry-After only applies to HTTP error faults, not " + kind);
        }
        return new Fault(kind, status, message, Objects.requireNonNull(retryAfter, "retryAfter"));
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status sent (200 for faults delivered under a success status, 0 for {@link #hang()}). */
    public int status() {
        return status;
    }

    /** The custom message, if one was given. */
    public Optional<String> message() {
        return Optional.ofNullable(message);
    }

    public Optional<RetryAfter> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public String toString() {
        return kind == Kind.HTTP_ERROR
                ? "HTTP " + status + (retryAfter != null ? " with " + retryAfter : "")
                : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
