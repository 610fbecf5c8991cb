package dev.fusion.internal;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatModel;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code self-moa} strategy: its one configured member sampled N times ({@link Strategy.SelfMoa#expand},
 * worked out once when Fusion is built, keeping the member's own settings on every sample), then
 * synthesized as {@code synthesize} does. Options {@code samples}, {@code minTemperature},
 * {@code maxTemperature}.
 */
final class SelfMoaFlow extends SynthesizeFlow {
    static final StrategyDefinition<Strategy.SelfMoa> DEFINITION =
            new StrategyDefinition<>(StrategyKind.SELF_MOA, Strategy.SelfMoa.class) {
                @Override
                Strategy.SelfMoa parse(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
                    StrategyOptions.allow(name, opts, "samples", "minTemperature", "maxTemperature");
                    return new Strategy.SelfMoa(StrategyOptions.integer(name, opts, "samples", 4),
                            StrategyOptions.decimal(name, opts, "minTemperature", 0.7),
                            StrategyOptions.decimal(name, opts, "maxTemperature", 1.0));
                }

                @Override
                List<Member> panel(Strategy.SelfMoa moa, List<Member> configured) {
                    if (configured.size() != 1) {
                        throw new InvalidConfigurationException("the self-moa strategy samples one model, but the"
                                + " panel has " + configured.size() + " members; keep one, or use selfMoa(model, samples)");
                    }
                    return moa.expand(configured.get(0));
                }

                @Override
                Flow flow(Strategy.SelfMoa strategy, StrategyContext ctx) {
                    return new SelfMoaFlow(ctx);
                }
            };

    SelfMoaFlow(StrategyContext ctx) {
        super(ctx);
    }
}
