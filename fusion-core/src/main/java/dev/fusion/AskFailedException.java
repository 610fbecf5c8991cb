package dev.fusion;

import java.util.List;

/** An ask that ran but could not produce an answer; carries every call record made. */
public class AskFailedException extends FusionException {
    private static final long serialVersionUID = 1L;

    private final transient List<CallRecord> calls;

    public AskFailedException(String message, List<CallRecord> calls) {
        super(message);
        this.calls = List.copyOf(calls);
    }

    /** Every call record of the failed ask, panel and judge, including failures and their causes. */
    public List<CallRecord> calls() {
        return calls;
    }
}
