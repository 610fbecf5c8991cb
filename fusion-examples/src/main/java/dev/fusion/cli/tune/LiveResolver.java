package dev.fusion.cli.tune;

import dev.fusion.cost.Cost;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ModelResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The default {@link MissResolver}: sends every pending call live, at most {@code concurrency} at a
 * time, and stores each answer (costed with the price book at list prices) or failure as it arrives.
 * A timeout or error is stored as a failure, so it is not paid again. Thread-safe.
 */
public final class LiveResolver implements MissResolver {

    private final PriceBook prices;
    private final int concurrency;
    private final Duration timeout;
    private final Consumer<PendingCall> onSent;
    private final AtomicLong sent = new AtomicLong();

    /**
     * @param prices      list prices for costing answers
     * @param concurrency calls in flight at most
     * @param timeout     per call
     * @param onSent      told of each call as it is sent (progress); may be a no-op
     */
    public LiveResolver(PriceBook prices, int concurrency, Duration timeout, Consumer<PendingCall> onSent) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        this.prices = prices;
        this.concurrency = concurrency;
        this.timeout = timeout;
        this.onSent = onSent;
    }

    /** Calls sent so far. */
    public long sent() {
        return sent.get();
    }

    @Override
    public void resolve(List<PendingCall> misses, AnswerStore store) {
        Flux.fromIterable(misses)
                .flatMap(p -> Mono.defer(() -> {
                    long t0 = System.nanoTime();
                    sent.incrementAndGet();
                    onSent.accept(p);
                    return p.model().call(p.request()).timeout(timeout)
                            .doOnNext(r -> store.putAnswer(p, r, cost(p, r), ms(t0), false))
                            .then()
                            .onErrorResume(e -> {
                                store.putFailure(p, e.getClass().getSimpleName() + ": " + e.getMessage(), null, ms(t0),
                                        false);
                                return Mono.empty();
                            });
                }), concurrency)
                .blockLast();
    }

    private java.math.BigDecimal cost(PendingCall p, ModelResponse r) {
        if (!r.usageReported() && r.reportedCostUsd() == null) {
            return null; // tokens unknown: the cost is unknown, not zero
        }
        Cost c = prices.cost(p.model().ref(), r.usage(), r.reportedCostUsd());
        return c.usd().orElse(null);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
