package dev.fusion.cli.tune;

import dev.fusion.cost.Usage;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One stored outcome of a call: its answer (or failure), usage, cost and latency. Immutable.
 *
 * @param key            the call's content address
 * @param kind           member, judge or grader call
 * @param provider       the provider name
 * @param model          the model id
 * @param ok             true when the call answered; false for a recorded failure
 * @param text           the answer text (empty for a failure)
 * @param usage          tokens by kind (zero when not reported)
 * @param usageReported  whether the provider reported usage (false: tokens unknown, not zero)
 * @param costUsd        what the call cost, or null when unknown (unpriced model or unreported usage); never 0 for unknown
 * @param latencyMs      wall time of the call in ms (for a batch, the time from submission to result)
 * @param finishReason   the provider's finish reason, or null
 * @param error          why the call failed (redacted, short), or null
 * @param batch          true when the answer came through a provider's batch API at batch prices
 */
public record CachedAnswer(String key, CallKind kind, String provider, String model, boolean ok, String text,
                           Usage usage, boolean usageReported, BigDecimal costUsd, long latencyMs,
                           String finishReason, String error, boolean batch) {
    public CachedAnswer {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        text = text == null ? "" : text;
        usage = usage == null ? Usage.ZERO : usage;
    }
}
