package dev.fusion.internal;

import dev.fusion.CallRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * A stage of result assembly, pure: the notes on every call whose cost is not fully known (unknown
 * or estimated usage) or whose provider misreported it (output over the max, a negative cost).
 */
final class CostNotes {

    private CostNotes() {
    }

    /** How a note names its call; built only for a call that gets a note (this runs on every ask). */
    private static String who(CallRecord r) {
        return r.role().wireName() + " " + r.memberId() + " (" + r.step() + ")";
    }

    /**
     * @param records every call of the ask, in result order
     * @param bounded whether a budget or spend cap bounded the ask (such calls are charged at their worst case)
     */
    static List<String> of(List<CallRecord> records, boolean bounded) {
        List<String> notes = new ArrayList<>();
        List<String> estimated = new ArrayList<>();
        for (CallRecord r : records) {
            if (r.usageQuality() == dev.fusion.UsageQuality.UNKNOWN) {
                notes.add(who(r) + " reported no usage: its cost is unknown, not $0"
                        + (bounded ? " (charged at its reserved worst case)" : ""));
            } else if (r.usageQuality() == dev.fusion.UsageQuality.ESTIMATED) {
                estimated.add(r.memberId() + " (" + r.status().wireName() + ", " + r.step() + ")");
            }
            if (r.costFlags().contains(dev.fusion.CostFlag.OUTPUT_OVER_MAX)) {
                notes.add(who(r) + " reported " + r.usage().completionTokens() + " generated tokens, beyond the limit it"
                        + " was sent plus the slack; recorded as reported and charged in full");
            }
            if (r.costFlags().contains(dev.fusion.CostFlag.REPORTED_COST_IGNORED)) {
                notes.add(who(r) + " reported a negative cost, or one that is not a believable figure (beyond $1e9, not a"
                        + " number); the figure was ignored");
            }
        }
        if (!estimated.isEmpty()) {
            notes.add("cost incomplete: calls cut off after their request was sent are costed at an estimated"
                    + " lower bound (prompt and text streamed so far)" + (bounded ? ", charged at their reserved worst case" : "")
                    + ": " + String.join(", ", estimated));
        }
        return notes;
    }
}
