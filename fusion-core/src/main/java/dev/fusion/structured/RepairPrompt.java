package dev.fusion.structured;

import java.util.List;
import java.util.Objects;

/**
 * The one message sent back to a model whose structured answer was invalid, asking for a corrected
 * answer. Bounded: the previous answer is clipped to {@link #MAX_ANSWER_ECHO} characters and the errors to
 * {@link #MAX_ERRORS} lines of at most {@link #MAX_ERROR_CHARS} characters. Stateless, thread-safe.
 */
public final class RepairPrompt {

    /** Most characters of the invalid answer quoted back. */
    public static final int MAX_ANSWER_ECHO = 4_000;
    /** Most error lines listed. */
    public static final int MAX_ERRORS = 10;
    /** Longest error line. */
    public static final int MAX_ERROR_CHARS = 300;

    private RepairPrompt() {
    }

    /**
     * The repair message for an answer and why it was refused.
     *
     * @param invalidAnswer the model's answer text, as received
     * @param problem       why it was refused
     */
    public static String of(String invalidAnswer, InvalidAnswerException problem) {
        Objects.requireNonNull(problem, "problem");
        String answer = invalidAnswer == null ? "" : invalidAnswer;
        StringBuilder sb = new StringBuilder(512 + Math.min(answer.length(), MAX_ANSWER_ECHO));
        sb.append("Your previous answer cannot be used: ").append(describe(problem.problem())).append('\n');
        sb.append("Problems:\n");
        List<String> errors = problem.errors();
        for (int i = 0; i < Math.min(errors.size(), MAX_ERRORS); i++) {
            sb.append("- ").append(clip(errors.get(i), MAX_ERROR_CHARS)).append('\n');
        }
        if (errors.size() > MAX_ERRORS) {
            sb.append("- … and ").append(errors.size() - MAX_ERRORS).append(" more\n");
        }
        if (problem.problem() != AnswerProblem.TOO_LARGE && !answer.isBlank()) {
            sb.append("\nYour previous answer");
            if (answer.length() > MAX_ANSWER_ECHO) {
                sb.append(" (first ").append(MAX_ANSWER_ECHO).append(" characters)");
            }
            sb.append(":\n").append(clip(answer, MAX_ANSWER_ECHO)).append("\n");
        }
        sb.append("\nReply again with only the corrected JSON value, valid against the required JSON Schema:"
                + " no code fence, no text before or after it.");
        return sb.toString();
    }

    private static String describe(AnswerProblem p) {
        return switch (p) {
            case EMPTY -> "it was empty.";
            case TOO_LARGE -> "it was too long.";
            case TOO_DEEP -> "its JSON nests too deeply.";
            case NOT_JSON -> "it is not valid JSON.";
            case TRAILING_CONTENT -> "it has text after the JSON value.";
            case SCHEMA_VIOLATION -> "it does not match the required JSON Schema.";
        };
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
