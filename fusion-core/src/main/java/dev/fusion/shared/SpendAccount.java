package dev.fusion.shared;

import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * A spend cap, optionally per time window (a new window starts at zero for every instance sharing
 * it). Asks reserve their worst case before any call, calls settle to their actual cost when they end,
 * and what is left of a reservation is released (settled with zero), so {@code spent + reserved <= cap}
 * holds. Implementations are thread-safe.
 */
public interface SpendAccount {

    /** What is left under the cap now; empty when there is no cap. May cross the network. */
    Mono<BigDecimal> remainingUsd();

    /** Reserves {@code usd} if it fits under the cap: emits true, or false when it does not fit. May cross the network. */
    Mono<Boolean> reserve(BigDecimal usd);

    /**
     * Reserves {@code usd} if it fits under the cap or, when it does not, reports what is left: one
     * check-and-update, so a shared implementation answers both in one round trip (an ask plans its worst
     * case against the whole cap, reserves it, and only re-plans against what is left when refused).
     * The default runs {@link #reserve} and, when refused, {@link #remainingUsd}. May cross the network.
     */
    default Mono<ReserveOutcome> reserveOrRemaining(BigDecimal usd) {
        return reserve(usd).flatMap(ok -> ok ? Mono.just(ReserveOutcome.reserved())
                : remainingUsd().map(ReserveOutcome::refused).defaultIfEmpty(ReserveOutcome.refused(null)));
    }

    /**
     * Releases {@code reservedUsd} of earlier reservations and books {@code actualUsd} as spent. Never
     * blocks and never fails: a shared implementation publishes it asynchronously (and again after an outage).
     */
    void settle(BigDecimal reservedUsd, BigDecimal actualUsd);

    /** Spent in the current window as this instance last saw it (all time when there is no window). */
    BigDecimal spentUsd();

    /** A note for every result while the account is degraded (shared store unreachable, local fallback). */
    default Optional<String> degradedNote() {
        return Optional.empty();
    }
}
