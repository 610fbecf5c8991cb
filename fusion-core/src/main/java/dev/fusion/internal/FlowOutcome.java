package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.CallRecord;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.Ranking;

import java.util.List;
import java.util.Map;

/**
 * What a strategy's {@link Flow} hands to the result assembly: the final answer and what the strategy
 * adds to the result. Immutable.
 *
 * @param answer     the final answer, or null in the outcome so far of a flow whose judges all failed
 * @param judged     whether a judge wrote or chose it
 * @param candidates the answers the judge worked on, in panel order: what {@code best-answer} picks from
 * @param analysis   the analyze strategy's analysis, or null
 * @param ranking    the select-best strategy's ranking, or null
 * @param cascade    the cascade strategy's path, or null
 * @param answerJson the structured answer the flow settled (schema-valid), or null (read from the answer then)
 * @param agreement  the vote's agreement per JSON Pointer (empty unless {@code vote})
 * @param toolCalls  the decided tool calls of a tool step (empty: none)
 * @param decidedBy  how a tool step was decided, or null when the request offered no tools
 */
record FlowOutcome(String answer, boolean judged, List<CallRecord> candidates, Analysis analysis, Ranking ranking,
                   CascadeOutcome cascade, JsonNode answerJson, Map<String, Double> agreement,
                   List<dev.fusion.model.ToolCall> toolCalls, dev.fusion.DecidedBy decidedBy) {

    FlowOutcome(String answer, boolean judged, List<CallRecord> candidates, Analysis analysis, Ranking ranking,
                CascadeOutcome cascade, JsonNode answerJson, Map<String, Double> agreement) {
        this(answer, judged, candidates, analysis, ranking, cascade, answerJson, agreement, List.of(), null);
    }

    FlowOutcome {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        candidates = List.copyOf(candidates);
        agreement = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(agreement)); // in pointer order
    }

    /** The outcome so far of a flow judging {@code candidates}: no answer yet, nothing added. */
    static FlowOutcome of(List<CallRecord> candidates) {
        return new FlowOutcome(null, false, candidates, null, null, null, null, Map.of());
    }

    /** With the analyze strategy's analysis. */
    FlowOutcome withAnalysis(Analysis a) {
        return new FlowOutcome(answer, judged, candidates, a, ranking, cascade, answerJson, agreement, toolCalls, decidedBy);
    }

    /** With the select-best strategy's ranking. */
    FlowOutcome withRanking(Ranking r) {
        return new FlowOutcome(answer, judged, candidates, analysis, r, cascade, answerJson, agreement, toolCalls, decidedBy);
    }

    /** With the cascade's path. */
    FlowOutcome withCascade(CascadeOutcome c) {
        return new FlowOutcome(answer, judged, candidates, analysis, ranking, c, answerJson, agreement, toolCalls, decidedBy);
    }

    /** With the structured answer the flow settled and, for a vote, its agreement per JSON Pointer. */
    FlowOutcome withJson(JsonNode json, Map<String, Double> agreementByPointer) {
        return new FlowOutcome(answer, judged, candidates, analysis, ranking, cascade, json, agreementByPointer, toolCalls,
                decidedBy);
    }

    /** With a tool step's decision: the calls (empty: a final answer) and how it was decided. */
    FlowOutcome withToolDecision(List<dev.fusion.model.ToolCall> calls, dev.fusion.DecidedBy how) {
        return new FlowOutcome(answer, judged, candidates, analysis, ranking, cascade, answerJson, agreement, calls, how);
    }

    /** This outcome with another final answer (the degradation to the best unjudged answer). */
    FlowOutcome withAnswer(String answer, boolean judged) {
        return new FlowOutcome(answer, judged, candidates, analysis, ranking, cascade, answerJson, agreement, toolCalls,
                decidedBy);
    }
}
