package dev.fusion;

/** A provider misbehaviour found while costing a call; each one also adds a note to the result. */
public enum CostFlag {
    /**
     * The provider reported more generated tokens than the request's maximum plus
     * {@link CallRecord#outputSlack(int) the slack}: the usage is recorded as reported and charged
     * in full against the budget and spend cap.
     */
    OUTPUT_OVER_MAX,
    /** The provider reported a negative cost: the figure was ignored (a spend total never decreases). */
    REPORTED_COST_IGNORED
}
