package dev.fusion.internal;

import dev.fusion.AskPlan;
import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.Member;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

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

    static BudgetPlan exceeded(BigDecimal[][] memberReservations, BigDecimal[] flagshipReservations, String[] flagshipSkips,
                               CallRecord[] skippedMembers, List<String> notes, BigDecimal limit, BudgetExceededException e) {
        return new BudgetPlan(memberReservations, flagshipReservations, flagshipSkips, skippedMembers, notes,
                e.neededUsd(), BigDecimal.ZERO, BigDecimal.ZERO, limit, e);
    }

    /** The public view: one line per planned panel call (round by round) and per flagship. */
    AskPlan toPublic(AskRun run) {
        List<AskPlan.Reservation> lines = new ArrayList<>();
        List<Member> panel = run.s.panel();
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
        List<Member> flagships = run.flow.flagships();
        for (int j = 0; j < flagships.size(); j++) {
            Member m = flagships.get(j);
            if (flagshipSkips[j] != null) {
                lines.add(AskPlan.Reservation.skipped(m.id(), m.model().ref(), CallRole.PANEL, 2, flagshipSkips[j]));
            } else if (flagshipReservations[j] != null) {
                lines.add(AskPlan.Reservation.admitted(m.id(), m.model().ref(), CallRole.PANEL, 2,
                        limit == null ? null : flagshipReservations[j]));
            }
        }
        return new AskPlan(run.s.strategy().name(), run.quorum, limit, exceeded == null ? total : BigDecimal.ZERO,
                judgeWorst, lines, notes, exceeded);
    }
}
