package dev.fusion.spring.boot.internal;

import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.FusionConfig;
import org.springframework.core.env.Environment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The providers of a configuration read from {@code fusion.*} properties ({@link PropertyTree}), with
 * API keys from Spring's {@link Environment}. Stateless.
 */
public final class PropertiesConfig {

    private PropertiesConfig() {
    }

    /**
     * The providers of a configuration, with API keys read from {@code environment}: for every
     * preset and configured provider, its {@code apiKeyEnv} variable, when the environment has it.
     */
    public static Providers providers(FusionConfig config, Environment environment) {
        Map<String, ProviderSpec> specs = new LinkedHashMap<>(Providers.presets());
        specs.putAll(config.providers());
        Map<String, String> keys = new LinkedHashMap<>();
        for (ProviderSpec spec : specs.values()) {
            String var = spec.apiKeyEnv();
            if (var != null && !var.isBlank() && !keys.containsKey(var)) {
                String value = environment.getProperty(var);
                if (value != null && !value.isBlank()) {
                    keys.put(var, value);
                }
            }
        }
        return Providers.builder().env(keys).build();
    }
}
