package dev.fusion;

import java.util.Optional;

/**
 * The purpose of a call within its strategy, as recorded in {@link CallRecord#step()} (its
 * {@link #wireName()}, unchanged in JSON and events). Panel steps first, then judge steps.
 */
public enum CallStep {
    /** A panel member answers the question (round 1, and every round of {@code cascade}'s cheap panel). */
    ANSWER("answer"),
    /** A {@code layered} round 2..K: a member refines its answer with the others' as references. */
    REFINE("refine"),
    /** A {@code cascade}'s flagship answers after the cheap answers disagreed. */
    ESCALATE("escalate"),
    /** {@code vote}: a member's structured answer was invalid; it is asked once more with the errors (round 2). */
    REPAIR("repair"),
    /** The judge merges the answers into the final one. */
    SYNTHESIZE("synthesize"),
    /** {@code analyze}: the judge's structured analysis of the answers. */
    ANALYZE("analyze"),
    /** {@code analyze}: the analysis asked again after an unparseable reply. */
    ANALYZE_RETRY("analyze-retry"),
    /** {@code analyze}: the judge writes the final answer from its analysis. */
    WRITE("write"),
    /** {@code select-best}: the judge ranks the answers. */
    RANK("rank"),
    /** {@code select-best}: the second ranking, answers in reverse order. */
    RANK_REVERSED("rank-reversed"),
    /** {@code select-best}: a ranking asked again after an unparseable reply. */
    RANK_RETRY("rank-retry"),
    /** {@code select-best}: the reversed ranking asked again after an unparseable reply. */
    RANK_REVERSED_RETRY("rank-reversed-retry"),
    /** {@code vote}: the judge settles the fields without a majority. */
    RESOLVE("resolve"),
    /** {@code vote}: the settlement asked again after an invalid reply. */
    RESOLVE_RETRY("resolve-retry"),
    /** With a schema, any strategy but {@code vote}: the judge's final answer asked again after it did not match the schema. */
    STRUCTURED_RETRY("structured-retry"),
    /** The judge decides a tool step from the panel's anonymized proposals (a request with tools). */
    DECIDE("decide"),
    /**
     * A panel member's step that called research tools (see {@code Fusion.Builder.researchTool}): the record
     * carries the calls and a bounded excerpt of each result; the member's last step is its {@code answer}.
     */
    RESEARCH("research");

    private final String wireName;

    CallStep(String wireName) {
        this.wireName = wireName;
    }

    /** The name in {@link CallRecord#step()}, JSON and {@link FusionEvent.JudgeStarted#step()}. */
    public String wireName() {
        return wireName;
    }

    /** The step with this wire name, if it is one. */
    public static Optional<CallStep> fromWireName(String name) {
        for (CallStep s : values()) {
            if (s.wireName.equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
