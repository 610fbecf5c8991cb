package dev.fusion.spring.boot.internal;

import dev.fusion.InvalidConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an invalid Fusion configuration at start-up into Spring Boot's "APPLICATION FAILED TO
 * START" report: what is wrong (the property and the rule, as the config file says it) and what to do.
 */
public final class FusionFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationException cause) {
        return new FailureAnalysis("Fusion could not be configured: " + cause.getMessage(),
                "Fix the fusion.* property named above (keys as in Fusion's config file, in relaxed form: "
                        + "fusion.panel, fusion.judge, fusion.budget-usd, fusion.providers.<name>.base-url, "
                        + "fusion.prices[provider:model].input, ...), define your own Fusion bean, "
                        + "or set fusion.enabled=false.", cause);
    }
}
