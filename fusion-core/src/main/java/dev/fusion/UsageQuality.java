package dev.fusion;

/**
 * How much a {@link CallRecord}'s usage (and so its cost) can be trusted. Only {@link #REPORTED}
 * makes a call completely costed; the others make {@link FusionResult#costComplete()} false.
 */
public enum UsageQuality {
    /** The provider reported the tokens (or nothing was billed: the call never reached a model). */
    REPORTED,
    /** The provider answered without reporting usage: tokens and cost are unknown, never taken as zero. */
    UNKNOWN,
    /**
     * The call was cut off after its request was sent (deadline, grace, timeout, cancel, a broken
     * stream): the usage is a tokenizer estimate of the prompt and of the text already streamed, a
     * lower bound of what the provider may bill.
     */
    ESTIMATED
}
