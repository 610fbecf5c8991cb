package dev.fusion.micrometer.internal;

import dev.fusion.CallError;

/**
 * A call's {@link CallError} as a throwable, so an observation (and the span it becomes) carries the
 * failure. No stack trace: it is a report, not a place in Fusion's code. Its message is the call
 * error's, which never contains an API key.
 */
final class CallFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CallFailure(String message) {
        super(message, null, false, false);
    }
}
