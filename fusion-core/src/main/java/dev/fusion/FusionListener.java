package dev.fusion;

import dev.fusion.model.ModelRef;

import java.time.Duration;

/**
 * Observes every call Fusion makes, for metrics and tracing. Attribute names of
 * {@link CallRecord#attributes()} follow the OpenTelemetry GenAI conventions, plus namespaced
 * {@code fusion.*} cost attributes.
 *
 * <p>Implementations must be thread-safe and fast: methods are called on the threads that complete
 * the calls. An exception thrown by a listener is logged and ignored.
 */
public interface FusionListener {

    /** A call started (after any provider-limit queueing). */
    default void onCallStarted(String memberId, ModelRef model, CallRole role) {
    }

    /** The first text of a streamed call arrived. */
    default void onFirstToken(String memberId, ModelRef model, CallRole role, Duration timeToFirstToken) {
    }

    /** A call ended, in any status (skipped ones included). */
    default void onCallFinished(CallRecord record) {
    }
}
