package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Ranking;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatMessage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code select-best} strategy: a ranking (JSON), optionally a reversed second ranking, Borda-combined;
 * the winner verbatim, the scores in {@code FusionResult.ranking()}. Option {@code rounds} (1 or 2).
 */
final class SelectBestFlow extends Flow {
    static final StrategyDefinition<Strategy.SelectBest> DEFINITION =
            new StrategyDefinition<>(StrategyKind.SELECT_BEST, Strategy.SelectBest.class) {
                @Override
                Flow flow(Strategy.SelectBest strategy, StrategyContext ctx) {
                    return new SelectBestFlow(ctx, strategy.twoRounds());
                }
            };

    private final boolean twoRounds;
    /** The answers ranked, in panel order. */
    private List<CallRecord> candidates = List.of();
    private final List<List<String>> orders = new ArrayList<>();
    private final List<List<String>> rankings = new ArrayList<>();

    SelectBestFlow(StrategyContext ctx, boolean twoRounds) {
        super(ctx);
        this.twoRounds = twoRounds;
    }

    @Override
    public int judgeCalls() {
        return twoRounds ? 4 : 3;
    }

    @Override
    public BigDecimal judgeWorst() {
        BigDecimal oneRound = structuredWithRetryWorst(JudgePrompt.rank());
        BigDecimal firstThenSynthesis = oneRound.add(synthesisWorst());
        return twoRounds ? firstThenSynthesis.max(oneRound.add(oneRound)) : firstThenSynthesis;
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        candidates = List.copyOf(ok);
        if (ok.size() == 1) {
            ctx.note("only " + ok.get(0).memberId() + " answered; its answer is returned without ranking");
            complete(FlowOutcome.of(candidates).withRanking(new Ranking(List.of(new Ranking.Entry(ok.get(0).memberId(), 0)),
                    List.of(), List.of())), ok.get(0).text(), false);
            return;
        }
        rank(1, ctx.shuffle(ok, 0));
    }

    private void rank(int round, List<CallRecord> shown) {
        ChatMessage request = ChatMessage.user(ctx.fenced(JudgePrompt.rank()).render(ctx.questionForJudge(), texts(shown)));
        dev.fusion.CallStep step = round == 1 ? dev.fusion.CallStep.RANK : dev.fusion.CallStep.RANK_REVERSED;
        ctx.judge(new JudgeStep(step, JudgePrompt.rank().system(), List.of(request), ids(shown), false,
                r -> onRanking(r, round, shown, request, false), () -> allJudgesFailed(round)));
    }

    private void allJudgesFailed(int round) {
        if (round == 1) {
            degrade(FlowOutcome.of(candidates));
        } else {
            ctx.note("no judge could rank the reversed order; the first ranking alone decides");
            finish();
        }
    }

    private void onRanking(CallRecord r, int round, List<CallRecord> shown, ChatMessage request, boolean retried) {
        List<Integer> positions;
        try {
            positions = StructuredReplies.ranking(r.text(), shown.size());
        } catch (StructuredReplies.InvalidReply e) {
            if (!retried) {
                ctx.note("the ranking from " + r.memberId() + " was unusable (" + e.getMessage()
                        + "); asked again with the error");
                List<ChatMessage> convo = List.of(request, ChatMessage.assistant(r.text()),
                        ChatMessage.user(JudgePrompt.structuredRetry(e.getMessage())));
                ctx.judge(new JudgeStep(round == 1 ? dev.fusion.CallStep.RANK_RETRY : dev.fusion.CallStep.RANK_REVERSED_RETRY,
                        JudgePrompt.rank().system(), convo, ids(shown), false,
                        r2 -> onRanking(r2, round, shown, request, true), () -> allJudgesFailed(round)));
            } else if (round == 1) {
                ctx.note("the retried ranking was unusable too (" + e.getMessage()
                        + "); degraded to plain synthesis");
                synthesize(candidates);
            } else {
                ctx.note("the retried reversed ranking was unusable too (" + e.getMessage()
                        + "); the first ranking alone decides");
                finish();
            }
            return;
        }
        orders.add(ids(shown));
        rankings.add(positions.stream().map(p -> shown.get(p).memberId()).toList());
        if (round == 1 && twoRounds) {
            List<CallRecord> reversed = new ArrayList<>(shown);
            java.util.Collections.reverse(reversed);
            rank(2, reversed);
        } else {
            finish();
        }
    }

    private void finish() {
        int n = rankings.get(0).size();
        Map<String, Integer> score = new HashMap<>();
        for (List<String> ranked : rankings) {
            for (int i = 0; i < ranked.size(); i++) {
                score.merge(ranked.get(i), n - 1 - i, Integer::sum);
            }
        }
        List<String> first = rankings.get(0);
        List<Ranking.Entry> entries = first.stream()
                .sorted((a, b) -> score.get(a).equals(score.get(b)) ? Integer.compare(first.indexOf(a), first.indexOf(b))
                        : Integer.compare(score.get(b), score.get(a)))
                .map(id -> new Ranking.Entry(id, score.get(id))).toList();
        Ranking ranking = new Ranking(entries, orders, rankings);
        String winner = entries.get(0).memberId();
        String text = candidates.stream().filter(c -> c.memberId().equals(winner)).findFirst()
                .orElseThrow().text();
        ctx.emitDelta(text);
        complete(FlowOutcome.of(candidates).withRanking(ranking), text, true);
    }
}
