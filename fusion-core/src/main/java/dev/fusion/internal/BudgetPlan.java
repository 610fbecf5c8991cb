package dev.fusion.internal;

import dev.fusion.AskPlan;
import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ModelRef;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The first stage of an ask, pure: the worst case the ask reserves under its budget or spend cap
 * (judges first, then each panel member for every round it runs, then a cascade's flagships), who is
 * skipped because the rest does not fit, and whether the ask can run at all. The engine applies it;
 * {@code Fusion.plan} shows it. Arrays are owned by the plan's single user and not changed after.
 *
 * @param memberReservations   per panel member, its reservation per round (null = skipped)
 * @param flagshipReservations per flagship, its reservation (null = skipped, see {@code flagshipSkips})
 * @param flagshipSkips        why a flagship was skipped (null = admitted)
 * @param skippedMembers       the record of each panel member skipped by the budget (null = admitted)
 * @param notes                notes for the result, one per skipped call
 * @param total                the whole reservation (zero when unbounded)
 * @param firstRound           the part of {@code total} the first panel round takes
 * @param judgeWorst           the part of {@code total} every judge call together may take
 * @param limit                what bounds the ask (its budget or what is left under the cap); null = unbounded
 * @param exceeded             why the ask cannot run under {@code limit}, or null
 */
record BudgetPlan(BigDecimal[][] memberReservations, BigDecimal[] flagshipReservations, String[] flagshipSkips,
                  CallRecord[] skippedMembers, List<String> notes, BigDecimal total, BigDecimal firstRound,
                  BigDecimal judgeWorst, BigDecimal limit, BudgetExceededException exceeded) {

    BudgetPlan {
        notes = List.copyOf(notes);
    }

    /**
     * What a strategy needs the plan to cover (its {@link Flow} answers): rounds, flagships, judge calls
     * and their worst case, and each member's prompt per round. Pure estimates.
     */
    interface Demand {
        /** Panel rounds each panel member may run (its reservation covers all of them). */
        int panelRounds();

        /** Members called only in a later round (the cascade's flagships). */
        List<Member> flagships();

        /** Most judge calls one ask may make (fallbacks aside), for messages. */
        int judgeCalls();

        /** Worst-case USD of every judge call the strategy may make in one ask. */
        BigDecimal judgeWorst();

        /** With a schema, the worst case of the one repair of the judge's final answer; else zero. */
        BigDecimal structuredRepairWorst();

        /** Upper bound on a member's prompt tokens in a round (1-based). */
        long memberInputTokens(Member m, int round);
    }

    static BudgetPlan exceeded(BigDecimal[][] memberReservations, BigDecimal[] flagshipReservations, String[] flagshipSkips,
                               CallRecord[] skippedMembers, List<String> notes, BigDecimal limit, BudgetExceededException e) {
        return new BudgetPlan(memberReservations, flagshipReservations, flagshipSkips, skippedMembers, notes,
                e.neededUsd(), BigDecimal.ZERO, BigDecimal.ZERO, limit, e);
    }

    /**
     * Plans the worst case of the whole ask, a pure function of its settings, its strategy's flow and what
     * bounds it: every judge call the strategy may make first, then each panel member for every round it
     * runs (members that do not fit are skipped), then the cascade's flagships (those that do not fit are
     * skipped). The spend can then never exceed the budget while prices and max-token limits hold.
     *
     * @param panel    the ask's panel, in order
     * @param prices   the price book its calls are priced by
     * @param strategy the strategy's name, for messages
     * @param budget   the ask's budget, or null
     * @param capLeft  what is left under the spend cap, or null (no cap)
     */
    static BudgetPlan of(List<Member> panel, PriceBook prices, String strategy, Demand flow, BigDecimal budget,
                         BigDecimal capLeft, int quorum, int maxOut) {
        int n = panel.size();
        int k = flow.panelRounds();
        List<Member> flagships = flow.flagships();
        BigDecimal[][] memberReservations = new BigDecimal[n][];
        BigDecimal[] flagshipReservations = new BigDecimal[flagships.size()];
        String[] flagshipSkips = new String[flagships.size()];
        CallRecord[] skipped = new CallRecord[n];
        List<String> notes = new ArrayList<>();
        BigDecimal limit = budget == null ? capLeft : capLeft == null ? budget : budget.min(capLeft);
        if (limit == null) {
            for (int i = 0; i < n; i++) {
                memberReservations[i] = new BigDecimal[k];
                Arrays.fill(memberReservations[i], BigDecimal.ZERO);
            }
            Arrays.fill(flagshipReservations, BigDecimal.ZERO);
            return new BudgetPlan(memberReservations, flagshipReservations, flagshipSkips, skipped, notes,
                    BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, null, null);
        }
        BigDecimal judgeWorst = flow.judgeWorst().add(flow.structuredRepairWorst());
        String who = budget != null && (capLeft == null || budget.compareTo(capLeft) <= 0)
                ? "budget $" + budget.toPlainString() : "spend cap (left: $" + capLeft.toPlainString() + ")";
        if (judgeWorst.compareTo(limit) > 0) {
            return exceeded(memberReservations, flagshipReservations, flagshipSkips, skipped, notes, limit,
                    new BudgetExceededException("the " + who + " cannot cover the judge's worst case of $"
                    + judgeWorst.toPlainString() + (flow.judgeCalls() > 1 ? " (up to " + flow.judgeCalls()
                    + " judge calls for the " + strategy + " strategy)" : "")
                    + "; raise the budget, lower judgeMaxOutputTokens/maxOutputTokens, or use a cheaper judge",
                    limit, judgeWorst));
        }
        BigDecimal left = limit.subtract(judgeWorst);
        BigDecimal total = judgeWorst;
        BigDecimal firstRound = BigDecimal.ZERO;
        int admitted = 0;
        for (int i = 0; i < n; i++) {
            Member m = panel.get(i);
            BigDecimal[] per = new BigDecimal[k];
            BigDecimal sum = BigDecimal.ZERO;
            for (int r = 0; r < k; r++) {
                per[r] = worstCase(prices, m.model().ref(), flow.memberInputTokens(m, r + 1), maxOut);
                sum = sum.add(per[r]);
            }
            if (sum.compareTo(left) <= 0) {
                memberReservations[i] = per;
                left = left.subtract(sum);
                total = total.add(sum);
                firstRound = firstRound.add(per[0]);
                admitted++;
            } else {
                String reason = "skipped by the " + who + ": worst case $" + sum.toPlainString()
                        + (k > 1 ? " for " + k + " rounds" : "") + " but only $" + left.toPlainString()
                        + " left after the judge's reservation";
                skipped[i] = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, prices, reason);
                notes.add(m.id() + " " + reason);
            }
        }
        if (admitted < quorum) {
            return exceeded(memberReservations, flagshipReservations, flagshipSkips, skipped, notes, limit,
                    new BudgetExceededException("the " + who + " admits only " + admitted + " panel member(s) after the judge's"
                    + " reservation of $" + judgeWorst.toPlainString() + ", but the quorum is " + quorum
                    + "; raise the budget or lower the quorum", limit, total));
        }
        for (int j = 0; j < flagships.size(); j++) {
            Member m = flagships.get(j);
            BigDecimal w = worstCase(prices, m.model().ref(), flow.memberInputTokens(m, 2), maxOut);
            if (w.compareTo(left) <= 0) {
                flagshipReservations[j] = w;
                left = left.subtract(w);
                total = total.add(w);
            } else {
                flagshipSkips[j] = "skipped by the " + who + ": worst case $" + w.toPlainString() + " but only $"
                        + left.toPlainString() + " left after the judge's and the panel's reservations";
                notes.add("flagship " + m.id() + " " + flagshipSkips[j]);
            }
        }
        return new BudgetPlan(memberReservations, flagshipReservations, flagshipSkips, skipped, notes, total, firstRound,
                judgeWorst, limit, null);
    }

    /** A model's worst case for a call of these prompt tokens and this output limit; zero when it is unpriced. */
    static BigDecimal worstCase(PriceBook prices, ModelRef ref, long promptTokens, int maxOutputTokens) {
        Optional<Price> p = prices.find(ref);
        return p.map(price -> price.worstCase(promptTokens, maxOutputTokens)).orElse(BigDecimal.ZERO);
    }

    /**
     * A worst case never below {@code worstCase(prices, ref, estimator.estimate(ref, text), maxOutputTokens)},
     * without a tokenizer pass (the default estimator's {@link dev.fusion.cost.TokenEstimator.Default#estimateAtMost}),
     * or null when there is no such cheap bound (another estimator, or a bound that reaches a long-context
     * tier, whose rates need not be higher). Lets a check that only asks "does it fit" skip the exact count.
     */
    static BigDecimal worstCaseAtMost(PriceBook prices, dev.fusion.cost.TokenEstimator estimator, ModelRef ref,
                                      String text, int maxOutputTokens) {
        if (!(estimator instanceof dev.fusion.cost.TokenEstimator.Default d)) {
            return null;
        }
        Optional<Price> p = prices.find(ref);
        if (p.isEmpty()) {
            return BigDecimal.ZERO; // unpriced: the worst case is zero whatever the count
        }
        long tokens = d.estimateAtMost(ref, text);
        List<dev.fusion.cost.PriceTier> tiers = p.get().tiers();
        if (!tiers.isEmpty() && tokens > tiers.get(0).aboveInputTokens()) {
            return null; // the exact count may fall in another tier
        }
        return p.get().worstCase(tokens, maxOutputTokens);
    }

    /** What a call is charged against the budget: the higher of the computed and the reported cost (as the ledger settles). */
    static BigDecimal charged(CallRecord r) {
        BigDecimal computed = r.cost().usd().orElse(BigDecimal.ZERO);
        BigDecimal reported = r.cost().reportedUsd();
        return reported == null ? computed : computed.max(reported);
    }

    /** The public view: one line per planned panel call (round by round) and per flagship. */
    AskPlan toPublic(String strategy, List<Member> panel, List<Member> flagships, int quorum) {
        List<AskPlan.Reservation> lines = new ArrayList<>();
        for (int i = 0; i < panel.size(); i++) {
            Member m = panel.get(i);
            if (skippedMembers[i] != null) {
                lines.add(AskPlan.Reservation.skipped(m.id(), m.model().ref(), CallRole.PANEL, 1,
                        skippedMembers[i].error().message()));
            } else if (memberReservations[i] != null) {
                for (int r = 0; r < memberReservations[i].length; r++) {
                    lines.add(AskPlan.Reservation.admitted(m.id(), m.model().ref(), CallRole.PANEL, r + 1,
                            limit == null ? null : memberReservations[i][r]));
                }
            }
        }
        for (int j = 0; j < flagships.size(); j++) {
            Member m = flagships.get(j);
            if (flagshipSkips[j] != null) {
                lines.add(AskPlan.Reservation.skipped(m.id(), m.model().ref(), CallRole.PANEL, 2, flagshipSkips[j]));
            } else if (flagshipReservations[j] != null) {
                lines.add(AskPlan.Reservation.admitted(m.id(), m.model().ref(), CallRole.PANEL, 2,
                        limit == null ? null : flagshipReservations[j]));
            }
        }
        return new AskPlan(strategy, quorum, limit, exceeded == null ? total : BigDecimal.ZERO,
                judgeWorst, lines, notes, exceeded);
    }
}
