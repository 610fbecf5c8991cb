package dev.fusion.judge;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.internal.StrategyOptions;
import dev.fusion.model.ChatModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The kinds of {@link Strategy}, each with its configuration (wire) name and how its configuration
 * options build it ({@link Strategy#parse(String, Map, Function)} asks the kind). This enum is where a
 * strategy is registered: a constant states its name and options; the engine selects the strategy's
 * behaviour (its flow, one file per strategy) with an exhaustive {@code switch} over this enum, so a
 * kind added here without its behaviour is a compile error, never a silent fallback.
 */
public enum StrategyKind {
    SYNTHESIZE("synthesize") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts);
            return Strategy.synthesize();
        }
    },
    ANALYZE("analyze") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts);
            return Strategy.analyze();
        }
    },
    SELECT_BEST("select-best") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts, "rounds");
            int rounds = StrategyOptions.integer(name, opts, "rounds", 2);
            if (rounds != 1 && rounds != 2) {
                throw new InvalidConfigurationException("strategy select-best: rounds must be 1 or 2, was " + rounds);
            }
            return Strategy.selectBest(rounds == 2);
        }
    },
    SELF_MOA("self-moa") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts, "samples", "minTemperature", "maxTemperature");
            return new Strategy.SelfMoa(StrategyOptions.integer(name, opts, "samples", 4),
                    StrategyOptions.decimal(name, opts, "minTemperature", 0.7),
                    StrategyOptions.decimal(name, opts, "maxTemperature", 1.0));
        }
    },
    LAYERED("layered") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts, "rounds");
            return Strategy.layered(StrategyOptions.integer(name, opts, "rounds", 2));
        }
    },
    CASCADE("cascade") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts, "agree", "maxChars", "flagships", "rule");
            Object agree = opts.get("agree");
            int min = agree == null || "all".equalsIgnoreCase(agree.toString().trim()) ? Strategy.Cascade.ALL
                    : StrategyOptions.integer(name, opts, "agree", 0);
            AgreementRule rule = AgreementRule.byName(opts.get("rule") == null ? null : opts.get("rule").toString(),
                    opts, StrategyOptions.integer(name, opts, "maxChars", 200));
            Strategy.Cascade c = Strategy.cascade(rule, min);
            Object fl = opts.get("flagships");
            if (fl != null) {
                if (models == null) {
                    throw new InvalidConfigurationException("strategy cascade: flagships need a model resolver;"
                            + " use Strategy.parse(name, options, models)");
                }
                List<String> refs = fl instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                        : Arrays.stream(fl.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                List<Member> members = new ArrayList<>();
                for (String ref : refs) {
                    members.add(Member.of(Objects.requireNonNull(models.apply(ref), "no model for flagship " + ref)));
                }
                c = c.withFlagships(members);
            }
            return c;
        }
    },
    /** Leaf-by-leaf majority vote over schema-valid answers; only disputed fields go to the judge. */
    VOTE("vote") {
        @Override
        Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
            StrategyOptions.allow(name, opts);
            return Strategy.vote();
        }
    };

    private final String wireName;

    StrategyKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name in configuration files, the CLI's {@code --strategy} and {@code FusionResult.strategy()}. */
    public String wireName() {
        return wireName;
    }

    /**
     * This kind's strategy from configuration options (their names checked, their values parsed).
     *
     * @param name   the configured name, normalized (for messages)
     * @param opts   the options (never null)
     * @param models resolves {@code provider:model} names (the cascade's flagships), or null
     * @throws InvalidConfigurationException for an unknown option or a bad value
     */
    abstract Strategy configure(String name, Map<String, ?> opts, Function<String, ChatModel> models);

    /** The kind with this configuration name (case and surrounding blanks ignored), if any. */
    public static Optional<StrategyKind> fromWireName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (StrategyKind k : values()) {
            if (k.wireName.equals(n)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
