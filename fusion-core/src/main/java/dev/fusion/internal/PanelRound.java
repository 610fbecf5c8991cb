package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.CallStep;
import dev.fusion.FusionEvent;
import dev.fusion.Member;
import dev.fusion.model.ModelRequest;
import reactor.core.Disposable;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One panel round of an ask: every member called at once, the round's quorum with straggler grace,
 * and the deadline (the ask cancels its current round). Its records come out in member order once the
 * round ends; {@code next} receives the successful ones whether or not the quorum was met (the caller
 * decides). The pipeline sees it as a stage, a {@code Mono} of those records. It reaches its ask only
 * through an {@link AskPort} (events, listeners, reservations, the deadline, the lock), and it owns its
 * records: the ask reads them with {@link #records()} and changes one only through {@link #replace}.
 *
 * <p>Guarded by the ask's lock: every method is called with it held (member completions and the
 * grace timer take it through the port).
 */
final class PanelRound {
    private final AskPort run;
    private final int number;
    private final List<Member> members;
    private final MemberCall[] runners;
    private final CallRecord[] records;
    private final int roundQuorum;
    /** Straggler grace after the quorum (null: wait for every member). */
    private final Duration grace;
    private final Consumer<List<CallRecord>> next;
    private boolean finished;
    private Disposable graceTimer;

    PanelRound(AskPort run, int number, List<Member> members, int roundQuorum, Duration grace,
               Consumer<List<CallRecord>> next) {
        this.run = run;
        this.grace = grace;
        this.number = number;
        this.members = members;
        this.runners = new MemberCall[members.size()];
        this.records = new CallRecord[members.size()];
        this.roundQuorum = roundQuorum;
        this.next = next;
    }

    /** The round's records so far, in member order (members without one yet left out). */
    List<CallRecord> records() {
        List<CallRecord> all = new ArrayList<>();
        for (int i = 0; i < records.length; i++) {
            if (runners[i] != null) {
                all.addAll(runners[i].stepRecords()); // a research loop's earlier steps, before its answer
            }
            if (records[i] != null) {
                all.add(records[i]);
            }
        }
        return all;
    }

    /** Whether the round still runs (the deadline cancels it then). */
    boolean running() {
        return !finished;
    }

    /**
     * Puts {@code replacement} where {@code old} (the same instance) stands, e.g. an answer that turned
     * out not to be schema-valid; false when {@code old} is not one of this round's records.
     */
    boolean replace(CallRecord old, CallRecord replacement) {
        for (int i = 0; i < records.length; i++) {
            if (records[i] == old) {
                records[i] = replacement;
                return true;
            }
        }
        return false;
    }

    /** The ask's deadline: every call still running ends with {@code timeout}, and the round ends. */
    void deadline(String message) {
        cancelAll(CallStatus.TIMEOUT, "deadline", message);
        if (!finished) {
            finish();
        }
    }

    private void onMemberDone(int idx, CallRecord r) {
        run.locked(() -> {
            if (records[idx] != null) {
                return; // already taken by finish(): the runner recorded before this callback got the lock
            }
            records[idx] = r;
            if (run.isDone() || finished) {
                return;
            }
            run.emit(r.isOk() ? new FusionEvent.MemberAnswered(r) : new FusionEvent.MemberFailed(r));
            evaluate();
        });
    }

