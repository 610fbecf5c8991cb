package dev.fusion.model;

import java.util.Objects;

/**
 * One event of a streamed model answer: zero or more {@link TextDelta}s, then exactly one
 * {@link Completed} carrying the full response with its final usage. A stream that ends without
 * {@code Completed} is a failure.
 */
public sealed interface ModelStreamEvent {

    /** A piece of visible answer text, in order. */
    record TextDelta(String text) implements ModelStreamEvent {
        public TextDelta {
            Objects.requireNonNull(text, "text");
        }
    }

    /** The terminal event: the full response, its text equal to the concatenated deltas. */
    record Completed(ModelResponse response) implements ModelStreamEvent {
        public Completed {
            Objects.requireNonNull(response, "response");
        }
    }
}
