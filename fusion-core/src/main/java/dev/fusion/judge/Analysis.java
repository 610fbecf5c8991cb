package dev.fusion.judge;

import java.util.List;
import java.util.Objects;

/**
 * The judge's structured analysis of the panel answers, produced by {@link Strategy#analyze()}
 * before it writes the final answer. Answer numbers are 1-based and refer to the order the judge
 * saw ({@code FusionResult.answerOrder()}: number {@code n} is element {@code n-1}; see
 * {@code FusionResult.memberForAnswer(int)}). Immutable and thread-safe; lists are never null.
 *
 * @param consensus       points the answers agree on
 * @param contradictions  topics on which answers take different stances
 * @param partialCoverage points that only some answers cover
 * @param uniqueInsights  points made by a single answer that the judge considers worth keeping
 * @param blindSpots      what every answer missed
 */
public record Analysis(List<String> consensus, List<Contradiction> contradictions,
                       List<PartialCoverage> partialCoverage, List<UniqueInsight> uniqueInsights,
                       List<String> blindSpots) {

    public Analysis {
        consensus = copy(consensus);
        contradictions = copy(contradictions);
        partialCoverage = copy(partialCoverage);
        uniqueInsights = copy(uniqueInsights);
        blindSpots = copy(blindSpots);
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /**
     * One point of disagreement.
     *
     * @param topic   what the answers disagree about
     * @param stances the positions taken, each with the answers holding it
     */
    public record Contradiction(String topic, List<Stance> stances) {
        public Contradiction {
            Objects.requireNonNull(topic, "topic");
            stances = copy(stances);
        }
    }

    /**
     * One position in a contradiction.
     *
     * @param position the stance, in the judge's words
     * @param answers  1-based numbers of the answers taking it
     */
    public record Stance(String position, List<Integer> answers) {
        public Stance {
            Objects.requireNonNull(position, "position");
            answers = copy(answers);
        }
    }

    /**
     * A point covered by some answers only.
     *
     * @param point   the point
     * @param answers 1-based numbers of the answers that cover it
     */
    public record PartialCoverage(String point, List<Integer> answers) {
        public PartialCoverage {
            Objects.requireNonNull(point, "point");
            answers = copy(answers);
        }
    }

    /**
     * A point made by one answer only.
     *
     * @param insight the point
     * @param answer  the 1-based number of the answer that makes it
     */
    public record UniqueInsight(String insight, int answer) {
        public UniqueInsight {
            Objects.requireNonNull(insight, "insight");
        }
    }
}
