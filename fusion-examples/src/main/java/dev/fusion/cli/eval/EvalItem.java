package dev.fusion.cli.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One line of an eval data set: {@code {"id": "q1", "question": "...", "reference": "...",
 * "grading": "exact|contains|regex|judge"}}. {@code id} defaults to the line number, {@code grading}
 * to {@code contains}. Immutable.
 */
public record EvalItem(String id, String question, String reference, Grading grading) {

    /** How an answer is scored against the reference. */
    public enum Grading {
        /** Equal after normalization (case, whitespace, surrounding punctuation). */
        EXACT,
        /** The normalized answer contains the normalized reference. */
        CONTAINS,
        /** The reference is a regular expression found in the answer (case-insensitive). */
        REGEX,
        /** A grader model decides whether the answer agrees with the reference. */
        JUDGE;

        public static Grading parse(String s, int line) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + line + ": grading must be exact, contains, regex or judge, was '" + s + "'");
            }
        }
    }

    public EvalItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(grading, "grading");
    }

    /** Parses one JSON line; {@code line} is 1-based, for messages. */
    public static EvalItem parse(JsonNode n, int line) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("line " + line + ": expected a JSON object with question and reference");
        }
        String q = text(n, "question", line);
        String ref = text(n, "reference", line);
        Grading g = n.hasNonNull("grading") ? Grading.parse(n.get("grading").asText(), line) : Grading.CONTAINS;
        if (g == Grading.REGEX) {
            try {
                Pattern.compile(ref);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("line " + line + ": reference is not a valid regex: " + e.getDescription());
            }
        }
        String id = n.hasNonNull("id") ? n.get("id").asText() : "line-" + line;
        return new EvalItem(id, q, ref, g);
    }

    private static String text(JsonNode n, String field, int line) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new IllegalArgumentException("line " + line + ": missing \"" + field + "\"");
        }
        return v.asText();
    }
}
