package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;

import java.math.BigDecimal;

/**
 * Totals for one model across an ask's calls. Immutable.
 *
 * @param model         the model
 * @param calls         calls made to it (skipped ones excluded)
 * @param usage         summed usage
 * @param costUsd       summed known cost
 * @param unpricedCalls calls whose cost is unknown (not counted in {@code costUsd})
 */
public record ModelSummary(ModelRef model, int calls, Usage usage, BigDecimal costUsd, int unpricedCalls) {
}
