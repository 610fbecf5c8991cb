package dev.fusion.shared;

import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The in-memory {@link SpendAccount}: a spend cap shared by every ask of one Fusion instance,
 * optionally per time window (e.g. one day). Calls reserve their worst case before starting and settle
 * to their actual cost when they end, so {@code spent + reserved <= cap} always holds. Its Monos
 * complete at once on the subscribing thread. Thread-safe (all state under one monitor).
 */
final class LocalSpendAccount implements SpendAccount {

    private final BigDecimal cap;
    private final Duration window;
    private final Clock clock;
    private Instant windowStart;
    private BigDecimal spent = BigDecimal.ZERO;
    private BigDecimal reserved = BigDecimal.ZERO;
    private BigDecimal spentAllTime = BigDecimal.ZERO;

    LocalSpendAccount(BigDecimal cap, Duration window, Clock clock) {
        this.cap = cap;
        this.window = window;
        this.clock = clock;
        this.windowStart = clock.instant();
    }

    private void roll() {
        if (window != null) {
            Instant now = clock.instant();
            if (!now.isBefore(windowStart.plus(window))) {
                long periods = Duration.between(windowStart, now).toMillis() / window.toMillis();
                windowStart = windowStart.plus(window.multipliedBy(periods));
                spent = BigDecimal.ZERO;
            }
        }
    }

    /** Reserves {@code amount} if it fits under the cap. */
    public synchronized boolean tryReserve(BigDecimal amount) {
        roll();
        if (cap != null && spent.add(reserved).add(amount).compareTo(cap) > 0) {
            return false;
        }
        reserved = reserved.add(amount);
        return true;
    }

    /** What is left under the cap now (null when there is no cap). */
    public synchronized BigDecimal remaining() {
        roll();
        return cap == null ? null : cap.subtract(spent).subtract(reserved).max(BigDecimal.ZERO);
    }

    /** Releases a reservation and books the actual cost. */
    @Override
    public synchronized void settle(BigDecimal reservation, BigDecimal actual) {
        roll();
        reserved = reserved.subtract(reservation).max(BigDecimal.ZERO);
        spent = spent.add(actual);
        spentAllTime = spentAllTime.add(actual);
    }

    /** Spent in the current window (all time when there is no window). */
    public synchronized BigDecimal spent() {
        roll();
        return spent;
    }

    public synchronized BigDecimal spentAllTime() {
        return spentAllTime;
    }

    @Override
    public Mono<BigDecimal> remainingUsd() {
        return Mono.fromSupplier(this::remaining);
    }

    @Override
    public Mono<Boolean> reserve(BigDecimal usd) {
        return Mono.fromSupplier(() -> tryReserve(usd));
    }

    @Override
    public BigDecimal spentUsd() {
        return spent();
    }

    public BigDecimal cap() {
        return cap;
    }

    public Duration window() {
        return window;
    }
}
