package dev.fusion.judge;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The kinds of {@link Strategy}, each with its configuration (wire) name. {@link Strategy#parse(String, Map, Function)}
 * finds the kind by name; how a kind's options build its strategy and how it behaves live together in the
 * engine, one file per strategy, registered for its kind in one exhaustive {@code switch} over this enum, so
 * a kind added here without its behaviour is a compile error, never a silent fallback.
 */
public enum StrategyKind {
    SYNTHESIZE("synthesize"),
    ANALYZE("analyze"),
    SELECT_BEST("select-best"),
    SELF_MOA("self-moa"),
    LAYERED("layered"),
    CASCADE("cascade"),
    /** Leaf-by-leaf majority vote over schema-valid answers; only disputed fields go to the judge. */
    VOTE("vote");

    private final String wireName;

    StrategyKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name in configuration files, the CLI's {@code --strategy} and {@code FusionResult.strategy()}. */
    public String wireName() {
        return wireName;
    }

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
