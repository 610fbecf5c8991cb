package dev.fusion.sandbox.internal;

import dev.fusion.cost.Usage;

import java.util.concurrent.atomic.LongAdder;

/** Thread-safe running totals of usage, bucket by bucket. */
final class UsageTotals {
    private final LongAdder input = new LongAdder();
    private final LongAdder cacheRead = new LongAdder();
    private final LongAdder cacheWrite = new LongAdder();
    private final LongAdder cacheWrite1h = new LongAdder();
    private final LongAdder output = new LongAdder();
    private final LongAdder reasoning = new LongAdder();

    void add(Usage u) {
        input.add(u.input());
        cacheRead.add(u.cacheRead());
        cacheWrite.add(u.cacheWrite());
        cacheWrite1h.add(u.cacheWrite1h());
        output.add(u.output());
        reasoning.add(u.reasoning());
    }

    Usage snapshot() {
        long w = cacheWrite.sum();
        return new Usage(input.sum(), cacheRead.sum(), w, Math.min(w, cacheWrite1h.sum()), output.sum(), reasoning.sum());
    }
}
