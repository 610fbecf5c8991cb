package dev.fusion.structured;

import java.util.Objects;

/**
 * What to send the judge about the disputed leaves of a vote: a system prompt (the same for every vote, so
 * prompt caches can hit), the user prompt (the question, the agreed fields, each disputed field with its
 * anonymized candidates), and the schema the judge's answer must satisfy (one property per disputed
 * pointer, its value one of the candidates). The candidates' values are carried by the schema alone (each
 * field's {@code enum}); the prompt names them by position in that enum, so send the schema with the prompt
 * (as the response format). Immutable.
 *
 * @param system the system prompt
 * @param user   the user prompt
 * @param schema the judge's answer schema ({@link StructuredVote#disputedSchema()})
 */
public record DisputeRequest(String system, String user, StructuredSchema schema) {

    public DisputeRequest {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(schema, "schema");
    }
}
