package dev.fusion.embeddings;

import dev.fusion.judge.AgreementRule;

import java.util.Map;

/**
 * Makes {@link SemanticAgreement} available by name to config files: {@code strategy: cascade} with
 * {@code rule: semantic}. Registered with {@link java.util.ServiceLoader}. Stateless.
 */
public final class SemanticAgreementFactory implements AgreementRule.Factory {

    @Override
    public String name() {
        return "semantic";
    }

    @Override
    public AgreementRule create(Map<String, ?> options) {
        return SemanticAgreement.create();
    }
}