    private void evaluate() {
        int ok = 0;
        int pending = 0;
        // Count from the records delivered under this lock, not from runner.isDone(): a runner is
        // marked done before its callback gets the lock, and must still count as pending here.
        for (int i = 0; i < runners.length; i++) {
            if (records[i] == null) {
                if (runners[i] != null) {
                    pending++;
                }
            } else if (records[i].isOk()) {
                ok++;
            }
        }
        if (pending == 0) {
            finish();
        } else if (ok + pending < roundQuorum) {
            cancelAll(CallStatus.CANCELLED, "cancelled", "quorum of " + roundQuorum + " can no longer be met");
            if (!finished) {
                finish();
            }
        } else if (ok >= roundQuorum && ok > 0 && grace != null && graceTimer == null) {
            if (grace.isZero()) {
                onGrace();
            } else {
                graceTimer = run.settings().scheduler().schedule(this::onGrace, grace.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void onGrace() {
        run.locked(() -> {
            if (finished || run.isDone()) {
                return;
            }
            cancelAll(CallStatus.CANCELLED, "cancelled", "straggler grace of " + grace.toMillis()
                    + " ms after the quorum ran out");
            if (!finished) {
                finish();
            }
        });
    }

    void cancelAll(CallStatus status, String type, String message) {
        for (MemberCall r : runners) {
            if (r != null) {
                r.cancel(status, type, message);
            }
        }
    }

    private void finish() {
        finished = true;
        // A runner records before its callback gets the lock: take such records now, so no answer
        // is lost and its event still comes before anything that follows this round.
        for (int i = 0; i < runners.length; i++) {
            if (records[i] == null && runners[i] != null && runners[i].record() != null) {
                records[i] = runners[i].record();
                if (!run.isDone()) {
                    run.emit(records[i].isOk() ? new FusionEvent.MemberAnswered(records[i])
                            : new FusionEvent.MemberFailed(records[i]));
                }
            }
        }
        if (graceTimer != null) {
            graceTimer.dispose();
        }
        List<CallRecord> ok = new ArrayList<>();
        for (CallRecord r : records) {
            if (r != null && r.isOk()) {
                ok.add(r);
            }
        }
        if (!run.isDone()) {
            next.accept(ok);
        }
    }

    /** Drops the grace timer, if one is armed (the ask ended). */
    void disposeGrace() {
        if (graceTimer != null) {
            graceTimer.dispose();
        }
    }

    /**
     * Starts the round: every member with a reservation is called at once (the blocking caller, if any,
     * runs the last call itself); the others get their record from {@code preRecords} (skipped) or,
     * when the deadline passed before the round could start, a {@code timeout} record.
     *
     * @param reservations per member; null = skipped, with its record in {@code preRecords}
     * @param preRecords   records of members that do not run (skipped), or null entries
     */
    void start(CallStep step, List<ModelRequest> requests, BigDecimal[] reservations, CallRecord[] preRecords) {
        PanelRound round = this;
        if (number > 1) {
            run.emit(new FusionEvent.RoundStarted(number, members.stream().map(Member::id).toList()));
        }
        Duration left = run.timeLeft();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (reservations[i] == null) {
                round.records[i] = preRecords != null ? preRecords[i] : null;
                continue;
            }
            if (left.isNegative() || left.isZero()) {
                // The deadline passed before this round could start: nothing is called.
                round.records[i] = CallRunner.notStarted(m.id(), m.model().ref(), CallRole.PANEL, run.settings().priceBook(),
                        "ask deadline of " + run.deadlineMillis() + " ms reached before round " + number + " could start",
                        number, step.wireName());
                if (number > 1) {
                    run.takeReservation(reservations[i]); // released with the rest when the ask ends
                }
                run.notifyFinished(round.records[i]);
                continue;
            }
            final int idx = i;
            Duration timeout = run.effective().timeout(m);
            // Not clipped to the time left: the deadline timer cancels the current round and records why.
            BigDecimal reservation = number == 1 ? reservations[i] : run.takeReservation(reservations[i]);
            // Under a budget a member may spend its reservation for this round and no more, retries included.
            BigDecimal cap = run.bounded() ? reservations[i] : null;
            Settings s = run.settings();
            if (s.research() != null && step == CallStep.ANSWER) {
                // Research tools: the member runs its own loop of steps, each a call record of its own.
                round.runners[i] = new MemberToolLoop(run, m, s.research(), requests.get(i), reservation, cap, number,
                        step.wireName(), r -> round.onMemberDone(idx, r));
                continue;
            }
            round.runners[i] = new CallRunner(new CallRunner.Spec(m.id(), m.model(), CallRole.PANEL, requests.get(i),
                    m.retry() != null ? m.retry() : s.retry(), timeout, s.panelStreaming(), reservation, number, step.wireName(),
                    cap, cap, run.deadlineNanos()),
                    s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(), null,
                    r -> round.onMemberDone(idx, r), run.notifier());
        }
        for (int i = 0; i < members.size(); i++) {
            if (round.records[i] != null && round.runners[i] == null) {
                run.emit(new FusionEvent.MemberFailed(round.records[i]));
            }
        }
        for (MemberCall r : round.runners) {
            if (r != null && !round.finished) {
                run.emit(new FusionEvent.MemberStarted(r.memberId(), r.model()));
            }
        }
        if (run.callerRuns() != null) {
            // The blocking caller runs the round's last call itself instead of waiting idle.
            for (int i = round.runners.length - 1; i >= 0; i--) {
                if (round.runners[i] != null) {
                    round.runners[i].runOn(run.callerRuns());
                    break;
                }
            }
        }
        for (MemberCall r : round.runners) {
            if (r != null && !round.finished && !run.isDone() && !r.isDone()) {
                r.start();
            }
        }
        if (!round.finished && !run.isDone()) {
            round.evaluate();
        }
    }
}
