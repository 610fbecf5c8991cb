package dev.fusion;

/** Base of every exception Fusion throws on purpose. */
public class FusionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FusionException(String message) {
        super(message);
    }

    public FusionException(String message, Throwable cause) {
        super(message, cause);
    }
}
