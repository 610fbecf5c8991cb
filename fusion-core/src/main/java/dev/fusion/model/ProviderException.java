package dev.fusion.model;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed model call, typed so the retry layer and the ledger can act on it. Messages never
 * contain API keys: every text (message, error type and code, partial text, the causes' messages)
 * passes through {@link dev.fusion.Redactor} when the exception is constructed.
 *
 * <p>Immutable and thread-safe.
 */
public class ProviderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What kind of failure this was. */
    public enum Kind {
        /** The provider answered with an HTTP error status. */
        HTTP_STATUS,
        /** The connection failed or was reset before a complete answer arrived. */
        TRANSPORT,
        /** The body was empty, truncated, malformed or of the wrong content type. */
        MALFORMED_RESPONSE,
        /** The provider reported an error inside a successful (HTTP 200) response or stream. */
        IN_BAND_ERROR,
        /** The model answered but produced no visible text. */
        EMPTY_ANSWER,
        /**
         * The provider answered with a redirect (3xx), which is never followed: a key must not travel
         * to another origin. Not retryable; {@link #status()} is the 3xx status.
         */
        REDIRECT,
        /** The answer exceeded a configured size limit and was aborted. Not retryable. */
        RESPONSE_TOO_LARGE,
        /**
         * The model's code could not run because the class path is inconsistent: a
         * {@link LinkageError} ({@link NoSuchMethodError}, {@link NoClassDefFoundError}, …), typically two
         * incompatible versions of one library. Error type {@code configuration_error}; not retryable
         * (the same call fails the same way). The message names the missing class or method and, when
         * it can be found, the jar the class was loaded from. Never a connection error.
         */
        CONFIGURATION
    }

    /** The error type of {@link Kind#CONFIGURATION}. */
    public static final String CONFIGURATION_ERROR = "configuration_error";

    private final Kind kind;
    private final int status;
    private final String errorType;
    private final String errorCode;
    private final boolean retryable;
    private final transient Duration retryAfter;
    private final String partialText;
    private final dev.fusion.cost.Usage usage;

    public ProviderException(Kind kind, int status, String errorType, String errorCode, boolean retryable,
                             Duration retryAfter, String partialText, String message, Throwable cause) {
        this(kind, status, errorType, errorCode, retryable, retryAfter, partialText, null, message, cause);
    }

    /**
     * Full constructor.
     *
     * @param usage tokens the provider reported (and will bill) before failing, or null
     */
    public ProviderException(Kind kind, int status, String errorType, String errorCode, boolean retryable,
                             Duration retryAfter, String partialText, dev.fusion.cost.Usage usage, String message,
                             Throwable cause) {
        // Redaction by construction: whatever a server echoed (a key in an error's type, code or
        // message, a key cut by a snippet) never leaves through this exception or its causes.
        super(dev.fusion.Redactor.redact(message), dev.fusion.Redactor.scrub(cause));
        this.usage = usage;
        this.kind = kind;
        this.status = status;
        this.errorType = dev.fusion.Redactor.redact(errorType);
        this.errorCode = dev.fusion.Redactor.redact(errorCode);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
        this.partialText = dev.fusion.Redactor.redact(partialText);
    }

    /** HTTP error status, classified by the shared rule: 408, 409, 429 and 5xx are retryable. */
    public static ProviderException http(int status, String errorType, String errorCode, String message,
                                         Duration retryAfter) {
        return new ProviderException(Kind.HTTP_STATUS, status, errorType, errorCode, isRetryableStatus(status),
                retryAfter, null, "HTTP " + status + (errorType != null ? " " + errorType : "")
                + (message != null && !message.isBlank() ? ": " + message : ""), null);
    }

    /**
     * A connection failure: retryable. When the cause is, or carries (as a cause or a suppressed
     * exception), a {@link LinkageError} — an HTTP client reports an {@code Error} thrown in its
     * callback as an I/O failure — the result is a {@link Kind#CONFIGURATION} failure instead, as
     * {@link #linkage(Throwable)} describes it.
     */
    public static ProviderException transport(String message, Throwable cause) {
        ProviderException linkage = linkage(cause);
        if (linkage != null) {
            return linkage;
        }
        return new ProviderException(Kind.TRANSPORT, -1, "connection_error", null, true, null, null, message, cause);
    }

    /**
     * The {@link Kind#CONFIGURATION} failure for a {@link LinkageError} found in {@code failure}, its
     * causes or their suppressed exceptions (searched a few levels deep), or null when there is none.
     * The message names the error, the missing class or method and, when it can be found, the jar the
     * class involved was loaded from, e.g. {@code the class path is inconsistent: NoSuchMethodError:
     * 'java.util.List com.example.Schema.validate(...)' (com.example.Schema loaded from
     * file:/…/example-3.0.1.jar); two incompatible versions of a library are on the class path}.
     */
    public static ProviderException linkage(Throwable failure) {
        LinkageError error = findLinkageError(failure, 0);
        if (error == null) {
            return null;
        }
        return new ProviderException(Kind.CONFIGURATION, -1, CONFIGURATION_ERROR, null, false, null, null,
                LinkageDescription.of(error), error);
    }

    private static LinkageError findLinkageError(Throwable t, int depth) {
        if (t == null || depth > 6) {
            return null;
        }
        if (t instanceof LinkageError e) {
            return e;
        }
        for (Throwable s : t.getSuppressed()) {
            LinkageError e = findLinkageError(s, depth + 1);
            if (e != null) {
                return e;
            }
        }
        return t.getCause() == t ? null : findLinkageError(t.getCause(), depth + 1);
    }

    /** A malformed or truncated body: retryable once more is reasonable, the provider may have glitched. */
    public static ProviderException malformed(String message, Throwable cause) {
        return new ProviderException(Kind.MALFORMED_RESPONSE, -1, "malformed_response", null, true, null, null,
                message, cause);
    }

    /** A stream that ended early; the partial text is kept for the record. */
    public static ProviderException truncated(String message, String partialText) {
        return new ProviderException(Kind.MALFORMED_RESPONSE, -1, "truncated_stream", null, true, null,
                partialText, message, null);
    }

    /**
     * The typed failure for what a framework behind a model adapter threw (LangChain4j, Spring AI): the
     * message is {@code "<framework> <exception class>: <its message>"} with the message made safe by
     * {@link dev.fusion.Redactor#redactForeign}; no cause is kept (a framework's cause may carry request
     * headers). With an HTTP status it is {@link Kind#HTTP_STATUS} (retryable by the shared rule); else a
     * timeout or a connection failure is {@link Kind#TRANSPORT} ({@code timeout}, {@code connection_error},
     * retryable); anything else is {@link Kind#MALFORMED_RESPONSE} of type {@code otherErrorType}, not retryable.
     * A {@code ProviderException} is returned as it is.
     *
     * @param framework      the framework's name, for the message
     * @param thrown         what it threw
     * @param status         the HTTP status the adapter found in {@code thrown}, or -1
     * @param timeout        whether {@code thrown} is a timeout
     * @param transport      whether {@code thrown} is a connection failure
     * @param otherErrorType the error type of anything else, e.g. {@code langchain4j_error}
     */
    public static ProviderException fromFramework(String framework, Throwable thrown, int status, boolean timeout,
                                                  boolean transport, String otherErrorType) {
        if (thrown instanceof ProviderException p) {
            return p;
        }
        String what = framework + " " + thrown.getClass().getSimpleName();
        String detail = dev.fusion.Redactor.redactForeign(thrown.getMessage());
        String message = detail.isEmpty() ? what : what + ": " + detail;
        if (status > 0) {
            return new ProviderException(Kind.HTTP_STATUS, status, null, null, isRetryableStatus(status), null, null,
                    message, null);
        }
        if (timeout) {
            return new ProviderException(Kind.TRANSPORT, -1, "timeout", null, true, null, null, message, null);
        }
        return new ProviderException(transport ? Kind.TRANSPORT : Kind.MALFORMED_RESPONSE, -1,
                transport ? "connection_error" : otherErrorType, null, transport, null, null, message, null);
    }

    /** Whether {@code type} is {@code thrown} or one of its causes. */
    public static boolean hasCause(Throwable thrown, Class<? extends Throwable> type) {
        for (Throwable c = thrown; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an HTTP status can succeed on retry: 408, 409, 429 and every 5xx (529 included). */
    public static boolean isRetryableStatus(int status) {
        return status == 408 || status == 409 || status == 429 || status >= 500;
    }

    public Kind kind() { return kind; }

    /** The HTTP status, or -1 when there was none (transport failure, malformed body). */
    public int status() { return status; }

    /** The provider's error type ({@code rate_limit_error}, {@code overloaded_error}, …), or null. */
    public String errorType() { return errorType; }

    /** The provider's error code, or null. */
    public String errorCode() { return errorCode; }

    /** Whether retrying can succeed. */
    public boolean retryable() { return retryable; }

    /** The delay the provider asked for ({@code retry-after-ms} / {@code Retry-After}), if any. */
    public Optional<Duration> retryAfter() { return Optional.ofNullable(retryAfter); }

    /** Text received before the failure (streams), or null. */
    public String partialText() { return partialText; }

    /**
     * Tokens the provider reported before the call failed (an empty answer after billed reasoning, a
     * stream cut after its usage arrived), so the ledger keeps what was billed; empty when unknown.
     */
    public Optional<dev.fusion.cost.Usage> usage() { return Optional.ofNullable(usage); }

    /** A copy of this failure that carries the given partial text. */
    public ProviderException withPartialText(String text) {
        ProviderException copy = new ProviderException(kind, status, errorType, errorCode, retryable, retryAfter,
                text, usage, getMessage(), getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    /** A copy of this failure that carries the usage the provider reported before failing. */
    public ProviderException withUsage(dev.fusion.cost.Usage reported) {
        ProviderException copy = new ProviderException(kind, status, errorType, errorCode, retryable, retryAfter,
                partialText, reported, getMessage(), getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }
}
