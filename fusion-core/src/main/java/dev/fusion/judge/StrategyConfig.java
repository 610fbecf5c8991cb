package dev.fusion.judge;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.model.ChatModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Option parsing for {@link Strategy#parse(String, Map, Function)}: one case per {@link StrategyKind}
 * (the switch has no default, so a new kind without its options does not compile). Lives in the API
 * package so that parsing a strategy never reaches into the engine. Stateless and thread-safe.
 */
final class StrategyConfig {
    private StrategyConfig() {
    }

    /**
     * {@code kind}'s strategy from configuration options (their names checked, their values parsed).
     *
     * @param name   the configured name, normalized (for messages)
     * @param opts   the options (never null)
     * @param models resolves {@code provider:model} names (the cascade's flagships), or null
     * @throws InvalidConfigurationException for an unknown option or a bad value
     */
    static Strategy parse(StrategyKind kind, String name, Map<String, ?> opts, Function<String, ChatModel> models) {
        return switch (kind) {
            case SYNTHESIZE -> {
                allow(name, opts);
                yield Strategy.synthesize();
            }
            case ANALYZE -> {
                allow(name, opts);
                yield Strategy.analyze();
            }
            case VOTE -> {
                allow(name, opts);
                yield Strategy.vote();
            }
            case SELECT_BEST -> {
                allow(name, opts, "rounds");
                int rounds = integer(name, opts, "rounds", 2);
                if (rounds != 1 && rounds != 2) {
                    throw new InvalidConfigurationException("strategy select-best: rounds must be 1 or 2, was " + rounds);
                }
                yield Strategy.selectBest(rounds == 2);
            }
            case SELF_MOA -> {
                allow(name, opts, "samples", "minTemperature", "maxTemperature");
                yield new Strategy.SelfMoa(integer(name, opts, "samples", 4),
                        decimal(name, opts, "minTemperature", 0.7),
                        decimal(name, opts, "maxTemperature", 1.0));
            }
            case LAYERED -> {
                allow(name, opts, "rounds");
                yield Strategy.layered(integer(name, opts, "rounds", 2));
            }
            case CASCADE -> cascade(name, opts, models);
        };
    }

    private static Strategy.Cascade cascade(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
        allow(name, opts, "agree", "maxChars", "flagships", "rule");
        Object agree = opts.get("agree");
        int min = agree == null || "all".equalsIgnoreCase(agree.toString().trim()) ? Strategy.Cascade.ALL
                : integer(name, opts, "agree", 0);
        AgreementRule rule = AgreementRule.byName(opts.get("rule") == null ? null : opts.get("rule").toString(),
                opts, integer(name, opts, "maxChars", 200));
        Strategy.Cascade c = Strategy.cascade(rule, min);
        Object fl = opts.get("flagships");
        if (fl != null) {
            if (models == null) {
                throw new InvalidConfigurationException("strategy cascade: flagships need a model resolver;"
                        + " use Strategy.parse(name, options, models)");
            }
            List<String> refs = fl instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                    : Arrays.stream(fl.toString().split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
            List<Member> members = new ArrayList<>();
            for (String ref : refs) {
                members.add(Member.of(Objects.requireNonNull(models.apply(ref), "no model for flagship " + ref)));
            }
            c = c.withFlagships(members);
        }
        return c;
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
