package dev.fusion.providers.config;

import dev.fusion.InvalidConfigurationException;

/**
 * A configuration value that is missing, of the wrong type or impossible, with the key path it
 * belongs to ({@code providerLimits.openrouter.maxConcurrent}) and, when it was read from a file or
 * text, the line and column where it was written. The message reads
 * {@code config key 'quorum' must be at least 1, was 0 (line 7, column 9)}.
 *
 * <p>Immutable and thread-safe, like every exception of this library.
 */
public final class ConfigKeyException extends InvalidConfigurationException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;
    private final int line;
    private final int column;

    private ConfigKeyException(String key, String problem, String message, int line, int column, Throwable cause) {
        super(message + (line > 0 ? " (line " + line + ", column " + column + ")" : ""), cause);
        this.key = key;
        this.problem = problem;
        this.line = line;
        this.column = column;
    }

    /** {@code config key '<key>' <problem>}, e.g. {@code bad("quorum", "must be at least 1, was 0")}. */
    static ConfigKeyException bad(String key, String problem) {
        return bad(key, problem, null);
    }

    /** As {@link #bad(String, String)}, caused by {@code cause} (may be null). */
    static ConfigKeyException bad(String key, String problem, Throwable cause) {
        return new ConfigKeyException(key, problem, "config key '" + key + "' " + problem, 0, 0, cause);
    }

    /** A message of its own form ({@code providers.local: <message of the provider spec>}) for {@code key}. */
    static ConfigKeyException of(String key, String message, Throwable cause) {
        return new ConfigKeyException(key, message, key + ": " + message, 0, 0, cause);
    }

    /** A message of its own wording ({@code unknown config key 'x'; ...}) for {@code key}, with the problem alone. */
    static ConfigKeyException worded(String key, String problem, String message, Throwable cause) {
        return new ConfigKeyException(key, problem, message, 0, 0, cause);
    }

    /** This problem at a place in the text (1-based line and column). */
    ConfigKeyException at(int line, int column) {
        String base = getMessage();
        if (this.line > 0) {
            base = base.substring(0, base.lastIndexOf(" (line "));
        }
        return new ConfigKeyException(key, problem, base, line, column, getCause() == null ? this : getCause());
    }

    /** The key path, dot-separated from the top level: {@code quorum}, {@code prices.local:cheap-a.input}. */
    public String key() {
        return key;
    }

    /** What is wrong, without the key: {@code must be at least 1, was 0}. */
    public String problem() {
        return problem;
    }

    /** The 1-based line where the key's value was written, or 0 when it did not come from text. */
    public int line() {
        return line;
    }

    /** The 1-based column where the key's value was written, or 0 when it did not come from text. */
    public int column() {
        return column;
    }
}
