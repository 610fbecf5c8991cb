package dev.fusion;

/** A provider misbehaviour found while costing a call; each one also adds a note to the result. */
public enum CostFlag {
    /**
     * The provider reported more generated tokens than the request's maximum plus
     * {@link CallRecord#outputSlack(int) the slack}: the usage is recorded as reported and charged
     * in full against the budget and spend cap.
     */
    OUTPUT_OVER_MAX,
    /**
     * The provider reported a cost that cannot be true: negative (a spend total never decreases),
     * beyond $1e9, not finite or not a number. The figure was ignored (the call is costed from its
     * tokens and the price table, as if no cost had been reported).
     */
    REPORTED_COST_IGNORED
}
