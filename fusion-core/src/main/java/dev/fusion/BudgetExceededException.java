package dev.fusion;

import java.math.BigDecimal;

/**
 * The budget cannot cover the ask: the judge's worst-case reservation (plus the quorum's members)
 * does not fit. Thrown before any call is made.
 */
public class BudgetExceededException extends FusionException {
    private static final long serialVersionUID = 1L;
    private final BigDecimal budgetUsd;
    private final BigDecimal neededUsd;

    public BudgetExceededException(String message, BigDecimal budgetUsd, BigDecimal neededUsd) {
        super(message);
        this.budgetUsd = budgetUsd;
        this.neededUsd = neededUsd;
    }

    public BigDecimal budgetUsd() { return budgetUsd; }

    /** The worst-case cost that had to fit, or null. */
    public BigDecimal neededUsd() { return neededUsd; }
}
