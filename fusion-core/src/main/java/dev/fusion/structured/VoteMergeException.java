package dev.fusion.structured;

import dev.fusion.FusionException;

import java.util.List;

/**
 * The object merged by a vote (majority leaves plus the judge's picks) does not validate against the full
 * schema. It can happen only with schemas whose constraints span several leaves (e.g. {@code oneOf} over
 * object shapes, {@code dependentRequired}, {@code uniqueItems} on arrays of objects): every single leaf
 * comes from a valid answer, their combination need not. Immutable.
 */
public final class VoteMergeException extends FusionException {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    /** @param errors the validation errors of the merged object, "JSON Pointer: message" each */
    public VoteMergeException(List<String> errors) {
        super("the merged object does not validate against the schema: "
                + String.join("; ", errors.subList(0, Math.min(5, errors.size()))));
        this.errors = List.copyOf(errors);
    }

    /** The validation errors of the merged object. */
    public List<String> errors() {
        return errors;
    }
}
