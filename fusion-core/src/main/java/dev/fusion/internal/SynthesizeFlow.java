package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatModel;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code synthesize} strategy: the panel answers once, one judge call writes the final answer from
 * the anonymized answers. No options; adds nothing to the result.
 */
class SynthesizeFlow extends Flow {
    static final StrategyDefinition<Strategy.Synthesize> DEFINITION =
            new StrategyDefinition<>(StrategyKind.SYNTHESIZE, Strategy.Synthesize.class) {
                @Override
                Strategy.Synthesize parse(String name, Map<String, ?> opts, Function<String, ChatModel> models) {
                    StrategyOptions.allow(name, opts);
                    return Strategy.synthesize();
                }

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
