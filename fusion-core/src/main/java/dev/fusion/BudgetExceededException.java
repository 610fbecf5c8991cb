package dev.fusion;

import java.math.BigDecimal;
import java.util.List;

/**
 * The budget cannot cover the ask: the judge's worst-case reservation (plus the quorum's members)
 * does not fit, thrown before any call is made ({@link #calls()} empty); or what the calls so far were
 * charged (a provider reporting a far higher cost than its price) already passed the budget, so no
 * further paid call was started ({@link #calls()} holds every call of the ask). Immutable.
 */
public class BudgetExceededException extends FusionException {
    private static final long serialVersionUID = 1L;
    private final BigDecimal budgetUsd;
    private final BigDecimal neededUsd;
    private final transient List<CallRecord> calls;

    public BudgetExceededException(String message, BigDecimal budgetUsd, BigDecimal neededUsd) {
        this(message, budgetUsd, neededUsd, List.of());
    }

    /**
     * An ask stopped because the spend recorded so far passed its budget.
     *
     * @param calls every call of the ask, in order (panel rounds, then judge calls)
     */
    public BudgetExceededException(String message, BigDecimal budgetUsd, BigDecimal neededUsd, List<CallRecord> calls) {
        super(message);
        this.budgetUsd = budgetUsd;
        this.neededUsd = neededUsd;
        this.calls = List.copyOf(calls);
    }

    /** Every call the ask made before it stopped (empty when it stopped before any call). */
    public List<CallRecord> calls() {
        return calls == null ? List.of() : calls;
    }

    public BigDecimal budgetUsd() { return budgetUsd; }

    /** The worst-case cost that had to fit, or null. */
    public BigDecimal neededUsd() { return neededUsd; }
}
