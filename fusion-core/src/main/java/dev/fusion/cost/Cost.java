package dev.fusion.cost;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * The cost of one call in USD, unrounded. Immutable.
 *
 * @param computedUsd the cost computed from usage and the price book, or null when the model has no price
 * @param reportedUsd the provider's own figure (OpenRouter {@code usage.cost}), or null
 * @param source      which figure {@link #usd()} gives
 */
public record Cost(BigDecimal computedUsd, BigDecimal reportedUsd, CostSource source) {

    public static Cost of(BigDecimal computed, BigDecimal reported) {
        CostSource source = computed != null ? CostSource.COMPUTED
                : reported != null ? CostSource.PROVIDER_REPORTED : CostSource.UNPRICED;
        return new Cost(computed, reported, source);
    }

    /** An unpriced cost: neither computed nor reported. */
    public static Cost unpriced() {
        return new Cost(null, null, CostSource.UNPRICED);
    }

    /** The best known figure: computed, else reported; empty when unpriced. */
    public Optional<BigDecimal> usd() {
        return Optional.ofNullable(computedUsd != null ? computedUsd : reportedUsd);
    }

    public boolean isPriced() {
        return source != CostSource.UNPRICED;
    }

    @Override
    public String toString() {
        return switch (source) {
            case UNPRICED -> "unpriced";
            case PROVIDER_REPORTED -> "$" + reportedUsd.toPlainString() + " (reported)";
            case COMPUTED -> "$" + computedUsd.toPlainString()
                    + (reportedUsd != null ? " (reported $" + reportedUsd.toPlainString() + ")" : "");
        };
    }
}
