package dev.fusion.providers.internal;

import dev.fusion.Redactor;

import java.util.Locale;
import java.util.Objects;

/**
 * An API key that does not leak: {@link #toString()} is a fixed mask, every key is registered with
 * the process-wide {@link Redactor} the moment it is resolved (so no text that leaves Fusion can
 * carry it or any 8-character run of it), and {@link #redact} applies that redactor. Immutable and
 * thread-safe.
 */
public final class Secret {

    private static final Secret NONE = new Secret(null);

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** The key (surrounding ASCII whitespace trimmed), registered with the {@link Redactor}. */
    public static Secret of(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        Redactor.register(value);
        return new Secret(value.trim());
    }

    public static Secret none() {
        return NONE;
    }

    /**
     * What makes a key unusable in an HTTP header, described without showing the key (its position
     * and the offending character's code point only), or null when it is fine. Surrounding ASCII
     * whitespace does not count (it is trimmed); a control character (CR, LF, …) or any non-ASCII
     * character (such as a trailing U+00A0 no-break space from a copy-paste) does.
     */
    public static String headerProblem(String value) {
        if (value == null) {
            return null;
        }
        String key = value.trim();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return "it contains a control character (" + codePoint(c) + describe(c) + ") at position " + (i + 1)
                        + " of " + key.length() + "; remove line breaks and control characters";
            }
            if (c > 0x7E) {
                return "it contains a non-ASCII character (" + codePoint(c) + describe(c) + ") at position " + (i + 1)
                        + " of " + key.length() + "; API keys are plain ASCII, this is usually a copy-paste artifact";
            }
        }
        return null;
    }

    private static String codePoint(char c) {
        return String.format(Locale.ROOT, "U+%04X", (int) c);
    }

    private static String describe(char c) {
        return switch (c) {
            case '\r' -> " carriage return";
            case '\n' -> " line feed";
            case '\t' -> " tab";
            case '\u00A0' -> " no-break space";
            case '\u200B' -> " zero-width space";
            case '\uFEFF' -> " byte order mark";
            default -> "";
        };
    }

    public boolean isPresent() {
        return value != null;
    }

    /** The key itself, for the one place that needs it: the request header. */
    public String reveal() {
        return Objects.requireNonNull(value, "no API key");
    }

    /** The text with every registered key, and every run of 8+ characters of one, masked. */
    public String redact(String text) {
        return Redactor.redact(text);
    }

    @Override
    public String toString() {
        return value == null ? "Secret[none]" : "Secret[***]";
    }
}
