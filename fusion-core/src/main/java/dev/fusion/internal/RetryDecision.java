package dev.fusion.internal;

import dev.fusion.RetryPolicy;
import dev.fusion.model.ProviderException;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** Decides whether and when a failed attempt is retried. Stateless. */
final class RetryDecision {

    private RetryDecision() {
    }

    /**
     * The delay before retry number {@code retry} (1-based), or empty when the failure must not be
     * retried: not retryable, retries used up, a server-requested delay above the policy's cap, or
     * a delay that would pass the time left ({@code remaining}).
     */
    static Optional<Duration> delay(RetryPolicy policy, Throwable failure, int retry, Duration remaining) {
        if (retry > policy.maxRetries() || !(failure instanceof ProviderException p) || !p.retryable()) {
            return Optional.empty();
        }
        Duration d;
        if (p.retryAfter().isPresent()) {
            d = p.retryAfter().get();
            if (d.compareTo(policy.maxServerDelay()) > 0) {
                return Optional.empty();
            }
        } else {
            Duration base = policy.backoff(retry);
            long cut = (long) (base.toMillis() * policy.jitter() * ThreadLocalRandom.current().nextDouble());
            d = base.minusMillis(cut);
        }
        if (remaining != null && d.compareTo(remaining) >= 0) {
            return Optional.empty();
        }
        return Optional.of(d);
    }
}
