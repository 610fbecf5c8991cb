package dev.fusion.langchain4j.internal;

import java.util.regex.Pattern;

/**
 * Makes a third-party error message safe to keep: bounded in length, and anything shaped like a
 * credential (an {@code sk-…} key, a masked key, a long opaque token) replaced. A framework's
 * exception message may quote the provider's error body, which for a bad key quotes part of the key.
 */
public final class Redaction {

    static final int MAX_CHARS = 300;
    private static final Pattern SECRET = Pattern.compile(
            "(?i)(sk-[A-Za-z0-9_*.\\-]*|key[-_]?[A-Za-z0-9_*.\\-]{6,}|Bearer\\s+\\S+|[A-Za-z0-9_\\-]*\\*{3,}[A-Za-z0-9_\\-]*|[A-Za-z0-9_\\-]{32,})");

    private Redaction() {
    }

    /** The message with credential-shaped words replaced by {@code [redacted]}, at most 300 characters. */
    public static String safe(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String s = message.length() > 4 * MAX_CHARS ? message.substring(0, 4 * MAX_CHARS) : message;
        s = SECRET.matcher(s).replaceAll("[redacted]").replaceAll("\\s+", " ").trim();
        return s.length() > MAX_CHARS ? s.substring(0, MAX_CHARS) + "…" : s;
    }
}
