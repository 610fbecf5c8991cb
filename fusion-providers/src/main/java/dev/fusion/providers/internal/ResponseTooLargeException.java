package dev.fusion.providers.internal;

import java.io.IOException;

/**
 * Thrown while reading a response that crossed one of its {@link BodyLimit}s. An {@link IOException}
 * so that it travels through OkHttp and okhttp-sse like any broken read, and is then mapped by
 * {@link Failures#tooLarge} to the typed, non-retryable {@code response_too_large} failure.
 */
public final class ResponseTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long limit;

    public ResponseTooLargeException(String what, long limit) {
        super(what + " exceeds the limit of " + limit + " bytes");
        this.limit = limit;
    }

    /** The bound that was crossed, in bytes. */
    public long limit() {
        return limit;
    }
}
