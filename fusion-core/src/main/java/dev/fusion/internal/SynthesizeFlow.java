package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;

import java.util.List;

/**
 * The {@code synthesize} strategy: the panel answers once, one judge call writes the final answer from
 * the anonymized answers. No options; adds nothing to the result.
 */
class SynthesizeFlow extends Flow {
    static final StrategyDefinition<Strategy.Synthesize> DEFINITION =
            new StrategyDefinition<>(StrategyKind.SYNTHESIZE, Strategy.Synthesize.class) {
                @Override
                Flow flow(Strategy.Synthesize strategy, StrategyContext ctx) {
                    return new SynthesizeFlow(ctx);
                }
            };

    SynthesizeFlow(StrategyContext ctx) {
        super(ctx);
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        synthesize(ok);
    }
}
