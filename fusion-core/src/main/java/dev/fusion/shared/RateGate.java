package dev.fusion.shared;

import reactor.core.publisher.Mono;

/**
 * The limits of one provider ({@link ProviderLimit}) as permits: a call waits (without blocking a
 * thread) until it may start, in FIFO order per instance. Implementations are thread-safe.
 */
public interface RateGate {

    /**
     * A permit for one call of about {@code estimatedTokens} tokens (prompt + max output); completes when
     * the call may start. Cancelling the Mono leaves the queue (a permit granted meanwhile is released).
     * Fails with {@link SharedStateUnavailableException} when a shared store refuses.
     */
    Mono<Permit> acquire(long estimatedTokens);

    /** One call's permit: release it exactly once when the call ends (further calls do nothing). */
    interface Permit {
        /**
         * Gives the concurrency slot back and settles the token bucket to what the provider reported.
         *
         * @param reportedTokens the tokens the call used, or a negative number when not reported (the
         *                       estimate then stays booked)
         */
        void release(long reportedTokens);
    }
}
