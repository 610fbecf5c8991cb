package dev.fusion.spring.boot.internal;

import dev.fusion.InvalidConfigurationException;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Refuses property names under {@code fusion.*} that bind to nothing: the names are walked against the
 * properties record's components (relaxed: {@code budget-usd}, {@code budgetUsd} and {@code BUDGET_USD} are one
 * key), maps taking any key and lists any index, so {@code fusion.qourum=2} fails start-up naming
 * {@code fusion.qourum}. Environment variables are not checked (other FUSION_* variables belong to the
 * CLI). Stateless.
 */
public final class UnknownKeys {
    private UnknownKeys() {
    }

    /**
     * @throws InvalidConfigurationException naming every unknown {@code fusion.*} property
     */
    public static void check(Environment environment, Class<? extends Record> root, String prefix) {
        ConfigurationPropertyName top = ConfigurationPropertyName.of(prefix);
        TreeSet<String> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)
                    || source.getUnderlyingSource() instanceof org.springframework.core.env.SystemEnvironmentPropertySource) {
                continue; // variables such as FUSION_LOCAL_PROBE are the CLI's, not misspelt fusion.* properties
            }
            iterable.filter(top::isAncestorOf).forEach(name -> {
                if (!known(root, name, top.getNumberOfElements())) {
                    unknown.add(name.toString());
                }
            });
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException("unknown " + (unknown.size() == 1 ? "property " : "properties ")
                    + String.join(", ", unknown.stream().map(n -> "'" + n + "'").toList())
                    + "; the fusion.* keys are those of the configuration file (see docs/configuration.md)");
        }
    }

    private static boolean known(Type type, ConfigurationPropertyName name, int index) {
        if (index >= name.getNumberOfElements()) {
            return true;
        }
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (Map.class.isAssignableFrom(raw)) {
            Type value = type instanceof ParameterizedType p ? p.getActualTypeArguments()[1] : Object.class;
            return value == Object.class || known(value, name, index + 1);
        }
        if (Collection.class.isAssignableFrom(raw)) {
            if (!name.isNumericIndex(index)) {
                return false;
            }
            Type element = type instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
            return known(element, name, index + 1);
        }
        if (!raw.isRecord()) {
            return false; // a scalar has no keys below it
        }
        String element = name.getElement(index, ConfigurationPropertyName.Form.UNIFORM);
        for (RecordComponent c : raw.getRecordComponents()) {
            if (c.getName().toLowerCase(Locale.ROOT).equals(element)) {
                return known(c.getGenericType(), name, index + 1);
            }
        }
        return false;
    }
}
