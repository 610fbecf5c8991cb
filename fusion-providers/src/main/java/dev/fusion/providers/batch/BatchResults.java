package dev.fusion.providers.batch;

import dev.fusion.cost.Cost;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * Every request of an ended batch, by custom id in submission order. Immutable.
 *
 * @param job        the batch
 * @param finalState the provider's final status ({@code completed}, {@code ended}, {@code JOB_STATE_SUCCEEDED}, ...)
 * @param items      one entry per submitted custom id (a request without a result is recorded, never dropped)
 */
public record BatchResults(BatchJob job, String finalState, Map<String, BatchItem> items) {

    public BatchResults {
        items = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(items));
    }

    /** How many items ended in this status. */
    public long count(BatchItem.Status status) {
        return items.values().stream().filter(i -> i.status() == status).count();
    }

    /**
     * The total cost of the answered items at batch prices; empty (unknown, not zero) when any answered
     * item is unpriced.
     */
    public Optional<BigDecimal> totalUsd() {
        BigDecimal sum = BigDecimal.ZERO;
        for (BatchItem i : items.values()) {
            if (!i.succeeded()) {
                continue;
            }
            Cost c = i.cost();
            if (c.usd().isEmpty()) {
                return Optional.empty();
            }
            sum = sum.add(c.usd().get());
        }
        return Optional.of(sum);
    }
}
