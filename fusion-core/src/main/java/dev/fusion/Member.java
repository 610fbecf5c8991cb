package dev.fusion;

import dev.fusion.model.ChatModel;
import dev.fusion.model.Effort;
import dev.fusion.model.ExtraBody;
import dev.fusion.model.Reasoning;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A panel member: a model plus how it is called. Immutable.
 *
 * @param id          unique name within a panel, shown in the ledger (defaults to {@code provider:model})
 * @param model       the model
 * @param timeout     this member's timeout (all attempts included), or null for the Fusion default
 * @param retry       this member's retry policy, or null for the Fusion default
 * @param temperature temperature for this member, or null for the request's
 * @param seed        sampling seed for this member, or null (Self-MoA varies it across samples)
 * @param reasoning   this member's reasoning setting, or null for the request's
 * @param extraBody   fields merged into this member's request body as they are (never null; immutable;
 *                    see {@link ExtraBody}); one colliding with a field Fusion sets is a configuration error
 */
public record Member(String id, ChatModel model, Duration timeout, RetryPolicy retry, Double temperature, Long seed,
                     Reasoning reasoning, Map<String, Object> extraBody) {

    public Member {
        Objects.requireNonNull(model, "model");
        id = id == null ? model.ref().toString() : id;
        if (id.isBlank()) {
            throw new InvalidConfigurationException("a member id cannot be blank; leave it null to use provider:model");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InvalidConfigurationException("member '" + id + "' timeout must be positive, was " + timeout);
        }
        try {
            extraBody = ExtraBody.copyOf(extraBody);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException("member '" + id + "': " + e.getMessage(), e);
        }
    }

    /** A member without its own reasoning setting or extra body (the form before issue 14). */
    public Member(String id, ChatModel model, Duration timeout, RetryPolicy retry, Double temperature, Long seed) {
        this(id, model, timeout, retry, temperature, seed, null, Map.of());
    }

    /** A member named {@code provider:model} with the Fusion defaults. */
    public static Member of(ChatModel model) {
        return new Member(null, model, null, null, null, null);
    }

    /** A member with an explicit name. */
    public static Member of(String id, ChatModel model) {
        return new Member(id, model, null, null, null, null);
    }

    public Member withTimeout(Duration timeout) {
        return new Member(id, model, timeout, retry, temperature, seed, reasoning, extraBody);
    }

    public Member withRetry(RetryPolicy retry) {
        return new Member(id, model, timeout, retry, temperature, seed, reasoning, extraBody);
    }

    public Member withTemperature(Double temperature) {
        return new Member(id, model, timeout, retry, temperature, seed, reasoning, extraBody);
    }

    public Member withSeed(Long seed) {
        return new Member(id, model, timeout, retry, temperature, seed, reasoning, extraBody);
    }

    /** This member with its own reasoning setting (null: the request's). */
    public Member withReasoning(Reasoning reasoning) {
        return new Member(id, model, timeout, retry, temperature, seed, reasoning, extraBody);
    }

    /** This member reasoning at {@code effort}, whatever the request says. */
    public Member withReasoning(Effort effort) {
        return withReasoning(Reasoning.of(effort));
    }

    /**
     * This member with extra request-body fields (e.g. OpenRouter's {@code provider} preferences),
     * replacing any set before. Values must be JSON (see {@link ExtraBody}).
     *
     * @throws InvalidConfigurationException for a value that is not JSON
     */
    public Member withExtraBody(Map<String, ?> extraBody) {
        return new Member(id, model, timeout, retry, temperature, seed, reasoning, ExtraBody.copyOf(extraBody));
    }

    @Override
    public String toString() {
        return "Member[" + id + " -> " + model.ref() + "]";
    }
}
