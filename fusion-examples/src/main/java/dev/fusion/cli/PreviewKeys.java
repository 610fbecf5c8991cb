package dev.fusion.cli;

import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.FusionConfig;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code fusion preview} sends nothing, so it needs no API keys: models are resolved (provider
 * names checked, prices looked up, prompts counted) but never called. The provider registry still
 * wants a key to build an HTTP model, so preview's registry gets the placeholder {@value #PLACEHOLDER}
 * for each key variable that is not set; the real environment still decides where the panel comes
 * from, and a set key is left as it is. Stateless.
 */
final class PreviewKeys {

    /** Stands in for a missing key in preview; never sent, because preview makes no call. */
    static final String PLACEHOLDER = "preview-sends-nothing";

    private PreviewKeys() {
    }

    /** {@code env} plus the placeholder for every unset key variable of the presets and of the config's providers. */
    static Map<String, String> env(Map<String, String> env, Path config) {
        Map<String, String> out = new HashMap<>(env);
        Map<String, ProviderSpec> specs = new HashMap<>(Providers.presets());
        if (config != null) {
            try {
                specs.putAll(FusionConfig.load(config).providers());
            } catch (RuntimeException e) {
                // Setup loads the config again and reports what is wrong with it.
            }
        }
        for (ProviderSpec spec : specs.values()) {
            String var = spec.apiKeyEnv();
            if (var != null && spec.apiKey() == null) {
                String v = out.get(var);
                if (v == null || v.isBlank()) {
                    out.put(var, PLACEHOLDER);
                }
            }
        }
        return out;
    }
}
