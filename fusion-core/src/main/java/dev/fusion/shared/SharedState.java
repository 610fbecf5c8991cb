package dev.fusion.shared;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

/**
 * The SPI for state several Fusion instances share: a spend cap and provider limits. One per store;
 * thread-safe; closing it releases what this instance holds and its connections (a Fusion built with it
 * does not close it). {@link #local()} is the in-memory default.
 */
public interface SharedState extends AutoCloseable {

    /** The store for messages and logs, without credentials (e.g. {@code redis://host:6379/0 namespace team-a}). */
    String describe();

    /**
     * The spend account for a cap; the same cap and window give the same shared account in every instance
     * of the namespace.
     *
     * @param capUsd the cap, or null for none (spend is then only counted)
     * @param window the window (e.g. 24 h, aligned to the epoch), or null for no window
     * @param clock  what decides the current window
     */
    SpendAccount spendAccount(BigDecimal capUsd, Duration window, Clock clock);

    /** The gate that enforces {@code limit} on calls to {@code provider}. */
    RateGate rateGate(String provider, ProviderLimit limit);

    @Override
    void close();

    /**
     * Per-instance state in memory: every instance has its own cap and limits (the default). Rate waits
     * end on Reactor's {@code Schedulers.parallel()}; a {@code Fusion} built without a store uses
     * {@link #local(reactor.core.scheduler.Scheduler)} with its own scheduler instead.
     */
    static SharedState local() {
        return LocalSharedState.create(reactor.core.scheduler.Schedulers.parallel());
    }

    /** Per-instance state in memory whose rate waits run on {@code scheduler}. */
    static SharedState local(reactor.core.scheduler.Scheduler scheduler) {
        return LocalSharedState.create(scheduler);
    }
}
