package dev.fusion.providers.internal;

/**
 * A field of a provider's answer that is present but unusable (a token count that is negative,
 * fractional, textual or beyond 2^53). The model maps it to a typed {@code malformed_response}
 * failure; the value itself is named in the message (it is a number the server sent, not a secret,
 * and the message is redacted like every other).
 */
public final class MalformedFieldException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MalformedFieldException(String message) {
        super(message);
    }
}
