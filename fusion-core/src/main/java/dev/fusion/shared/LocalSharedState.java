package dev.fusion.shared;

import reactor.core.scheduler.Scheduler;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

/** The in-memory {@link SharedState}: per-instance cap and limits. Thread-safe; stateless itself. */
final class LocalSharedState implements SharedState {

    private final Scheduler scheduler;

    private LocalSharedState(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    static LocalSharedState create(Scheduler scheduler) {
        return new LocalSharedState(java.util.Objects.requireNonNull(scheduler));
    }

    @Override
    public String describe() {
        return "in-memory (this instance only)";
    }

    @Override
    public SpendAccount spendAccount(BigDecimal capUsd, Duration window, Clock clock) {
        return new LocalSpendAccount(capUsd, window, clock);
    }

    @Override
    public RateGate rateGate(String provider, ProviderLimit limit) {
        return new LocalRateGate(limit, scheduler);
    }

    @Override
    public void close() {
    }
}
