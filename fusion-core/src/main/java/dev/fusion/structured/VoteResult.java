package dev.fusion.structured;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a structured vote: the merged object (valid against the full schema), the agreement per
 * leaf, and which leaves the judge settled. Immutable.
 *
 * @param json      the merged value (a copy on every access), valid against the schema
 * @param agreement for every leaf present in {@code json}, by JSON Pointer in document order, the fraction
 *                  of the valid answers that support the value chosen (in (0, 1])
 * @param judged    the pointers of the leaves the judge settled (empty when every leaf had a majority)
 */
public record VoteResult(JsonNode json, Map<String, Double> agreement, List<String> judged) {

    public VoteResult {
        json = json.deepCopy();
        agreement = Collections.unmodifiableMap(new LinkedHashMap<>(agreement));
        judged = List.copyOf(judged);
    }

    /** The merged value (a copy). */
    @Override
    public JsonNode json() {
        return json.deepCopy();
    }

    /** Whether the judge was needed. */
    public boolean judgeUsed() {
        return !judged.isEmpty();
    }
}
