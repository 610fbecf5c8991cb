package dev.fusion.cost;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * USD per million tokens for each usage bucket. {@code input} and {@code output} are required; the
 * others default when null: cache read and cache write to the input rate, the 1-hour cache write to
 * the cache write rate, reasoning to the output rate. Immutable.
 */
public record Rates(BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite,
                    BigDecimal cacheWrite1h, BigDecimal reasoning) {

    public Rates {
        Objects.requireNonNull(input, "input rate");
        Objects.requireNonNull(output, "output rate");
        requireNonNegative("input", input);
        requireNonNegative("output", output);
        requireNonNegative("cacheRead", cacheRead);
        requireNonNegative("cacheWrite", cacheWrite);
        requireNonNegative("cacheWrite1h", cacheWrite1h);
        requireNonNegative("reasoning", reasoning);
    }

    private static void requireNonNegative(String name, BigDecimal v) {
        if (v != null && v.signum() < 0) {
            throw new IllegalArgumentException(name + " rate cannot be negative: " + v.toPlainString());
        }
    }

    /** Input and output rates only (USD per million tokens). */
    public static Rates of(String input, String output) {
        return new Rates(new BigDecimal(input), new BigDecimal(output), null, null, null, null);
    }

    public BigDecimal effectiveCacheRead() { return cacheRead != null ? cacheRead : input; }

    public BigDecimal effectiveCacheWrite() { return cacheWrite != null ? cacheWrite : input; }

    public BigDecimal effectiveCacheWrite1h() { return cacheWrite1h != null ? cacheWrite1h : effectiveCacheWrite(); }

    public BigDecimal effectiveReasoning() { return reasoning != null ? reasoning : output; }

    public Rates withCacheRead(String v) { return new Rates(input, output, new BigDecimal(v), cacheWrite, cacheWrite1h, reasoning); }

    public Rates withCacheWrite(String v) { return new Rates(input, output, cacheRead, new BigDecimal(v), cacheWrite1h, reasoning); }

    public Rates withCacheWrite1h(String v) { return new Rates(input, output, cacheRead, cacheWrite, new BigDecimal(v), reasoning); }

    public Rates withReasoning(String v) { return new Rates(input, output, cacheRead, cacheWrite, cacheWrite1h, new BigDecimal(v)); }
}
