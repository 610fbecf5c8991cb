package dev.fusion.structured;

import dev.fusion.FusionException;

import java.util.List;

/**
 * A model's answer that is not a schema-valid JSON value. The engine records such a call with error
 * kind {@value #ERROR_KIND} (after at most one repair, see {@link RepairPrompt}). Immutable.
 */
public final class InvalidAnswerException extends FusionException {
    private static final long serialVersionUID = 1L;

    /** The {@code CallError} kind of a member or judge answer that stays invalid. */
    public static final String ERROR_KIND = "invalid_output";

    private final AnswerProblem problem;
    private final List<String> errors;

    /**
     * @param problem what is wrong
     * @param errors  one line per problem ("JSON Pointer: message" for schema violations), never empty
     */
    public InvalidAnswerException(AnswerProblem problem, List<String> errors) {
        super("invalid structured answer (" + problem.name().toLowerCase(java.util.Locale.ROOT) + "): "
                + String.join("; ", errors.subList(0, Math.min(5, errors.size())))
                + (errors.size() > 5 ? "; and " + (errors.size() - 5) + " more" : ""));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("errors must not be empty");
        }
        this.problem = problem;
        this.errors = List.copyOf(errors);
    }

    /** What is wrong. */
    public AnswerProblem problem() {
        return problem;
    }

    /** The problems, one line each: "JSON Pointer: message" for schema violations ({@code (root)} for the whole value). */
    public List<String> errors() {
        return errors;
    }
}
