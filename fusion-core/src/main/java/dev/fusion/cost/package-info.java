/**
 * Money and tokens: {@link dev.fusion.cost.Usage} (tokens a call used), {@link dev.fusion.cost.Price}
 * and {@link dev.fusion.cost.PriceBook} (per-model rates, with long-context
 * {@link dev.fusion.cost.PriceTier tiers}), {@link dev.fusion.cost.Cost} (what a call cost and where
 * the figure came from, {@link dev.fusion.cost.CostSource}) and {@link dev.fusion.cost.TokenEstimator}
 * (prompt sizes for budget reservations). Amounts are {@link java.math.BigDecimal} US dollars; a
 * price or usage that is not known is reported as unknown, never as zero.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>Every type here is immutable and thread-safe.
 */
package dev.fusion.cost;
