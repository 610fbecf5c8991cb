package dev.fusion.sandbox;

import dev.fusion.cost.Usage;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the server does with one request: the answer text, how fast it comes, the usage it
 * reports, and optionally a {@link Fault}. Immutable; every {@code with…} method returns a copy.
 *
 * <h2>Timing</h2>
 * The first byte of the response is sent after {@link #firstByteDelay()} (and, when set, after the
 * {@link #firstByteAfter(CompletionStage) signal} it waits for). A streamed answer is
 * split into chunks of {@link #wordsPerChunk()} words with {@link #chunkDelay()} between chunks; a
 * non-streamed answer arrives when the equivalent stream would have finished
 * ({@code firstByteDelay + chunks × chunkDelay}). Delays are timers, never sleeping threads.
 *
 * <h2>Usage</h2>
 * Unless {@link #usage(Usage)} fixes it, usage follows one deterministic rule: a text has
 * {@code max(1, ceil(codePoints / 4))} tokens; input = tokens of the request's
 * {@link WireRequest#promptText() prompt text}, of which {@link #cachedTokens(long)} are reported as
 * cache reads and {@link #cacheWriteTokens(long)} as cache writes; output = tokens of the answer;
 * plus {@link #reasoningTokens(long)}. When the request sets a max-tokens limit, the reasoning is
 * capped at half of it and the answer is cut to fit the rest (finish reason "length" /
 * "max_tokens" / "MAX_TOKENS"), so generated tokens never exceed the limit.
 */
public final class Reply {

    private static final int DEFAULT_WORDS_PER_CHUNK = 3;

    private final String text;
    private final Duration firstByteDelay;
    private final Duration chunkDelay;
    private final int wordsPerChunk;
    private final Usage usage;
    private final long cachedTokens;
    private final long cacheWriteTokens;
    private final long reasoningTokens;
    private final Fault fault;
    private final CompletionStage<?> firstByteAfter;
    private final java.util.List<ToolCall> toolCalls;

    /**
     * A tool call the reply makes (rendered as the format's tool call: OpenAI {@code tool_calls}, Anthropic
     * {@code tool_use}, Gemini {@code functionCall}).
     *
     * @param name          the tool's name
     * @param argumentsJson the arguments, a JSON object as text
     */
    public record ToolCall(String name, String argumentsJson) {
        public ToolCall {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(argumentsJson, "argumentsJson");
        }
    }

    private Reply(String text, Duration firstByteDelay, Duration chunkDelay, int wordsPerChunk, Usage usage,
                  long cachedTokens, long cacheWriteTokens, long reasoningTokens, Fault fault,
                  CompletionStage<?> firstByteAfter, java.util.List<ToolCall> toolCalls) {
        this.toolCalls = java.util.List.copyOf(toolCalls);
        this.text = Objects.requireNonNull(text, "text");
        this.firstByteDelay = requireNonNegative(firstByteDelay, "firstByteDelay");
        this.chunkDelay = requireNonNegative(chunkDelay, "chunkDelay");
        if (wordsPerChunk < 1) {
            throw new IllegalArgumentException("wordsPerChunk must be at least 1, got " + wordsPerChunk);
        }
        if (cachedTokens < 0 || cacheWriteTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative");
        }
        this.wordsPerChunk = wordsPerChunk;
        this.usage = usage;
        this.cachedTokens = cachedTokens;
        this.cacheWriteTokens = cacheWriteTokens;
        this.reasoningTokens = reasoningTokens;
        this.fault = fault;
        this.firstByteAfter = firstByteAfter;
    }

    private static Duration requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " cannot be negative: " + d);
        }
        return d;
    }

    /** An immediate answer with this text. */
    public static Reply text(String text) {
        return new Reply(text, Duration.ZERO, Duration.ZERO, DEFAULT_WORDS_PER_CHUNK, null, 0, 0, 0, null, null, java.util.List.of());
    }

    /** An immediate answer that calls these tools (with {@code text} before the calls; may be empty). */
    public static Reply toolCalls(String text, java.util.List<ToolCall> calls) {
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("a tool-call reply needs at least one call");
        }
        return new Reply(text, Duration.ZERO, Duration.ZERO, DEFAULT_WORDS_PER_CHUNK, null, 0, 0, 0, null, null, calls);
    }

    /** The tool calls of this reply (empty for a text answer). */
    public java.util.List<ToolCall> toolCalls() {
        return toolCalls;
    }

    /** A reply that is only this fault (no text). */
    public static Reply fault(Fault fault) {
        return text("").withFault(fault);
    }

    /** The same reply with another text. */
    public Reply withText(String text) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, usage, cachedTokens, cacheWriteTokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /** Delay before the first byte of the response (headers included). */
    public Reply firstByteDelay(Duration delay) {
        return new Reply(text, delay, chunkDelay, wordsPerChunk, usage, cachedTokens, cacheWriteTokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /**
     * Holds the response until {@code signal} completes (normally or exceptionally), then waits
     * {@link #firstByteDelay()} as usual. For tests that need a reply to stay in flight until an event
     * (say, until every one of N concurrent requests has arrived) instead of for a guessed time that a
     * loaded machine can outrun. The signal is awaited without blocking a thread.
     */
    public Reply firstByteAfter(CompletionStage<?> signal) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, usage, cachedTokens, cacheWriteTokens,
                reasoningTokens, fault, Objects.requireNonNull(signal, "signal"), toolCalls);
    }

    /** Shorthand for {@link #firstByteDelay(Duration)} in milliseconds. */
    public Reply latencyMillis(long millis) {
        return firstByteDelay(Duration.ofMillis(millis));
    }

    /** Delay between stream chunks (also added per chunk to a non-streamed reply). */
    public Reply chunkDelay(Duration delay) {
        return new Reply(text, firstByteDelay, delay, wordsPerChunk, usage, cachedTokens, cacheWriteTokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /** How many words each stream chunk carries (default 3). */
    public Reply wordsPerChunk(int words) {
        return new Reply(text, firstByteDelay, chunkDelay, words, usage, cachedTokens, cacheWriteTokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /**
     * Report exactly this usage instead of the computed one (no max-tokens clipping). Buckets a
     * format cannot express are folded the way the provider would: Anthropic reports reasoning
     * inside {@code output_tokens}; Gemini has no cache-write count, so writes are plain input.
     */
    public Reply usage(Usage usage) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, Objects.requireNonNull(usage, "usage"),
                cachedTokens, cacheWriteTokens, reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /** Report this many prompt tokens as read from the prompt cache (capped at the prompt size). */
    public Reply cachedTokens(long tokens) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, usage, tokens, cacheWriteTokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /** Report this many prompt tokens as written to the prompt cache (capped at what is left of the prompt). */
    public Reply cacheWriteTokens(long tokens) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, usage, cachedTokens, tokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    /** Report this many reasoning ("thinking") tokens besides the visible answer. */
    public Reply reasoningTokens(long tokens) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, usage, cachedTokens, cacheWriteTokens,
                tokens, fault, firstByteAfter, toolCalls);
    }

    /** The same reply, going wrong in this way (null removes the fault). */
    public Reply withFault(Fault fault) {
        return new Reply(text, firstByteDelay, chunkDelay, wordsPerChunk, usage, cachedTokens, cacheWriteTokens,
                reasoningTokens, fault, firstByteAfter, toolCalls);
    }

    public String text() { return text; }

    public Duration firstByteDelay() { return firstByteDelay; }

    public Duration chunkDelay() { return chunkDelay; }

    public int wordsPerChunk() { return wordsPerChunk; }

    /** The fixed usage, when one was set. */
    public Optional<Usage> fixedUsage() { return Optional.ofNullable(usage); }

    public long cachedTokens() { return cachedTokens; }

    public long cacheWriteTokens() { return cacheWriteTokens; }

    public long reasoningTokens() { return reasoningTokens; }

    public Optional<Fault> fault() { return Optional.ofNullable(fault); }

    /** The event the first byte waits for, when one was set with {@link #firstByteAfter(CompletionStage)}. */
    public Optional<CompletionStage<?>> firstByteSignal() { return Optional.ofNullable(firstByteAfter); }

    @Override
    public String toString() {
        return "Reply[" + (fault != null ? fault + ", " : "") + text.length() + " chars, first byte "
                + firstByteDelay.toMillis() + " ms" + (firstByteAfter != null ? " after a signal" : "")
                + ", chunk " + chunkDelay.toMillis() + " ms]";
    }
}
