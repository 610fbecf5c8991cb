package dev.fusion.internal;

import dev.fusion.shared.SpendAccount;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The engine's view of the spend cap: one {@link SpendAccount}, in memory by default or shared
 * (e.g. on Redis). Reserving may cross the network, so it is asynchronous; settling never blocks.
 * Thread-safe.
 */
public final class SpendLedger {

    private final SpendAccount account;
    private final BigDecimal cap;
    private final Duration window;

    /** An in-memory ledger (this instance only). */
    public SpendLedger(BigDecimal cap, Duration window, Clock clock) {
        this(dev.fusion.shared.SharedState.local(FusionTimer.shared()).spendAccount(cap, window, clock), cap, window);
    }

    /** A ledger on {@code account}, which enforces {@code cap} per {@code window}. */
    public SpendLedger(SpendAccount account, BigDecimal cap, Duration window) {
        this.account = account;
        this.cap = cap;
        this.window = window;
    }

    /** What is left under the cap (empty when there is no cap). */
    public Mono<BigDecimal> remainingAsync() {
        return account.remainingUsd();
    }

    /** Reserves {@code amount} if it fits under the cap (true), else false. */
    public Mono<Boolean> reserveAsync(BigDecimal amount) {
        return account.reserve(amount);
    }

    /** Reserves {@code amount} if it fits under the cap, else reports what is left (one round trip when shared). */
    public Mono<dev.fusion.shared.ReserveOutcome> reserveOrRemainingAsync(BigDecimal amount) {
        return account.reserveOrRemaining(amount);
    }

    /** Reserves {@code amount} if it fits under the cap; in-memory ledgers only (blocks on a shared one). */
    public boolean tryReserve(BigDecimal amount) {
        return Boolean.TRUE.equals(account.reserve(amount).block());
    }

    /** What is left under the cap now (null when there is no cap); in-memory ledgers only (blocks on a shared one). */
    public BigDecimal remaining() {
        return account.remainingUsd().block();
    }

    /**
     * Releases a reservation and books the actual cost; never blocks. A negative figure books nothing:
     * spend never decreases because of a provider's number.
     */
    public void settle(BigDecimal reservation, BigDecimal actual) {
        account.settle(reservation, actual.max(BigDecimal.ZERO));
    }

    /** Spent in the current window (all time when there is no window), as this instance sees it. */
    public BigDecimal spent() {
        return account.spentUsd();
    }

    /** A note for every result while the shared store is unreachable and the ledger runs locally. */
    public Optional<String> degradedNote() {
        return account.degradedNote();
    }

    public BigDecimal cap() {
        return cap;
    }

    public Duration window() {
        return window;
    }
}
