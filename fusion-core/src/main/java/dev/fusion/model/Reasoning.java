package dev.fusion.model;

import dev.fusion.InvalidConfigurationException;

import java.util.Objects;

/**
 * A reasoning setting: either an {@link Effort} level or a token budget for thinking, never both.
 * Reasoning tokens are billed as output and counted inside the request's max output tokens by
 * every supported vendor, so the budget's worst case is the max output already reserved. Immutable.
 *
 * @param effort       the effort level, or null when a budget is given
 * @param budgetTokens the thinking budget in tokens, or null when an effort is given
 */
public record Reasoning(Effort effort, Integer budgetTokens) {

    public Reasoning {
        if ((effort == null) == (budgetTokens == null)) {
            throw new InvalidConfigurationException("a reasoning setting is either an effort (low, medium, high) or a"
                    + " token budget, exactly one of them");
        }
        if (budgetTokens != null && budgetTokens <= 0) {
            throw new InvalidConfigurationException("the reasoning token budget must be positive, was " + budgetTokens);
        }
    }

    /** Reasoning at this effort level. */
    public static Reasoning of(Effort effort) {
        return new Reasoning(Objects.requireNonNull(effort, "effort"), null);
    }

    /**
     * Reasoning with this thinking budget in tokens.
     *
     * @throws InvalidConfigurationException when {@code tokens} is zero or negative
     */
    public static Reasoning tokens(int tokens) {
        return new Reasoning(null, tokens);
    }

    /** Whether this is a token budget (else an effort level). */
    public boolean isBudget() {
        return budgetTokens != null;
    }
}
