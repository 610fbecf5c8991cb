package dev.fusion.internal;

import dev.fusion.Member;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;

import java.util.List;
import java.util.Objects;

/**
 * One strategy as the engine knows it: its kind, the panel and flagships it runs, and its {@link Flow} for
 * one ask (its configuration options are parsed in the API package, {@code dev.fusion.judge.StrategyConfig}).
 * Each strategy's flow file declares its definition as a constant ({@code DEFINITION}); {@link StrategyRegistry} lists them, one line each.
 * Definitions are stateless and thread-safe.
 *
 * @param <S> the strategy's value type ({@code Strategy.Cascade}, ...)
 */
abstract class StrategyDefinition<S extends Strategy> {
    private final StrategyKind kind;
    private final Class<S> type;

    StrategyDefinition(StrategyKind kind, Class<S> type) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** The kind this definition is registered for. */
    final StrategyKind kind() {
        return kind;
    }

    /** The value type its kind's strategies have. */
    final Class<S> type() {
        return type;
    }

    /**
     * The panel {@code strategy} runs from the configured members (worked out once, when Fusion is built):
     * the members themselves unless the strategy says otherwise.
     *
     * @throws dev.fusion.InvalidConfigurationException when the strategy cannot run this panel
     */
    List<Member> panel(S strategy, List<Member> configured) {
        return configured;
    }

    /** Members the strategy may call beyond the panel (the cascade's flagships); none unless it says so. */
    List<Member> flagships(S strategy) {
        return List.of();
    }

    /** The strategy's behaviour for one ask, talking to the engine through {@code ctx}. */
    abstract Flow flow(S strategy, StrategyContext ctx);
}
