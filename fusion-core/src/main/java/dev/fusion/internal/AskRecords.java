package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * The calls of one ask: its panel rounds, in order, and its judge chain. Every record of the ask comes
 * from here (the rounds and the chain own theirs); a record changes only through {@link #replacePanel}
 * or {@link #replaceJudge}, which also tell the stream when an answer turned out to have failed.
 *
 * <p>Guarded by the ask's lock: every method is called with it held.
 */
final class AskRecords {

    private final AskPort port;
    private final JudgeChain judges;
    private final List<PanelRound> rounds = new ArrayList<>();
    /** The round the deadline ends, if it still runs. */
    private PanelRound current;

    AskRecords(AskPort port, JudgeChain judges) {
        this.port = port;
        this.judges = judges;
    }

    JudgeChain judges() {
        return judges;
    }

    /** A round starts: it is the ask's current round until it ends. */
    void add(PanelRound round) {
        rounds.add(round);
        current = round;
    }

    /** The round still running, or null. */
    PanelRound running() {
        return current != null && current.running() ? current : null;
    }

    /** Every panel round's records, round after round, each in member order. */
    List<CallRecord> panel() {
        List<CallRecord> all = new ArrayList<>();
        for (PanelRound round : rounds) {
            all.addAll(round.records());
        }
        return all;
    }

    /** Every record of the ask so far: panel rounds, then judge calls. */
    List<CallRecord> all() {
        List<CallRecord> all = panel();
        all.addAll(judges.records());
        return all;
    }

    /** Cancels every call still running (rounds and judge) with {@code status}. */
    void cancelAll(CallStatus status, String type, String message) {
        for (PanelRound r : rounds) {
            r.cancelAll(status, type, message);
        }
        judges.cancel(status, type, message);
    }

    /** Drops the rounds' grace timers (the ask ended). */
    void disposeTimers() {
        for (PanelRound r : rounds) {
            r.disposeGrace();
        }
    }

    /**
     * Puts {@code replacement} where {@code old} (the same instance) stands in a panel round, e.g. an
     * answer that turned out not to be schema-valid becoming a failed record of kind {@code invalid_output}.
     */
    void replacePanel(CallRecord old, CallRecord replacement) {
        for (PanelRound round : rounds) {
            if (round.replace(old, replacement)) {
                if (old.isOk() && !replacement.isOk() && !port.isDone()) {
                    // MemberAnswered went out for it: the stream learns it failed after all (see FusionEvent).
                    port.emit(new FusionEvent.MemberFailed(replacement));
                }
                return;
            }
        }
        throw new IllegalStateException("no such panel record: " + old);
    }

    /**
     * As {@link #replacePanel}, for a judge call: a judge answer that turns out unusable is reported as
     * {@link FusionEvent.JudgeFailed}, as any failed judge call is.
     */
    void replaceJudge(CallRecord old, CallRecord replacement) {
        judges.replace(old, replacement);
        if (old.isOk() && !replacement.isOk() && !port.isDone()) {
            port.emit(new FusionEvent.JudgeFailed(replacement));
        }
    }
}
