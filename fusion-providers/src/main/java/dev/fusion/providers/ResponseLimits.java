package dev.fusion.providers;

import dev.fusion.InvalidConfigurationException;

/**
 * Bounds on what a provider call reads from the network, so that no server (hostile, broken or
 * misconfigured) can exhaust memory. Crossing a bound aborts the call (its connection is closed)
 * and fails it with the non-retryable error type {@code response_too_large}.
 *
 * <ul>
 *   <li>{@code maxBodyBytes}: a non-streamed answer, counted <em>after</em> decompression (a small
 *       gzip body that inflates past it is aborted as it inflates). Default {@value #DEFAULT_MAX_BODY_BYTES} (8 MiB).</li>
 *   <li>{@code maxEventBytes}: one server-sent event of a streamed answer (its lines together; one
 *       endless line is caught by it as well). Default {@value #DEFAULT_MAX_EVENT_BYTES} (1 MiB).</li>
 *   <li>{@code maxStreamTextChars}: the answer text a stream accumulates. Default
 *       {@value #DEFAULT_MAX_STREAM_TEXT_CHARS} characters (4 Mi, far beyond any model's output limit).</li>
 * </ul>
 * Error bodies are read at most 64 KiB regardless. A stream that sends events forever without text
 * holds no memory and is ended by the call's deadline.
 *
 * <p>What one call can make the library hold, whatever the server sends: a non-streamed answer,
 * {@code maxBodyBytes} and its parsed tree (at most a million JSON tokens); a streamed answer, one
 * event ({@code maxEventBytes}) and the text so far, {@code maxStreamTextChars} characters, kept by the
 * provider and by the engine's call record (with the defaults, about 8 MiB each as UTF-16, 4 MiB for
 * Latin-1 text). Counting the tokens of a cut-off stream for its estimated cost reads at most the
 * first 64 Ki characters and extrapolates, so it adds a few MiB at most.
 *
 * <p>Set with {@link Providers.Builder#responseLimits}. Immutable and thread-safe.
 *
 * @param maxBodyBytes       the most bytes of a non-streamed answer, after decompression (at least 1024)
 * @param maxEventBytes      the most bytes of one server-sent event (at least 1024)
 * @param maxStreamTextChars the most characters of text one streamed answer accumulates (at least 1024)
 */
public record ResponseLimits(long maxBodyBytes, long maxEventBytes, long maxStreamTextChars) {

    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
    public static final long DEFAULT_MAX_EVENT_BYTES = 1024L * 1024;
    public static final long DEFAULT_MAX_STREAM_TEXT_CHARS = 4L * 1024 * 1024;
    private static final long FLOOR = 1024;

    private static final ResponseLimits DEFAULTS = new ResponseLimits(DEFAULT_MAX_BODY_BYTES,
            DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_STREAM_TEXT_CHARS);

    public ResponseLimits {
        check("maxBodyBytes", maxBodyBytes);
        check("maxEventBytes", maxEventBytes);
        check("maxStreamTextChars", maxStreamTextChars);
    }

    private static void check(String name, long value) {
        if (value < FLOOR) {
            throw new InvalidConfigurationException("response limit " + name + " must be at least " + FLOOR
                    + ", was " + value);
        }
    }

    /** The defaults: 8 MiB body, 1 MiB event, 4 Mi characters of streamed text. */
    public static ResponseLimits defaults() {
        return DEFAULTS;
    }

    public ResponseLimits withMaxBodyBytes(long bytes) {
        return new ResponseLimits(bytes, maxEventBytes, maxStreamTextChars);
    }

    public ResponseLimits withMaxEventBytes(long bytes) {
        return new ResponseLimits(maxBodyBytes, bytes, maxStreamTextChars);
    }

    public ResponseLimits withMaxStreamTextChars(long chars) {
        return new ResponseLimits(maxBodyBytes, maxEventBytes, chars);
    }
}
