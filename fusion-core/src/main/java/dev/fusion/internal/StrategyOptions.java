package dev.fusion.internal;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatModel;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Option parsing for {@code Strategy.parse}: {@link #configure} hands the options to the kind's
 * {@link StrategyDefinition} (in its flow file), which checks them with the helpers here. Internal;
 * public only for {@code Strategy.parse} in {@code dev.fusion.judge}.
 */
public final class StrategyOptions {
    private StrategyOptions() {
    }

    /**
     * {@code kind}'s strategy from configuration options (their names checked, their values parsed).
     *
     * @param name   the configured name, normalized (for messages)
     * @param opts   the options (never null)
     * @param models resolves {@code provider:model} names (the cascade's flagships), or null
     * @throws InvalidConfigurationException for an unknown option or a bad value
     */
    public static Strategy configure(StrategyKind kind, String name, Map<String, ?> opts,
                                     Function<String, ChatModel> models) {
        return StrategyRegistry.parse(kind, name, opts, models);
    }

    /** Refuses an option that is not one of {@code known}. */
    static void allow(String strategy, Map<String, ?> opts, String... known) {
        Set<String> ok = Set.of(known);
        for (String k : opts.keySet()) {
            if (!ok.contains(k)) {
                throw new InvalidConfigurationException("strategy " + strategy + " has no option '" + k + "'"
                        + (known.length == 0 ? " (it takes none)" : "; options: " + String.join(", ", known)));
            }
        }
    }

    /** A whole-number option, or {@code dflt} when absent. */
    static int integer(String strategy, Map<String, ?> opts, String key, int dflt) {
        Object v = opts.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return v instanceof Number num ? Math.toIntExact(num.longValue()) : Integer.parseInt(v.toString().trim());
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("strategy " + strategy + ": " + key + " must be a whole number, was '"
                    + v + "'");
        }
    }

    /** A decimal option, or {@code dflt} when absent. */
    static double decimal(String strategy, Map<String, ?> opts, String key, double dflt) {
        Object v = opts.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("strategy " + strategy + ": " + key + " must be a number, was '"
                    + v + "'");
        }
    }
}
