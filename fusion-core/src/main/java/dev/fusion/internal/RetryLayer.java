package dev.fusion.internal;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * Retry as a decorator around one attempt: after a failed attempt the {@link Policy} decides, and a
 * retry waits its delay on the injected {@link Scheduler} (the ask's clock, virtual in tests) before the
 * attempt is subscribed again. The policy holds every rule (retryable, retries left, budget, deadline);
 * this layer only sequences, so the wait is a timer of that scheduler and nothing else: no thread sleeps,
 * no other timer. The one retry layer of a call ({@code CallRunner}); the HTTP client does not retry.
 * Stateless and thread-safe.
 */
final class RetryLayer {

    private RetryLayer() {
    }

    /** What follows a failed attempt: another after {@code delay}, or the end with {@code error}. */
    record Decision(Duration delay, Throwable error) {
        Decision {
            if ((delay == null) == (error == null)) {
                throw new IllegalArgumentException("a decision is a delay or an error, exactly one");
            }
        }

        /** Attempt again once {@code delay} has passed on the scheduler. */
        static Decision retryAfter(Duration delay) {
            return new Decision(Objects.requireNonNull(delay, "delay"), null);
        }

        /** Stop: the call fails with {@code error}. */
        static Decision fail(Throwable error) {
            return new Decision(null, Objects.requireNonNull(error, "error"));
        }
    }

    /** Decides after each failed attempt. */
    @FunctionalInterface
    interface Policy {
        /**
         * @param failure what the attempt failed with
         * @param retry   the number the retry would have (1 for the first)
         */
        Decision after(Throwable failure, int retry);
    }

    /**
     * {@code attempt}, subscribed again after each failure the policy retries, each delay on {@code scheduler}.
     * One operator per call until an attempt fails (every call subscribes this, and almost none fails): not
     * {@code retryWhen}, which builds a companion sink and a {@code concatMap} chain on every subscription.
     */
    static <T> Mono<T> around(Mono<T> attempt, Policy policy, Scheduler scheduler) {
        return afterFailures(attempt, policy, scheduler, 1);
    }

    /** {@code attempt}; when it fails, the policy's decision for retry number {@code retry}. */
    private static <T> Mono<T> afterFailures(Mono<T> attempt, Policy policy, Scheduler scheduler, int retry) {
        return attempt.onErrorResume(failure -> {
            Decision d = policy.after(failure, retry);
            return d.error() != null ? Mono.error(d.error())
                    : Mono.delay(d.delay(), scheduler).then(afterFailures(attempt, policy, scheduler, retry + 1));
        });
    }
}
