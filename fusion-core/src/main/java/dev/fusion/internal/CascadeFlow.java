package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import reactor.core.publisher.Mono;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code cascade} strategy: cheap answers first; agreement skips the judge, disagreement escalates to
 * the flagships (if any) and the judge; the path in {@code FusionResult.cascade()}. Options {@code agree},
 * {@code maxChars}, {@code flagships}, {@code rule}; needs at least two panel members.
 */
final class CascadeFlow extends Flow {
    static final StrategyDefinition<Strategy.Cascade> DEFINITION =
            new StrategyDefinition<>(StrategyKind.CASCADE, Strategy.Cascade.class) {
                @Override
                List<Member> panel(Strategy.Cascade strategy, List<Member> configured) {
                    if (configured.size() < 2) {
                        throw new InvalidConfigurationException("the cascade strategy needs at least two cheap panel members"
                                + " whose answers can agree; the panel has " + configured.size());
                    }
                    return configured;
                }

                @Override
                List<Member> flagships(Strategy.Cascade strategy) {
                    return strategy.flagships();
                }

                @Override
                Flow flow(Strategy.Cascade strategy, StrategyContext ctx) {
                    return new CascadeFlow(ctx, strategy);
                }
            };

    private final Strategy.Cascade config;

    CascadeFlow(StrategyContext ctx, Strategy.Cascade config) {
        super(ctx);
        this.config = config;
    }

    @Override
    public List<Member> flagships() {
        return config.flagships();
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        // The rule's verdict, bounded by the ask's deadline (a TimeoutException then; the rule is not asked
        // when the deadline already passed).
        ctx.await(() -> {
            Mono<List<Integer>> check;
            try {
                check = config.rule().largestAgreeingGroup(ctx.prompt(), texts(ok));
            } catch (RuntimeException e) {
                check = Mono.error(e);
            }
            return (check == null ? Mono.<List<Integer>>empty() : check).defaultIfEmpty(List.of());
        }, (group, error) -> decide(plan, ok, group, error));
    }

    /** Under the ask's lock: {@code group} is the rule's verdict, or null with the {@code error} it failed with. */
    private void decide(BudgetPlan plan, List<CallRecord> ok, List<Integer> group, Throwable error) {
        String rule = config.rule().name();
        if (error != null) {
            ctx.note("agreement rule " + rule + " failed (" + error + "); treating the answers as disagreeing");
            group = List.of();
        }
        Set<Integer> distinct = new HashSet<>(group);
        if (distinct.size() != group.size() || group.stream().anyMatch(i -> i == null || i < 0 || i >= ok.size())) {
            ctx.note("agreement rule " + rule + " returned invalid indexes " + group
                    + "; treating the answers as disagreeing");
            group = List.of();
        }
        int g = group.size();
        boolean agreed = g >= 2 && (config.minAgreeing() == Strategy.Cascade.ALL ? g == ok.size()
                : g >= config.minAgreeing());
        if (agreed) {
            CallRecord representative = ok.get(group.get(0));
            BigDecimal saving = estimateSaving(plan, ok, representative);
            CascadeOutcome cascade = new CascadeOutcome(dev.fusion.judge.CascadePath.AGREED.wireName(), g, ok.size(), rule,
                    saving);
            ctx.note(g + " of " + ok.size() + " cheap answers agree (" + rule + "); the judge was skipped"
                    + (saving != null ? ", saving an estimated $" + saving.toPlainString() : ""));
            complete(FlowOutcome.of(ok).withCascade(cascade), representative.text(), false);
            return;
        }
        String why = "the largest agreeing group has " + g + " of " + ok.size() + " cheap answers; need "
                + (config.minAgreeing() == Strategy.Cascade.ALL ? "all, and at least 2" : config.minAgreeing());
        if (flagships().isEmpty()) {
            CascadeOutcome cascade = new CascadeOutcome(dev.fusion.judge.CascadePath.JUDGED.wireName(), g, ok.size(), rule,
                    BigDecimal.ZERO);
            ctx.note(why + "; judging");
            synthesize(ok, FlowOutcome.of(ok).withCascade(cascade));
            return;
        }
        CascadeOutcome cascade = new CascadeOutcome(dev.fusion.judge.CascadePath.ESCALATED.wireName(), g, ok.size(), rule,
                BigDecimal.ZERO);
        ctx.note(why + "; escalating to the flagships, then judging");
        escalate(plan, ok, cascade);
    }

    private void escalate(BudgetPlan plan, List<CallRecord> cheap, CascadeOutcome cascade) {
        List<Member> members = flagships();
        CallRecord[] pre = new CallRecord[members.size()];
        List<ModelRequest> requests = new ArrayList<>();
        for (int j = 0; j < members.size(); j++) {
            Member m = members.get(j);
            requests.add(ctx.memberRequest(m, ctx.messages()));
            if (plan.flagshipReservations()[j] == null) {
                pre[j] = ctx.skippedCall(m, plan.flagshipSkips()[j], 2, dev.fusion.CallStep.ESCALATE);
            }
        }
        ctx.runRound(2, dev.fusion.CallStep.ESCALATE, members, requests, plan.flagshipReservations().clone(), pre, 0, ok -> {
            List<CallRecord> all = new ArrayList<>(cheap);
            all.addAll(ok);
            synthesize(all, FlowOutcome.of(all).withCascade(cascade));
        });
    }

    /** Estimated cost of what the agreed path skipped: the first judge and the admitted flagships. */
    private BigDecimal estimateSaving(BudgetPlan plan, List<CallRecord> ok, CallRecord representative) {
        List<String> shown = new ArrayList<>(texts(ctx.shuffle(ok, 0)));
        BigDecimal total = BigDecimal.ZERO;
        List<Member> fl = flagships();
        for (int j = 0; j < fl.size(); j++) {
            if (plan.flagshipReservations()[j] == null) {
                continue;
            }
            ModelRef ref = fl.get(j).model().ref();
            Optional<Price> p = ctx.price(ref);
            if (p.isEmpty()) {
                return null;
            }
            total = total.add(p.get().costOf(Usage.of(ctx.requestTokens(ref),
                    ctx.tokens(ref, representative.text()))));
            shown.add(representative.text()); // the judge would have read a flagship answer of about this size
        }
        Member judge = ctx.judges().get(0);
        ModelRef ref = judge.model().ref();
        Optional<Price> p = ctx.price(ref);
        if (p.isEmpty()) {
            return null;
        }
        long in = ctx.tokens(ref, ctx.judgePrompt().system() + "\n"
                + ctx.judgePrompt().render(ctx.questionForJudge(), shown));
        long out = ctx.tokens(ref, representative.text());
        return total.add(p.get().costOf(Usage.of(in, out)));
    }
}
