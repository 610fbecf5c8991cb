package dev.fusion;

/**
 * Bad input or configuration, detected before any model is called. The message says what is wrong
 * and how to fix it.
 */
public class InvalidConfigurationException extends FusionException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigurationException(String message) {
        super(message);
    }

    public InvalidConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
