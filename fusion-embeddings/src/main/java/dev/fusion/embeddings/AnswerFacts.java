package dev.fusion.embeddings;

import dev.fusion.judge.AgreementRule;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lexical facts that embeddings blur: the numbers an answer states, whether it negates, and its
 * verdict words. Two answers with different facts do not agree, however similar their embeddings.
 */
record AnswerFacts(Set<String> numbers, boolean negated, Set<String> verdicts) {

    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d+(?:\\.\\d+)?");
    /** After normalization "isn't" is "isn t", so "t" stands for n't. */
    private static final Set<String> NEGATIONS = Set.of("no", "not", "never", "none", "nothing", "nobody", "neither",
            "nor", "cannot", "nowhere", "t");
    private static final String[][] OPPOSED = {{"yes", "no"}, {"true", "false"}, {"correct", "incorrect"}};

    static AnswerFacts of(String answer) {
        String norm = AgreementRule.normalize(answer); // NFKC, lower case, canonical numbers, tokens split by single spaces
        Set<String> numbers = new TreeSet<>();
        Matcher m = NUMBER.matcher(norm);
        while (m.find()) {
            numbers.add(m.group());
        }
        boolean negated = false;
        Set<String> verdicts = new TreeSet<>();
        for (String tok : norm.split(" ")) {
            if (NEGATIONS.contains(tok)) {
                negated = true;
            }
            for (String[] pair : OPPOSED) {
                if (tok.equals(pair[0]) || tok.equals(pair[1])) {
                    verdicts.add(tok);
                }
            }
        }
        return new AnswerFacts(Set.copyOf(numbers), negated, Set.copyOf(verdicts));
    }

    boolean compatibleWith(AnswerFacts o) {
        if (!numbers.equals(o.numbers) || negated != o.negated) {
            return false;
        }
        for (String[] pair : OPPOSED) {
            if (onlyOne(this, pair[0], pair[1]) && onlyOne(o, pair[1], pair[0])
                    || onlyOne(this, pair[1], pair[0]) && onlyOne(o, pair[0], pair[1])) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code f} says {@code word} and not its opposite. */
    private static boolean onlyOne(AnswerFacts f, String word, String opposite) {
        return f.verdicts.contains(word) && !f.verdicts.contains(opposite);
    }
}
