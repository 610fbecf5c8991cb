package dev.fusion.cli.tune;

import dev.fusion.model.ModelResponse;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * The answers {@code fusion tune} has paid for, by content address (the SQLite file beside the data).
 * A stored outcome is final: later runs replay it and never send that call again (delete the file,
 * or pass {@code --fresh}, to pay again). Implementations are thread-safe.
 */
public interface AnswerStore {

    /** The stored outcome for {@code key}, if any. */
    Optional<CachedAnswer> find(String key);

    /**
     * Stores the answer to {@code call}.
     *
     * @param costUsd   what it cost at the prices that applied (batch prices when {@code batch}); null when unknown
     * @param latencyMs wall time of the call (for a batch, from submission to result)
     * @param batch     true when it came through a batch API
     */
    void putAnswer(PendingCall call, ModelResponse response, BigDecimal costUsd, long latencyMs, boolean batch);

    /**
     * Stores that {@code call} failed (an error reply, an expired or cancelled batch item): replayed as
     * that failure, so the engine degrades exactly as it did live.
     *
     * @param error     a short description; must hold no API key (it is redacted again before storing)
     * @param costUsd   what the failure was billed, or null when unknown
     */
    void putFailure(PendingCall call, String error, BigDecimal costUsd, long latencyMs, boolean batch);
}
