package dev.fusion;

/**
 * Base of every exception Fusion throws on purpose. Its message and its causes' messages pass
 * through {@link Redactor} when constructed, so no registered API key leaves through one.
 */
public class FusionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FusionException(String message) {
        super(Redactor.redact(message));
    }

    public FusionException(String message, Throwable cause) {
        super(Redactor.redact(message), Redactor.scrub(cause));
    }
}
