package dev.fusion.providers.internal;

import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;

import java.util.function.Consumer;

/**
 * Reads one provider's SSE events for one streamed call. Created per call and used by one thread at
 * a time (OkHttp delivers a stream's events serially), so implementations need no locking.
 */
public interface StreamDecoder {

    /**
     * Handles one event, passing each piece of visible text to {@code text} as soon as it is read.
     *
     * @return true when this was the terminal event (the stream is complete)
     * @throws ProviderException for an in-band error event or an unreadable event
     */
    boolean onEvent(String type, String data, Consumer<String> text);

    /**
     * Handles one event as {@link #onEvent(String, String, Consumer)} does, also passing each piece of a
     * tool call to {@code toolCalls}. The default ignores tool calls.
     */
    default boolean onEvent(String type, String data, Consumer<String> text,
                            Consumer<dev.fusion.model.ModelStreamEvent.ToolCallDelta> toolCalls) {
        return onEvent(type, data, text);
    }

    /**
     * Whether a stream that ended at connection close, without a terminal event, is nonetheless
     * complete (Gemini: the last chunk carried a finish reason).
     */
    default boolean completeAtClose() {
        return false;
    }

    /** The final response, once complete, for the concatenated text. */
    ModelResponse response(String text);
}
