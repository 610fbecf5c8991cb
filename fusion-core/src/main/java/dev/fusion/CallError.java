package dev.fusion;

import dev.fusion.model.ProviderException;

import java.util.concurrent.TimeoutException;

/**
 * Why a call did not answer. Immutable. Never contains an API key: its type and message pass through
 * {@link Redactor} when constructed.
 *
 * @param type      a short machine-readable kind: {@code http_429}, {@code connection_error},
 *                  {@code malformed_response}, {@code redirect}, {@code configuration_error} (a class path conflict), {@code response_too_large}, {@code timeout}, {@code cancelled}, {@code budget}, …
 * @param message   a human-readable cause
 * @param status    HTTP status, or -1
 * @param retryable whether the failure was of a retryable kind
 */
public record CallError(String type, String message, int status, boolean retryable) {

    /** Redaction by construction: no registered key (nor an 8-character run of one) survives. */
    public CallError {
        type = Redactor.redact(type);
        message = Redactor.redact(message);
    }

    /** Describes a throwable as a call error. */
    public static CallError of(Throwable t) {
        if (t instanceof ProviderException p) {
            String type = p.kind() == ProviderException.Kind.CONFIGURATION ? ProviderException.CONFIGURATION_ERROR
                    : p.kind() == ProviderException.Kind.REDIRECT ? "redirect"
                    : p.kind() == ProviderException.Kind.RESPONSE_TOO_LARGE ? "response_too_large"
                    : p.status() > 0 ? "http_" + p.status() : p.errorType() != null ? p.errorType()
                    : p.kind().name().toLowerCase(java.util.Locale.ROOT);
            return new CallError(type, p.getMessage(), p.status(), p.retryable());
        }
        ProviderException linkage = ProviderException.linkage(t);
        if (linkage != null) {
            return new CallError(ProviderException.CONFIGURATION_ERROR, linkage.getMessage(), -1, false);
        }
        if (t instanceof TimeoutException) {
            return new CallError("timeout", t.getMessage() == null ? "timed out" : t.getMessage(), -1, false);
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return new CallError("error", msg, -1, false);
    }

    public static CallError of(String type, String message) {
        return new CallError(type, message, -1, false);
    }

    @Override
    public String toString() {
        return type + ": " + message;
    }
}
