package dev.fusion.providers.internal;

/**
 * The bound a request's response body is read under, carried to {@link LimitInterceptor} as a
 * request tag. Immutable.
 *
 * @param maxBytes    the most bytes (after decompression) of the whole body, or of one event
 * @param eventStream whether the body is a server-sent event stream: the bound then applies to each
 *                    event (the bytes between two blank lines), not to the whole body
 */
public record BodyLimit(long maxBytes, boolean eventStream) {
}
