package dev.fusion;

import java.util.List;

/**
 * A fused tool step that could not be decided validly: the judge named a tool that was not offered, or
 * gave arguments that do not validate against the tool's schema (or a disputed-argument reply that does
 * not fit). Its {@link #errorKind()} is {@code invalid_output}; {@link #calls()} holds every record of the
 * ask, the panel's proposals ({@link CallRecord#toolCalls()}) and the judge's failed reply included.
 */
public final class ToolDecisionException extends AskFailedException {
    private static final long serialVersionUID = 1L;

    /** The error kind of this failure. */
    public static final String ERROR_KIND = "invalid_output";

    private final List<String> problems;

    public ToolDecisionException(String message, List<String> problems, List<CallRecord> calls) {
        super(message, calls);
        this.problems = List.copyOf(problems);
    }

    /** {@value #ERROR_KIND}. */
    public String errorKind() {
        return ERROR_KIND;
    }

    /** What was wrong with the decision, one line each. */
    public List<String> problems() {
        return problems;
    }

    /** The panel records that proposed tool calls (the proposals). */
    public List<CallRecord> proposals() {
        return calls().stream().filter(c -> c.role() == CallRole.PANEL && c.hasToolCalls()).toList();
    }
}
