package dev.fusion.judge;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Strategy#cascade() cascade} did. Immutable and thread-safe.
 *
 * @param path               {@value #AGREED} (the cheap answers agreed: no judge, no flagships),
 *                           {@value #JUDGED} (they did not: the judge merged them) or
 *                           {@value #ESCALATED} (they did not: flagship members answered too, then the judge merged all)
 * @param agreeing           size of the largest agreeing group of cheap answers
 * @param answered           how many cheap members answered
 * @param rule               the agreement rule's name
 * @param estimatedSavingUsd on the {@value #AGREED} path, the estimated cost of the calls that were
 *                           skipped (the judge, and the flagships if configured), from the price book
 *                           and the token estimator; zero on the other paths; null when a skipped
 *                           model has no price
 */
public record CascadeOutcome(String path, int agreeing, int answered, String rule, BigDecimal estimatedSavingUsd) {

    /** The cheap answers agreed; the judge was not called. */
    public static final String AGREED = "agreed";
    /** The cheap answers disagreed; the judge merged them. */
    public static final String JUDGED = "judged";
    /** The cheap answers disagreed; flagship members answered, then the judge merged every answer. */
    public static final String ESCALATED = "escalated";

    public CascadeOutcome {
        Objects.requireNonNull(path, "path");
    }

    /** The path as an enum, when it is one of Fusion's (always, for outcomes Fusion makes). */
    public Optional<CascadePath> pathKind() {
        return CascadePath.fromWireName(path);
    }

    /** True when the judge was skipped. */
    public boolean agreed() {
        return AGREED.equals(path);
    }
}
