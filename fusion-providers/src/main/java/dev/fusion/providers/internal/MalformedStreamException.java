package dev.fusion.providers.internal;

import java.io.IOException;

/**
 * Thrown while reading an event stream whose bytes are not valid UTF-8 (an event stream is UTF-8 by
 * definition). An {@link IOException} so that it travels through OkHttp and okhttp-sse like any
 * broken read, which would otherwise decode the bytes with replacement characters; it is then mapped
 * to a typed {@code malformed_response} failure, as invalid UTF-8 in a JSON body is.
 */
public final class MalformedStreamException extends IOException {

    private static final long serialVersionUID = 1L;

    public MalformedStreamException(String message) {
        super(message);
    }
}
