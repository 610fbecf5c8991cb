package dev.fusion.model;

import java.util.Objects;

/**
 * One event of a streamed model answer: zero or more {@link TextDelta}s and {@link ToolCallDelta}s,
 * then exactly one {@link Completed} carrying the full response with its final usage and its whole
 * tool calls. A stream that ends without {@code Completed} is a failure.
 */
public sealed interface ModelStreamEvent {

    /** A piece of visible answer text, in order. */
    record TextDelta(String text) implements ModelStreamEvent {
        public TextDelta {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A piece of a tool call, in order: the first delta of a call carries its {@code id} and {@code name}
     * (when the provider sends them at once), later ones pieces of its arguments' JSON text. The pieces of
     * call {@code index} concatenated are its {@link ToolCall#argumentsJson()} (for Gemini, which sends
     * whole calls, one delta carries all of it).
     *
     * @param index          the call's position in the answer (0, 1, ... for parallel calls)
     * @param id             the call's id, or null when this delta does not carry it
     * @param name           the tool's name, or null when this delta does not carry it
     * @param argumentsDelta a piece of the arguments' JSON text (may be empty, never null)
     */
    record ToolCallDelta(int index, String id, String name, String argumentsDelta) implements ModelStreamEvent {
        public ToolCallDelta {
            if (index < 0) {
                throw new IllegalArgumentException("index must be >= 0, was " + index);
            }
            Objects.requireNonNull(argumentsDelta, "argumentsDelta");
        }
    }

    /** The terminal event: the full response, its text equal to the concatenated deltas. */
    record Completed(ModelResponse response) implements ModelStreamEvent {
        public Completed {
            Objects.requireNonNull(response, "response");
        }
    }
}
