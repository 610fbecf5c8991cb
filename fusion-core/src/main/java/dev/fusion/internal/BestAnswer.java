package dev.fusion.internal;

import dev.fusion.CallRecord;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Picks the best panel answer without a judge: the answer that agrees most with the others, by
 * mean word-set Jaccard similarity; ties go to the earlier member in panel order. Deterministic.
 */
final class BestAnswer {

    private BestAnswer() {
    }

    /** Index into {@code answers} of the best one; {@code answers} must not be empty. */
    static int pick(List<CallRecord> answers) {
        if (answers.size() <= 2) {
            return 0;
        }
        List<Set<String>> words = answers.stream().map(a -> words(a.text())).toList();
        int best = 0;
        double bestScore = -1;
        for (int i = 0; i < words.size(); i++) {
            double sum = 0;
            for (int j = 0; j < words.size(); j++) {
                if (i != j) {
                    sum += jaccard(words.get(i), words.get(j));
                }
            }
            if (sum > bestScore + 1e-12) {
                bestScore = sum;
                best = i;
            }
        }
        return best;
    }

    static Set<String> words(String text) {
        Set<String> set = new HashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
                set.add(w);
            }
        }
        return set;
    }

    static double jaccard(Set<String> a, Set<String> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1;
        }
        int inter = 0;
        for (String w : a) {
            if (b.contains(w)) {
                inter++;
            }
        }
        return (double) inter / (a.size() + b.size() - inter);
    }
}
