package dev.fusion.internal;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A spend cap shared by every ask of one Fusion instance, optionally per time window (e.g. one day).
 * Calls reserve their worst case before starting and settle to their actual cost when they end, so
 * {@code spent + reserved <= cap} always holds. Thread-safe (all state under one monitor).
 */
public final class SpendLedger {

    private final BigDecimal cap;
    private final Duration window;
    private final Clock clock;
    private Instant windowStart;
    private BigDecimal spent = BigDecimal.ZERO;
    private BigDecimal reserved = BigDecimal.ZERO;
    private BigDecimal spentAllTime = BigDecimal.ZERO;

    public SpendLedger(BigDecimal cap, Duration window, Clock clock) {
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

    /** Releases a reservation and books the actual cost (a negative figure books nothing: spend never decreases). */
    public synchronized void settle(BigDecimal reservation, BigDecimal actual) {
        roll();
        actual = actual.max(BigDecimal.ZERO);
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

    public BigDecimal cap() {
        return cap;
    }

    public Duration window() {
        return window;
    }
}
