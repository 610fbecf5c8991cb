package dev.fusion.internal;

import dev.fusion.InvalidConfigurationException;

import java.util.Map;
import java.util.Set;

/** Option parsing for {@code Strategy.parse}. Internal. */
public final class StrategyOptions {
    private StrategyOptions() {
    }


    public static void allow(String strategy, Map<String, ?> opts, String... known) {
        Set<String> ok = Set.of(known);
        for (String k : opts.keySet()) {
            if (!ok.contains(k)) {
                throw new InvalidConfigurationException("strategy " + strategy + " has no option '" + k + "'"
                        + (known.length == 0 ? " (it takes none)" : "; options: " + String.join(", ", known)));
            }
        }
    }

    public static int integer(String strategy, Map<String, ?> opts, String key, int dflt) {
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

    public static double decimal(String strategy, Map<String, ?> opts, String key, double dflt) {
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
