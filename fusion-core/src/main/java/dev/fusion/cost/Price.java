package dev.fusion.cost;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The price of one model: base rates, optional long-context tiers, and where the figures came from.
 * Immutable and thread-safe.
 *
 * <p>Tiers are all-or-nothing: when the prompt crosses a tier's threshold the whole call (every
 * bucket, output included) is billed at that tier's rates; the highest crossed tier wins.
 *
 * @param base   rates below every tier threshold
 * @param tiers  long-context tiers, any order (kept sorted by threshold)
 * @param source where the figures came from (a pricing page URL, or "override")
 * @param asOf   when the figures were read, or null when unknown
 */
public record Price(Rates base, List<PriceTier> tiers, String source, LocalDate asOf) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public Price {
        Objects.requireNonNull(base, "base rates");
        tiers = tiers == null ? List.of()
                : tiers.stream().sorted(Comparator.comparingLong(PriceTier::aboveInputTokens)).toList();
        source = source == null ? "unspecified" : source;
    }

    /** A price with input and output rates (USD per million tokens) and no tiers. */
    public static Price of(String inputPerMillion, String outputPerMillion) {
        return new Price(Rates.of(inputPerMillion, outputPerMillion), List.of(), "override", null);
    }

    public static Price of(Rates rates) {
        return new Price(rates, List.of(), "override", null);
    }

    public Price withTier(long aboveInputTokens, Rates rates) {
        List<PriceTier> all = new java.util.ArrayList<>(tiers);
        all.add(new PriceTier(aboveInputTokens, rates));
        return new Price(base, all, source, asOf);
    }

    public Price withSource(String source, LocalDate asOf) {
        return new Price(base, tiers, source, asOf);
    }

    /** The rates that apply to a call whose prompt has {@code promptTokens} tokens. */
    public Rates ratesFor(long promptTokens) {
        Rates chosen = base;
        for (PriceTier t : tiers) {
            if (promptTokens > t.aboveInputTokens()) {
                chosen = t.rates();
            }
        }
        return chosen;
    }

    /** Exact, unrounded USD cost of a call with this usage. */
    public BigDecimal costOf(Usage u) {
        Rates r = ratesFor(u.promptTokens());
        long write5m = u.cacheWrite() - u.cacheWrite1h();
        BigDecimal micro = r.input().multiply(BigDecimal.valueOf(u.input()))
                .add(r.effectiveCacheRead().multiply(BigDecimal.valueOf(u.cacheRead())))
                .add(r.effectiveCacheWrite().multiply(BigDecimal.valueOf(write5m)))
                .add(r.effectiveCacheWrite1h().multiply(BigDecimal.valueOf(u.cacheWrite1h())))
                .add(r.output().multiply(BigDecimal.valueOf(u.output())))
                .add(r.effectiveReasoning().multiply(BigDecimal.valueOf(u.reasoning())));
        // Exact: a shift of the decimal point, not a long division (same value, same stripped scale).
        return micro.movePointLeft(6).stripTrailingZeros();
    }

    /**
     * The most a call can cost with this many prompt tokens (all uncached, at the input rate) and
     * this many generated tokens (at the higher of the output and reasoning rates): the worst case
     * the budget reserves.
     */
    public BigDecimal worstCase(long promptTokens, long maxOutputTokens) {
        Rates r = ratesFor(promptTokens);
        BigDecimal in = r.input().max(r.effectiveCacheWrite()).max(r.effectiveCacheWrite1h());
        BigDecimal out = r.output().max(r.effectiveReasoning());
        return in.multiply(BigDecimal.valueOf(promptTokens)).add(out.multiply(BigDecimal.valueOf(maxOutputTokens)))
                .divide(MILLION).stripTrailingZeros();
    }
}
