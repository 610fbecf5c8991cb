package dev.fusion.shared;

import java.math.BigDecimal;

/**
 * What {@link SpendAccount#reserveOrRemaining} did: reserved the amount, or refused it and reports what
 * was left under the cap when it decided (so the caller can plan a smaller ask without asking again).
 * Immutable.
 *
 * @param granted      whether the amount was reserved
 * @param remainingUsd what was left under the cap when refused (never negative); null when granted, or
 *                     when there is no cap
 */
public record ReserveOutcome(boolean granted, BigDecimal remainingUsd) {

    private static final ReserveOutcome GRANTED = new ReserveOutcome(true, null);

    public ReserveOutcome {
        if (granted && remainingUsd != null) {
            throw new IllegalArgumentException("a granted reservation carries no remaining amount");
        }
        if (remainingUsd != null && remainingUsd.signum() < 0) {
            throw new IllegalArgumentException("remainingUsd cannot be negative, was " + remainingUsd.toPlainString());
        }
    }

    /** The amount was reserved. */
    public static ReserveOutcome reserved() {
        return GRANTED;
    }

    /** The amount did not fit; {@code remainingUsd} was left (null when there is no cap). */
    public static ReserveOutcome refused(BigDecimal remainingUsd) {
        return new ReserveOutcome(false, remainingUsd);
    }
}
