package dev.fusion.sandbox;

import dev.fusion.sandbox.internal.Text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox judge's deterministic merge: no model, just text. Each answer is split into
 * sentences; sentences whose content words (lower-case, stopwords removed, plurals folded) have a
 * Jaccard similarity at or above the threshold with a sentence already seen join its cluster
 * (single linkage, in answer order); a cluster's support is the number of distinct answers in it.
 * Points supported by two or more answers ("consensus") come first, most supported first; then the
 * points only one answer makes, in order of appearance; every cluster is written once, so repeated
 * and near-duplicate sentences collapse. The same input always gives the same output.
 * Immutable and thread-safe.
 */
public final class SandboxMerger {

    /** The similarity at or above which two sentences make the same point. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /** A block as the judge prompt fences it: {@code <answer-ID n="k">…</answer-ID>} (or without an id). */
    private static final Pattern ANSWER = Pattern.compile("<answer(-[0-9a-f]+|)(?:\\s+n=\"(\\d+)\")?\\s*>(.*?)</answer\\1>",
            Pattern.DOTALL);
    private static final Pattern QUESTION = Pattern.compile("<question>(.*?)</question>", Pattern.DOTALL);
    private static final Pattern ANSWER_LABEL = Pattern.compile("^\\s*Answer\\s+\\d+\\s*:\\s*", Pattern.CASE_INSENSITIVE);
    /** Sentences with fewer content words than this are connective tissue, not points. */
    private static final int MIN_CONTENT_WORDS = 2;

    private final double threshold;

    /** A merger with the {@link #DEFAULT_THRESHOLD}. */
    public SandboxMerger() {
        this(DEFAULT_THRESHOLD);
    }

