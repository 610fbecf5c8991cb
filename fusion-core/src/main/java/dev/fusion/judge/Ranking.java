package dev.fusion.judge;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link Strategy#selectBest(boolean) select-best}: the panel answers ordered by
 * their combined Borda score. In each judged round an answer ranked {@code r}-th of {@code n} earns
 * {@code n - r} points; the scores of the rounds are summed. Ties go to the answer the first round
 * ranked higher. Immutable and thread-safe.
 *
 * @param entries      every judged answer, best first
 * @param roundOrders  per ranking round, the member ids in the order the judge saw them (element 0
 *                     was "Answer 1"); the second round, when run, shows them in reverse
 * @param roundRankings per ranking round, the member ids as the judge ranked them, best first
 */
public record Ranking(List<Entry> entries, List<List<String>> roundOrders, List<List<String>> roundRankings) {

    public Ranking {
        entries = List.copyOf(entries);
        roundOrders = roundOrders.stream().map(List::copyOf).toList();
        roundRankings = roundRankings.stream().map(List::copyOf).toList();
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a ranking needs at least one entry");
        }
    }

    /** The member whose answer won. */
    public String winner() {
        return entries.get(0).memberId();
    }

    /** True when two rounds with opposite orders were combined, cancelling position bias. */
    public boolean positionBiasCancelled() {
        return roundRankings.size() > 1;
    }

    /**
     * One ranked answer.
     *
     * @param memberId the panel member that wrote it
     * @param score    Borda points summed over the ranking rounds
     */
    public record Entry(String memberId, int score) {
        public Entry {
            Objects.requireNonNull(memberId, "memberId");
        }
    }
}
