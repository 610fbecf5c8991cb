package dev.fusion.providers.internal;

import java.util.Objects;

/**
 * An API key that does not leak: {@link #toString()} is a fixed mask, and {@link #redact} removes
 * the key from any text (error bodies sometimes echo the key they rejected) before that text
 * reaches an exception message or a log line. Immutable and thread-safe.
 */
public final class Secret {

    private static final Secret NONE = new Secret(null);

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return value == null || value.isBlank() ? NONE : new Secret(value.trim());
    }

    public static Secret none() {
        return NONE;
    }

    public boolean isPresent() {
        return value != null;
    }

    /** The key itself, for the one place that needs it: the request header. */
    public String reveal() {
        return Objects.requireNonNull(value, "no API key");
    }

    /** The text with every occurrence of the key (and of its long prefixes/suffixes) masked. */
    public String redact(String text) {
        if (text == null || value == null) {
            return text;
        }
        String out = text.replace(value, "***");
        // Some providers echo a shortened key ("sk-abc...wxyz"); mask long fragments too.
        if (value.length() >= 16) {
            out = out.replace(value.substring(0, value.length() - 4), "***");
            out = out.replace(value.substring(4), "***");
        }
        return out;
    }

    @Override
    public String toString() {
        return value == null ? "Secret[none]" : "Secret[***]";
    }
}
