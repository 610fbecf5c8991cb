package dev.fusion.internal;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;

import java.util.List;

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
