package dev.fusion.providers.batch;

import dev.fusion.cost.PriceBook;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link BatchClient} polls and prices. Immutable; thread-safe when its callbacks are.
 *
 * @param prices         the book whose batch prices cost each answer ({@link PriceBook#batchCost})
 * @param pollInterval   the first wait between two polls
 * @param maxPollInterval the longest wait: the interval doubles up to it while nothing changes
 * @param maxWait        give up polling (the batch keeps running; resume later) after this long on the clock
 * @param clock          the clock for elapsed time and ETA (a virtual one in tests)
 * @param sleeper        how to wait between polls (advances a virtual clock in tests)
 * @param progress       called after each poll
 * @param maxResultBytes the most bytes of a results file or of a status body carrying inline results
 */
public record BatchOptions(PriceBook prices, Duration pollInterval, Duration maxPollInterval, Duration maxWait,
                           Clock clock, Sleeper sleeper, Consumer<BatchProgress> progress, long maxResultBytes) {

    /** Waits between polls. */
    @FunctionalInterface
    public interface Sleeper {
        /** Waits this long (or, in virtual time, advances the clock). */
        void sleep(Duration d) throws InterruptedException;
    }

    public BatchOptions {
        Objects.requireNonNull(prices, "prices");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(sleeper, "sleeper");
        progress = progress == null ? p -> { } : progress;
        if (pollInterval.isNegative() || pollInterval.isZero() || maxPollInterval.compareTo(pollInterval) < 0) {
            throw new IllegalArgumentException("pollInterval must be positive and at most maxPollInterval");
        }
        if (maxResultBytes < 1024) {
            throw new IllegalArgumentException("maxResultBytes must be at least 1024");
        }
    }

    /**
     * Real time: first poll after 10 s, backing off to 60 s, giving up after 25 hours (a 24 h window
     * plus finalization), results up to 256 MB.
     */
    public static BatchOptions defaults(PriceBook prices) {
        return new BatchOptions(prices, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofHours(25),
                Clock.systemUTC(), d -> Thread.sleep(d.toMillis()), null, 256L * 1024 * 1024);
    }

    public BatchOptions withClock(Clock clock, Sleeper sleeper) {
        return new BatchOptions(prices, pollInterval, maxPollInterval, maxWait, clock, sleeper, progress, maxResultBytes);
    }

    public BatchOptions withProgress(Consumer<BatchProgress> progress) {
        return new BatchOptions(prices, pollInterval, maxPollInterval, maxWait, clock, sleeper, progress, maxResultBytes);
    }

    public BatchOptions withPolling(Duration first, Duration max, Duration maxWait) {
        return new BatchOptions(prices, first, max, maxWait, clock, sleeper, progress, maxResultBytes);
    }
}
