package dev.fusion.spring.boot.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Masks, in Actuator's {@code env} and {@code configprops} endpoints, the variables that hold Fusion's
 * API keys: every name a provider's {@code api-key-env} gives, and the {@code *_API_KEY} variables the
 * built-in provider presets read. Spring Boot shows values when {@code show-values} is on and masks
 * only what a {@link SanitizingFunction} recognises, and a variable named by configuration (say
 * {@code MY_LLM_CREDS}) has nothing in its name to recognise. Names are compared ignoring case.
 * Immutable and thread-safe.
 */
public final class ApiKeySanitizer implements SanitizingFunction {

    private final Set<String> names;

    /** @param config the {@code fusion.*} properties as the config file's tree ({@link PropertyTree#lenient}) */
    public ApiKeySanitizer(JsonNode config) {
        Set<String> n = new TreeSet<>();
        if (config != null) {
            config.path("providers").forEach(p -> {
                JsonNode var = p.path("apiKeyEnv");
                // a value that reads as a key, not a name, is masked as the property's value (below), never listed
                if (var.isValueNode() && !var.asText().isBlank()
                        && dev.fusion.providers.internal.Printable.looksLikeAVariableName(var.asText().trim())) {
                    n.add(var.asText().trim().toUpperCase(Locale.ROOT));
                }
            });
        }
        this.names = Set.copyOf(n);
    }

    /** Whether a property or variable with this name holds a key Fusion reads. */
    public boolean holdsKey(String name) {
        if (name == null) {
            return false;
        }
        String upper = name.toUpperCase(Locale.ROOT);
        return names.contains(upper) || upper.endsWith("_API_KEY");
    }

    /**
     * Whether a property names a provider's key variable ({@code fusion.providers.x.api-key-env}) with a value
     * that reads as the key itself, pasted where the variable's name belongs.
     */
    static boolean pastedKey(String name, Object value) {
        if (name == null || value == null) {
            return false;
        }
        String uniform = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return uniform.endsWith("apikeyenv")
                && !dev.fusion.providers.internal.Printable.looksLikeAVariableName(String.valueOf(value).trim());
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        return data.getValue() != null && (holdsKey(data.getKey()) || pastedKey(data.getKey(), data.getValue()))
                ? data.withSanitizedValue() : data;
    }

    @Override
    public String toString() {
        return "ApiKeySanitizer" + names;
    }
}
