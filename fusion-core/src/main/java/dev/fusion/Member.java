package dev.fusion;

import dev.fusion.model.ChatModel;

import java.time.Duration;
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
 */
public record Member(String id, ChatModel model, Duration timeout, RetryPolicy retry, Double temperature, Long seed) {

    public Member {
        Objects.requireNonNull(model, "model");
        id = id == null ? model.ref().toString() : id;
        if (id.isBlank()) {
            throw new InvalidConfigurationException("a member id cannot be blank; leave it null to use provider:model");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InvalidConfigurationException("member '" + id + "' timeout must be positive, was " + timeout);
        }
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
        return new Member(id, model, timeout, retry, temperature, seed);
    }

    public Member withRetry(RetryPolicy retry) {
        return new Member(id, model, timeout, retry, temperature, seed);
    }

    public Member withTemperature(Double temperature) {
        return new Member(id, model, timeout, retry, temperature, seed);
    }

    public Member withSeed(Long seed) {
        return new Member(id, model, timeout, retry, temperature, seed);
    }

    @Override
    public String toString() {
        return "Member[" + id + " -> " + model.ref() + "]";
    }
}
