package dev.fusion.cli.tune;

/** What a call made by {@code fusion tune} is for; recorded with every cached answer. */
public enum CallKind {
    /** A panel member's answer (or a single model answering alone). */
    MEMBER,
    /** A judge's call (synthesis, ranking, analysis, ...), made by the real engine. */
    JUDGE,
    /** A grader model scoring an answer against a rubric. */
    GRADER
}
