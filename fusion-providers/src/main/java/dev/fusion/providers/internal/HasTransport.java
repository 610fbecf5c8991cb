package dev.fusion.providers.internal;

/**
 * Implemented by the provider models built on {@link HttpTransport}, so Fusion's batch client can
 * reuse a model's wire format (request encoder, answer decoder, headers, bounded reads). Internal:
 * not part of the public API, may change without notice.
 */
public interface HasTransport {

    /** The model's transport. */
    HttpTransport transport();
}
