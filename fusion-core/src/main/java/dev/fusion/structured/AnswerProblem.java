package dev.fusion.structured;

/** What is wrong with a model's structured answer; see {@link InvalidAnswerException}. */
public enum AnswerProblem {
    /** The answer was empty or only whitespace. */
    EMPTY,
    /** The answer was longer than {@link StructuredSchema#MAX_ANSWER_CHARS}. */
    TOO_LARGE,
    /** The JSON nests deeper than {@link StructuredSchema#MAX_ANSWER_DEPTH}. */
    TOO_DEEP,
    /** The text is not one JSON value (syntax error, duplicate key, unclosed code fence, prose before it). */
    NOT_JSON,
    /** One JSON value followed by more text. */
    TRAILING_CONTENT,
    /** Well-formed JSON that the schema rejects; {@link InvalidAnswerException#errors()} says where and why. */
    SCHEMA_VIOLATION
}