    /** A merger with its own similarity threshold in (0, 1]. */
    public SandboxMerger(double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be within (0, 1], got " + threshold);
        }
        this.threshold = threshold;
    }

    /**
     * One merged point.
     *
     * @param text    the representative sentence (the member most similar to the others; earliest on ties)
     * @param support how many distinct answers make this point
     * @param answers the 1-based numbers of those answers, ascending
     */
    public record Point(String text, int support, List<Integer> answers) {
    }

    /**
     * The result of a merge.
     *
     * @param question          the question, or empty when unknown
     * @param answerCount       how many answers were merged
     * @param consensus         points made by two or more answers, most supported first
     * @param unique            points made by one answer, in order of appearance
     * @param duplicatesDropped sentences folded into a point another sentence already made
     */
    public record Merge(String question, int answerCount, List<Point> consensus, List<Point> unique,
                        int duplicatesDropped) {

        /**
         * What this merge did, in one line (for metadata and logs, not part of {@link #render()}): how many
         * answers, agreed and unique points, near-duplicates dropped, and that no model was called.
         */
        public String notice() {
            return "Deterministic merge by " + Sandbox.JUDGE + " of " + answerCount
                    + (answerCount == 1 ? " answer" : " answers") + ": " + consensus.size() + " agreed "
                    + (consensus.size() == 1 ? "point" : "points") + ", " + unique.size() + " unique, "
                    + duplicatesDropped + " near-duplicates dropped. No model was called. " + Sandbox.REAL_PROVIDERS_HINT;
        }

        /** The merged answer as the sandbox judge sends it: the points, with no label in it (see {@link #notice()}). */
        public String render() {
            StringBuilder sb = new StringBuilder();
            if (answerCount == 0) {
                sb.append("There were no answers to merge (the judge prompt had no <answer> blocks).\n");
                return sb.toString();
            }
            if (!consensus.isEmpty()) {
                sb.append("What the answers agree on:\n");
                for (Point p : consensus) {
                    sb.append("- ").append(p.text()).append(" (").append(p.support()).append(" of ")
                            .append(answerCount).append(" answers)\n");
                }
            } else {
                sb.append("The answers share no common point.\n");
            }
            if (!unique.isEmpty()) {
                sb.append("\nAlso worth noting (one answer each):\n");
                for (Point p : unique) {
                    sb.append("- ").append(p.text()).append('\n');
                }
            }
            return sb.toString();
        }
    }

    /** The question between {@code <question>} and {@code </question>}, or empty. */
    public static String question(String judgePrompt) {
        Matcher m = QUESTION.matcher(judgePrompt);
        return m.find() ? m.group(1).strip() : "";
    }

    /**
     * The answers between {@code <answer-ID n="…">} and {@code </answer-ID>}, in prompt order, without the
     * "Answer n:" label the default judge template adds.
     */
    public static List<String> answers(String judgePrompt) {
        List<String> out = new ArrayList<>();
        Matcher m = ANSWER.matcher(judgePrompt);
        while (m.find()) {
            out.add(ANSWER_LABEL.matcher(m.group(3).strip()).replaceFirst(""));
        }
        return out;
    }

    /** Merges the answers embedded in a judge prompt. */
    public Merge mergeJudgePrompt(String judgePrompt) {
        Objects.requireNonNull(judgePrompt, "judgePrompt");
        return merge(question(judgePrompt), answers(judgePrompt));
    }

    /** Merges answers to a question. Lines starting with {@code [sandbox]} (persona notices) are ignored. */
    public Merge merge(String question, List<String> answers) {
        Objects.requireNonNull(answers, "answers");
        List<Cluster> clusters = new ArrayList<>();
        int sentences = 0;
        for (int a = 0; a < answers.size(); a++) {
            int s = 0;
            for (String sentence : Text.sentences(withoutNotices(answers.get(a)))) {
                Set<String> words = Text.contentWords(sentence);
                if (words.size() < MIN_CONTENT_WORDS) {
                    continue;
                }
                sentences++;
                Member member = new Member(a + 1, s++, sentence, words);
                Cluster best = null;
                double bestSim = 0;
                for (Cluster c : clusters) {
                    double sim = c.similarity(words);
                    if (sim > bestSim) {
                        best = c;
                        bestSim = sim;
                    }
                }
                if (best != null && bestSim >= threshold) {
                    best.members.add(member);
                } else {
                    Cluster c = new Cluster();
                    c.members.add(member);
                    clusters.add(c);
                }
            }
        }
        List<Point> consensus = new ArrayList<>();
        List<Point> unique = new ArrayList<>();
        List<Cluster> agreed = new ArrayList<>();
        for (Cluster c : clusters) {
            if (c.answers().size() >= 2) {
                agreed.add(c);
            } else {
                unique.add(c.point());
            }
        }
        // Stable sort: equal support keeps order of first appearance.
        agreed.sort(Comparator.comparingInt((Cluster c) -> c.answers().size()).reversed());
        for (Cluster c : agreed) {
            consensus.add(c.point());
        }
        return new Merge(question == null ? "" : question.strip(), answers.size(), List.copyOf(consensus),
                List.copyOf(unique), sentences - clusters.size());
    }

    private static String withoutNotices(String answer) {
        StringBuilder sb = new StringBuilder();
        for (String line : answer.split("\\R")) {
            if (!line.strip().toLowerCase(Locale.ROOT).startsWith("[sandbox]")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    private record Member(int answer, int index, String text, Set<String> words) {
    }

    private static final class Cluster {
        final List<Member> members = new ArrayList<>();

        double similarity(Set<String> words) {
            double max = 0;
            for (Member m : members) {
                max = Math.max(max, Text.jaccard(m.words(), words));
            }
            return max;
        }

        TreeSet<Integer> answers() {
            TreeSet<Integer> out = new TreeSet<>();
            for (Member m : members) {
                out.add(m.answer());
            }
            return out;
        }

        Point point() {
            Member rep = members.get(0);
            double best = -1;
            for (Member m : members) {
                double sum = 0;
                for (Member o : members) {
                    if (o != m) {
                        sum += Text.jaccard(m.words(), o.words());
                    }
                }
                if (sum > best) {
                    best = sum;
                    rep = m;
                }
            }
            return new Point(rep.text(), answers().size(), List.copyOf(answers()));
        }
    }
}
