package dev.fusion.cost;

import java.util.Objects;

/**
 * A long-context tier: once a call's prompt ({@link Usage#promptTokens()}) is above
 * {@code aboveInputTokens}, the whole call is billed at these rates. Immutable.
 */
public record PriceTier(long aboveInputTokens, Rates rates) {
    public PriceTier {
        Objects.requireNonNull(rates, "rates");
        if (aboveInputTokens <= 0) {
            throw new IllegalArgumentException("a tier threshold must be positive, was " + aboveInputTokens);
        }
    }
}
