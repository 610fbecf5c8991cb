package dev.fusion.providers.internal;

/**
 * How configuration values that may hold a secret are printed (in {@code toString()} and messages): a base
 * URL as scheme, host, port and path only, and an {@code apiKeyEnv} only when it reads as a variable name.
 * Stateless and thread-safe.
 */
public final class Printable {
    private Printable() {
    }

    /**
     * Whether {@code name}, given as {@code apiKeyEnv}, reads as a variable or property name
     * ({@code OPENAI_API_KEY}, {@code lab.key}) rather than as a key pasted into the wrong field
     * ({@code sk-...}, or a long run of letters and digits with no separator).
     */
    public static boolean looksLikeAVariableName(String name) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_.]{0,127}")) {
            return false;
        }
        boolean separator = name.indexOf('_') >= 0 || name.indexOf('.') >= 0;
        return separator || name.length() < 20 || name.chars().noneMatch(Character::isDigit);
    }

    /** {@code apiKeyEnv} as it may be printed: its name, or a placeholder when it looks like a pasted key. */
    public static String keyEnv(String apiKeyEnv) {
        return looksLikeAVariableName(apiKeyEnv) ? apiKeyEnv
                : "<the name given to apiKeyEnv, not shown: it looks like a key, not a variable name>";
    }

    /** A base URL as it may be printed: scheme, host, port and path, never userinfo, a query or a fragment. */
    public static String url(String baseUrl) {
        okhttp3.HttpUrl u = baseUrl == null ? null : okhttp3.HttpUrl.parse(baseUrl);
        return u == null ? "<not an http(s) URL>" : u.scheme() + "://" + u.host() + ":" + u.port() + u.encodedPath();
    }
}
