package dev.fusion.structured;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Objects;

/**
 * A leaf of a vote on which no value holds a strict majority of the answers that have the leaf's parent:
 * its JSON Pointer and the distinct candidate values, each with the answers that gave it (indices into the
 * answer list given to {@link StructuredVote#tally}; no model names). Immutable.
 *
 * @param pointer    RFC 6901 JSON Pointer of the leaf, e.g. {@code /sentiment} or {@code /items/0/sku}
 * @param candidates the distinct values, most supported first (ties: the earliest answer first)
 */
public record DisputedLeaf(String pointer, List<Candidate> candidates) {

    public DisputedLeaf {
        Objects.requireNonNull(pointer, "pointer");
        candidates = List.copyOf(candidates);
    }

    /**
     * One candidate value of a disputed leaf.
     *
     * @param value   the value, as most of its supporters spelled it (a copy); {@code null} when the candidate
     *                is "absent" (an optional field left out)
     * @param answers the 0-based indices of the answers that gave this value (after normalisation)
     */
    public record Candidate(JsonNode value, List<Integer> answers) {

        public Candidate {
            value = value == null ? null : value.deepCopy();
            answers = List.copyOf(answers);
        }

        /** The value (a copy), or {@code null} for "absent". */
        @Override
        public JsonNode value() {
            return value == null ? null : value.deepCopy();
        }

        /** Whether this candidate is "leave the field out". */
        public boolean absent() {
            return value == null;
        }

        /** How many answers gave this value. */
        public int support() {
            return answers.size();
        }
    }
}
