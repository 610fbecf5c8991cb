package dev.fusion;

import java.util.Locale;

/**
 * How a fused tool step was decided ({@link FusionResult#decidedBy()}, {@link FusionEvent.ToolCallsDecided}).
 * Same calls means the same tool names with arguments equal as canonical JSON (key order, number spelling
 * and the order of parallel calls ignored).
 */
public enum DecidedBy {
    /** Every member that answered proposed the same calls; no judge call. */
    UNANIMOUS,
    /** At least the quorum of members, and more than any other group, proposed the same calls; no judge call. */
    QUORUM,
    /**
     * The members agreed on which tools to call but not on every argument, and a field-by-field majority vote
     * settled every argument; no judge call.
     */
    VOTED,
    /** The judge decided: it saw the anonymized proposals (or, for argument disputes, only the disputed arguments). */
    JUDGED;

    /** The lower-case name used in JSON and on the command line ({@code unanimous}, ...). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
