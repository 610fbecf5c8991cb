package dev.fusion;

import dev.fusion.model.ModelRef;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an ask would reserve before it makes any call, from {@link Fusion#plan(FusionRequest)}: the
 * same budget planning an ask runs first, so its verdict is the ask's. Under a budget or spend cap
 * the ask reserves the worst case of every judge call first, then of each panel member for every
 * round it runs, then of a cascade's flagships; a member whose worst case no longer fits is skipped,
 * and the ask cannot run at all when the judges do not fit or too few members remain for the quorum.
 * Immutable and thread-safe.
 *
 * @param strategy            the strategy's wire name ({@code synthesize}, {@code cascade}, ...)
 * @param quorum              the effective quorum (the request's, else the Fusion default)
 * @param limitUsd            what bounds the ask (the budget, or what is left under the spend cap,
 *                            whichever is lower); null when nothing does
 * @param reservedUsd         the whole reservation when the ask can run under a limit; zero otherwise
 * @param judgeReservationUsd the part reserved for all judge calls together; zero when unbounded
 * @param reservations        one line per planned panel call (each round of each member) and flagship,
 *                            in panel order; skipped members included
 * @param notes               the notes the result would carry about skipped calls
 * @param exceededOrNull      why the ask cannot run under its limit, or null
 */
public record AskPlan(String strategy, int quorum, BigDecimal limitUsd, BigDecimal reservedUsd,
                      BigDecimal judgeReservationUsd, List<Reservation> reservations, List<String> notes,
                      BudgetExceededException exceededOrNull) {

    /** The verdict of a plan. */
    public enum Verdict {
        /** No budget or spend cap bounds the ask. */
        UNBOUNDED,
        /** The ask fits its limit (possibly with members skipped). */
        WITHIN_BUDGET,
        /** The ask would fail with {@link BudgetExceededException} before any call. */
        EXCEEDED
    }

    public AskPlan {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(reservedUsd, "reservedUsd");
        Objects.requireNonNull(judgeReservationUsd, "judgeReservationUsd");
        reservations = List.copyOf(reservations);
        notes = List.copyOf(notes);
    }

    /** Whether the ask is unbounded, fits, or cannot run. */
    public Verdict verdict() {
        return exceededOrNull != null ? Verdict.EXCEEDED : limitUsd == null ? Verdict.UNBOUNDED : Verdict.WITHIN_BUDGET;
    }

    /** The error the ask would end with before any call, when it cannot run under its limit. */
    public Optional<BudgetExceededException> exceeded() {
        return Optional.ofNullable(exceededOrNull);
    }

    /** The planned calls skipped by the budget. */
    public List<Reservation> skipped() {
        return reservations.stream().filter(Reservation::isSkipped).toList();
    }

    /**
     * One planned panel call.
     *
     * @param memberId     the member
     * @param model        its model
     * @param role         {@link CallRole#PANEL} (flagships included)
     * @param round        the panel round (1, or later rounds of {@code layered}; 2 for a cascade's flagships)
     * @param worstCaseUsd what it reserves; null when skipped or when nothing bounds the ask
     * @param skipReason   why it is skipped by the budget; null when it runs
     */
    public record Reservation(String memberId, ModelRef model, CallRole role, int round, BigDecimal worstCaseUsd,
                              String skipReason) {
        public Reservation {
            Objects.requireNonNull(memberId, "memberId");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(role, "role");
        }

        /** A call that runs, reserving {@code worstCaseUsd} (null when unbounded). */
        public static Reservation admitted(String memberId, ModelRef model, CallRole role, int round, BigDecimal worstCaseUsd) {
            return new Reservation(memberId, model, role, round, worstCaseUsd, null);
        }

        /** A call the budget skips. */
        public static Reservation skipped(String memberId, ModelRef model, CallRole role, int round, String reason) {
            return new Reservation(memberId, model, role, round, null, Objects.requireNonNull(reason, "reason"));
        }

        public boolean isSkipped() {
            return skipReason != null;
        }
    }
}
