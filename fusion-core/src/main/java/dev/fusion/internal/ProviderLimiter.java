package dev.fusion.internal;

import dev.fusion.cost.TokenEstimator;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.shared.ProviderLimit;
import dev.fusion.shared.RateGate;
import dev.fusion.shared.SharedState;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-provider limits: at most N calls in flight, R call starts and T tokens per minute, enforced by
 * one {@link RateGate} per provider (in memory by default, or shared across instances). A call over a
 * limit waits in a FIFO queue (without blocking a thread) instead of being sent into a 429 storm.
 * Thread-safe (immutable map of thread-safe gates).
 */
public final class ProviderLimiter {

    private static final RateGate.Permit NO_PERMIT = reported -> { };

    /** The limits of one provider; 0 means unlimited. */
    public record Limit(int maxConcurrent, int requestsPerMinute, long tokensPerMinute) {
        /** Concurrency and request-rate limits without a token limit. */
        public Limit(int maxConcurrent, int requestsPerMinute) {
            this(maxConcurrent, requestsPerMinute, 0);
        }
    }

    private final Map<String, RateGate> gates;
    private final TokenEstimator estimator;
    /** Providers with a token limit: only their calls are sized (estimating costs a tokenizer pass). */
    private final java.util.Set<String> tokenLimited;

    /** In-memory limits (this instance only). */
    public ProviderLimiter(Map<String, Limit> limits, Scheduler scheduler) {
        this(limits, dev.fusion.shared.SharedState.local(scheduler), TokenEstimator.defaultEstimator());
    }

    /** Limits enforced through {@code state}; {@code estimator} sizes a call for the token bucket. */
    public ProviderLimiter(Map<String, Limit> limits, SharedState state, TokenEstimator estimator) {
        Map<String, RateGate> g = new HashMap<>();
        limits.forEach((p, l) -> g.put(p, state.rateGate(p,
                new ProviderLimit(l.maxConcurrent(), l.requestsPerMinute(), l.tokensPerMinute()))));
        this.gates = Map.copyOf(g);
        java.util.Set<String> t = new java.util.HashSet<>();
        limits.forEach((p, l) -> {
            if (l.tokensPerMinute() > 0) {
                t.add(p);
            }
        });
        this.tokenLimited = java.util.Set.copyOf(t);
        this.estimator = estimator;
    }

    public boolean isEmpty() {
        return gates.isEmpty();
    }

    /**
     * A permit for one call to {@code provider}: completes when the call may start; the returned
     * {@link Runnable} must be run exactly once when the call ends. Cancelling the Mono leaves the queue.
     */
    public Mono<Runnable> acquire(String provider) {
        RateGate gate = gates.get(provider);
        if (gate == null) {
            return Mono.just(() -> { });
        }
        return gate.acquire(0).map(p -> () -> p.release(-1));
    }

    /** Whether calls of {@code model} go through a limit (else {@link #acquire(ModelRef, ModelRequest)} is a no-op permit). */
    public boolean limits(ModelRef model) {
        return gates.containsKey(model.provider());
    }

    /**
     * A permit for one call of {@code model} with {@code request}, sized for the token bucket (the
     * estimated prompt plus the request's output limit); release it with the reported tokens.
     */
    public Mono<RateGate.Permit> acquire(ModelRef model, ModelRequest request) {
        RateGate gate = gates.get(model.provider());
        if (gate == null) {
            return Mono.just(NO_PERMIT);
        }
        return gate.acquire(tokenLimited.contains(model.provider()) ? estimate(model, request) : 0);
    }

    private long estimate(ModelRef model, ModelRequest request) {
        StringBuilder sb = new StringBuilder();
        if (request.system() != null) {
            sb.append(request.system()).append('\n');
        }
        request.messages().forEach(m -> sb.append(m.content()).append('\n'));
        return estimator.estimate(model, sb.toString()) + request.maxOutputTokens();
    }
}
