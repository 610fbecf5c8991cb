package dev.fusion.shared;

import dev.fusion.FusionException;

/**
 * The shared store (named in the message, credentials never included) could not be reached and the
 * instance is configured with {@link OnUnavailable#REFUSE}: the ask (or call) was refused before
 * anything was spent.
 */
public class SharedStateUnavailableException extends FusionException {
    private static final long serialVersionUID = 1L;
    private final String store;

    public SharedStateUnavailableException(String store, String message, Throwable cause) {
        super("shared state " + store + " is unavailable: " + message
                + " (onUnavailable: refuse; the ask was refused before any call; use onUnavailable: local to"
                + " fall back to per-instance limits)", cause);
        this.store = store;
    }

    /** The store, e.g. {@code redis://127.0.0.1:6379/0 namespace team-a}, without credentials. */
    public String store() {
        return store;
    }
}
