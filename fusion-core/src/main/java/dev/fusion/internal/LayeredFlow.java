package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.Member;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code layered} strategy (Mixture-of-Agents): K panel rounds, each after the first seeing the
 * previous round's answers as references; then synthesis. Option {@code rounds}.
 */
final class LayeredFlow extends Flow {
    static final StrategyDefinition<Strategy.Layered> DEFINITION =
            new StrategyDefinition<>(StrategyKind.LAYERED, Strategy.Layered.class) {
                @Override
                Flow flow(Strategy.Layered strategy, StrategyContext ctx) {
                    return new LayeredFlow(ctx, strategy.rounds());
                }
            };

    private final int rounds;

    LayeredFlow(StrategyContext ctx, int rounds) {
        super(ctx);
        this.rounds = rounds;
    }

    @Override
    public int panelRounds() {
        return rounds;
    }

    @Override
    public long memberInputTokens(Member m, int round) {
        if (round == 1) {
            return super.memberInputTokens(m, round);
        }
        ModelRef ref = m.model().ref();
        return ctx.tokens(ref, ctx.promptText()
                + JudgePrompt.layeredReferences().render("", List.of())) + ctx.answersAllowance(ctx.panel().size());
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        nextRound(plan, 2, ok);
    }

    private void nextRound(BudgetPlan plan, int round, List<CallRecord> previous) {
        if (round > rounds) {
            synthesize(previous);
            return;
        }
        List<CallRecord> refs = ctx.shuffle(previous, round);
        List<ChatMessage> messages = new ArrayList<>(ctx.messages());
        messages.set(messages.size() - 1, ChatMessage.user(ctx.fenced(JudgePrompt.layeredReferences())
                .render(ctx.prompt(), texts(refs))));
        List<Member> members = new ArrayList<>();
        List<BigDecimal> res = new ArrayList<>();
        for (int i = 0; i < ctx.panel().size(); i++) {
            if (plan.memberReservations()[i] != null) {
                members.add(ctx.panel().get(i));
                res.add(plan.memberReservations()[i][round - 1]);
            }
        }
        List<ModelRequest> requests = members.stream().map(m -> ctx.memberRequest(m, messages)).toList();
        ctx.runRound(round, dev.fusion.CallStep.REFINE, members, requests, res.toArray(new BigDecimal[0]), null, ctx.quorum(), ok -> {
            if (ok.size() < ctx.quorum()) {
                ctx.note("round " + round + " had " + ok.size() + " answer(s), fewer than the quorum of "
                        + ctx.quorum() + "; judging round " + (round - 1) + "'s answers instead");
                synthesize(previous);
            } else {
                nextRound(plan, round + 1, ok);
            }
        });
    }
}
