package dev.fusion;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * Cost and latency of one panel round (see {@link FusionResult#rounds()}). Immutable.
 *
 * @param round    1-based round number
 * @param calls    the round's panel calls, in member order
 * @param costUsd  known cost of the round's calls (unpriced calls count as zero; see {@link FusionResult#costComplete()})
 * @param wallTime from the first call's start to the last call's end (zero when no call ran)
 */
public record RoundSummary(int round, List<CallRecord> calls, BigDecimal costUsd, Duration wallTime) {
    public RoundSummary {
        calls = List.copyOf(calls);
    }

    /** Successful calls of the round. */
    public long answered() {
        return calls.stream().filter(CallRecord::isOk).count();
    }
}
