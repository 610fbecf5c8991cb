package dev.fusion;

import java.time.Duration;
import java.util.Objects;

/**
 * How a failed call is retried. Fusion is the only retry layer: providers never retry themselves.
 * Only retryable failures are retried (connection failures, malformed answers, HTTP 408, 409, 429,
 * 5xx incl. 529); never 400/401/403/404/422. The delay is the provider's {@code retry-after-ms} or
 * {@code Retry-After} when given, else exponential backoff
 * {@code min(initialBackoff * 2^(n-1), maxBackoff)} minus up to {@code jitter} of it. A server
 * delay above {@code maxServerDelay} is not slept: the call fails at once (a hard quota should
 * fail fast). A retry never starts if its delay would pass the member timeout or the ask deadline.
 * Immutable.
 *
 * @param maxRetries     retries after the first attempt (0 disables retrying)
 * @param initialBackoff first backoff delay
 * @param maxBackoff     cap on backoff delays
 * @param maxServerDelay the longest provider-requested delay that is honoured
 * @param jitter         fraction (0..1) of each backoff delay that is randomly removed
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff, Duration maxServerDelay,
                          double jitter) {

    /** 2 retries, 500 ms doubling up to 8 s, server delays honoured up to 30 s, 25% jitter. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(2, Duration.ofMillis(500), Duration.ofSeconds(8),
            Duration.ofSeconds(30), 0.25);

    /** No retries. */
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofMillis(500), Duration.ofSeconds(8),
            Duration.ofSeconds(30), 0.25);

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxServerDelay, "maxServerDelay");
        if (maxRetries < 0) {
            throw new InvalidConfigurationException("retry maxRetries must be >= 0, was " + maxRetries);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxServerDelay.isNegative()) {
            throw new InvalidConfigurationException("retry delays cannot be negative");
        }
        if (jitter < 0 || jitter > 1) {
            throw new InvalidConfigurationException("retry jitter must be between 0 and 1, was " + jitter);
        }
    }

    public static RetryPolicy retries(int maxRetries) {
        return new RetryPolicy(maxRetries, DEFAULT.initialBackoff, DEFAULT.maxBackoff, DEFAULT.maxServerDelay,
                DEFAULT.jitter);
    }

    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxRetries, initial, max, maxServerDelay, jitter);
    }

    public RetryPolicy withMaxServerDelay(Duration max) {
        return new RetryPolicy(maxRetries, initialBackoff, maxBackoff, max, jitter);
    }

    public RetryPolicy withJitter(double jitter) {
        return new RetryPolicy(maxRetries, initialBackoff, maxBackoff, maxServerDelay, jitter);
    }

    /** The backoff before retry number {@code retry} (1-based), before jitter. */
    public Duration backoff(int retry) {
        long base = initialBackoff.toMillis();
        long shifted = retry - 1 >= 30 ? Long.MAX_VALUE : base << (retry - 1);
        if (shifted < 0) {
            shifted = Long.MAX_VALUE;
        }
        return Duration.ofMillis(Math.min(shifted, maxBackoff.toMillis()));
    }
}
