package dev.fusion;

import dev.fusion.model.ModelRef;

import java.time.Duration;

/**
 * Observes every call Fusion makes, for metrics and tracing. Attribute names of
 * {@link CallRecord#attributes()} follow the OpenTelemetry GenAI conventions, plus namespaced
 * {@code fusion.*} cost attributes.
 *
 * <p>Implementations must be thread-safe and should be fast: methods are called on Fusion's threads
 * (those that complete the calls). The calls of one ask are made one at a time, in the order the
 * engine decided them, and never while the engine holds a lock: a slow listener holds up the thread
 * calling it and the ask's later events, not the ask's other calls (see {@link FusionEvent}). An
 * exception thrown by a listener is logged and ignored.
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
