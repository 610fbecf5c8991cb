package dev.fusion.cli.tune;

/**
 * What a cached model returns for a call whose answer is not stored yet, during a pass: the call was
 * recorded as a {@link PendingCall} and the ask that made it is redone in the next pass.
 */
public final class AnswerPendingException extends RuntimeException {
    AnswerPendingException(String key) {
        super("tune: answer pending for call " + key.substring(0, 12), null, false, false);
    }
}
