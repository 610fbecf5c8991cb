package dev.fusion.internal;

import dev.fusion.Member;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where strategies are registered: {@link #definition}'s switch links each {@link StrategyKind} to the
 * {@link StrategyDefinition} its flow file declares. The switch is exhaustive with no default, so a kind
 * without a definition does not compile; when the class is loaded it checks that every kind has a definition
 * and that each names the kind it is registered for (so none serves two kinds), so a wrong line fails every
 * ask and every test at once, never silently. Stateless and thread-safe.
 */
public final class StrategyRegistry {

    /** Every kind's definition, checked. */
    private static final Map<StrategyKind, StrategyDefinition<?>> DEFINITIONS = checked(StrategyRegistry::definition);

    private StrategyRegistry() {
    }

    /** THE registration: one line per strategy. */
    private static StrategyDefinition<?> definition(StrategyKind kind) {
        return switch (kind) {
            case SYNTHESIZE -> SynthesizeFlow.DEFINITION;
            case ANALYZE -> AnalyzeFlow.DEFINITION;
            case SELECT_BEST -> SelectBestFlow.DEFINITION;
            case SELF_MOA -> SelfMoaFlow.DEFINITION;
            case LAYERED -> LayeredFlow.DEFINITION;
            case CASCADE -> CascadeFlow.DEFINITION;
            case VOTE -> VoteFlow.DEFINITION;
        };
    }

    /**
     * The definitions {@code registration} gives, one per kind, each naming the kind it is given for.
     *
     * @throws IllegalStateException naming the kind whose registration is wrong
     */
    static Map<StrategyKind, StrategyDefinition<?>> checked(Function<StrategyKind, StrategyDefinition<?>> registration) {
        Map<StrategyKind, StrategyDefinition<?>> all = new EnumMap<>(StrategyKind.class);
        for (StrategyKind kind : StrategyKind.values()) {
            StrategyDefinition<?> d = registration.apply(kind);
            if (d == null) {
                throw new IllegalStateException("strategy " + kind + " has no definition in StrategyRegistry");
            }
            if (d.kind() != kind) {
                throw new IllegalStateException("strategy " + kind + " is registered with the definition of " + d.kind());
            }
            all.put(kind, d);
        }
        return Collections.unmodifiableMap(all);
    }

    /** The definition of {@code kind}. */
    static StrategyDefinition<?> of(StrategyKind kind) {
        return DEFINITIONS.get(kind);
    }

    /**
     * The panel an ask of {@code strategy} (null: {@code synthesize}) runs, from the configured members:
     * the strategy decides (self-moa samples its one member, cascade needs two; see
     * {@link StrategyDefinition#panel}). For {@code Fusion}'s checks when it is built.
     *
     * @throws dev.fusion.InvalidConfigurationException when the strategy cannot run this panel
     */
    public static List<Member> panelFor(Strategy strategy, List<Member> configured) {
        return panel(strategy == null ? Strategy.synthesize() : strategy, configured);
    }

    /** The members {@code strategy} (null: {@code synthesize}) may call beyond the panel (the cascade's flagships). */
    public static List<Member> flagshipsFor(Strategy strategy) {
        return flagships(strategy == null ? Strategy.synthesize() : strategy);
    }

    /** The panel {@code strategy} runs from the configured members. */
    static List<Member> panel(Strategy strategy, List<Member> configured) {
        return panel(of(strategy.kind()), strategy, configured);
    }

    /** The members {@code strategy} may call beyond the panel. */
    static List<Member> flagships(Strategy strategy) {
        return flagships(of(strategy.kind()), strategy);
    }

    /** {@code strategy}'s flow for one ask. */
    static Flow flow(Strategy strategy, StrategyContext ctx) {
        return flow(of(strategy.kind()), strategy, ctx);
    }

    private static <S extends Strategy> List<Member> panel(StrategyDefinition<S> d, Strategy strategy, List<Member> configured) {
        return d.panel(d.type().cast(strategy), configured);
    }

    private static <S extends Strategy> List<Member> flagships(StrategyDefinition<S> d, Strategy strategy) {
        return d.flagships(d.type().cast(strategy));
    }

    private static <S extends Strategy> Flow flow(StrategyDefinition<S> d, Strategy strategy, StrategyContext ctx) {
        return d.flow(d.type().cast(strategy), ctx);
    }
}
