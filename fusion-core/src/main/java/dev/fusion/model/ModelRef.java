package dev.fusion.model;

import java.util.Objects;

/**
 * Identifies a model at a provider: {@code provider:model}, for example
 * {@code openrouter:deepseek/deepseek-v4-pro} or {@code anthropic:claude-opus-4-8}.
 * The provider part is everything before the first colon; the model id may itself contain colons
 * and slashes. Used to look up prices and to name calls in the ledger. Immutable.
 *
 * @param provider provider name as configured (lower-case letters, digits, {@code -_.})
 * @param model    the provider's model id
 */
public record ModelRef(String provider, String model) {

    public ModelRef {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        if (provider.isBlank()) {
            throw new IllegalArgumentException("model reference has an empty provider; write it as provider:model, e.g. openai:gpt-5-mini");
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException("model reference '" + provider + ":' has an empty model id; write it as provider:model, e.g. openai:gpt-5-mini");
        }
    }

    /**
     * Parses {@code provider:model}.
     *
     * @throws IllegalArgumentException when there is no colon or either side is empty
     */
    public static ModelRef parse(String text) {
        Objects.requireNonNull(text, "model reference");
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("model reference '" + text
                    + "' has no provider; write it as provider:model, e.g. openrouter:" + text);
        }
        return new ModelRef(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
    }

    /**
     * Equal when provider and model are: the record's own rule, written out because the generated
     * one goes through a method-handle bootstrap, and a ref is a map key on every call's pricing.
     */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof ModelRef r && provider.equals(r.provider) && model.equals(r.model);
    }

    @Override
    public int hashCode() {
        return 31 * provider.hashCode() + model.hashCode();
    }

    /** {@code provider:model}. */
    @Override
    public String toString() {
        return provider + ":" + model;
    }
}
