package dev.fusion.sandbox.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes the sandbox panel personas' answers: deterministic functions of the prompt. With a
 * matching fact, each persona words it in its own style and the personas overlap on purpose (every
 * one states the core; pairs share details and the caveat), so the sandbox judge has real
 * agreement to find. Without one, each gives an honest outline of how it would approach the
 * question, built from the prompt's key terms.
 */
public final class PersonaWriter {

    /** The panel personas' styles. */
    public enum Style { SWIFT, SCHOLAR, CONTRARIAN, TERSE }

    private PersonaWriter() {
    }

    /**
     * What a persona's reply is, for metadata (a response header, a log line): never part of the answer's
     * content, which an application may parse.
     */
    public static String notice(String personaId, String hint) {
        return "Offline answer from " + personaId + ", a scripted persona, not a real model. " + hint;
    }

    /**
     * The answer. A question that asks for just the answer ("Answer with the city name.") gets the short answer
     * when the sandbox has one, the same from every persona (trailing period aside), as real models give.
     */
    public static String body(Style style, String prompt) {
        Optional<String> short_ = KnowledgeBase.shortAnswer(prompt);
        if (short_.isPresent()) {
            return style == Style.TERSE ? short_.get() : short_.get() + (short_.get().endsWith(".") ? "" : ".");
        }
        Optional<KnowledgeBase.Fact> fact = KnowledgeBase.lookup(prompt);
        return fact.isPresent() ? fromFact(style, fact.get()) : outline(style, keyTerms(prompt));
    }

    private static String fromFact(Style style, KnowledgeBase.Fact f) {
        switch (style) {
            case SWIFT:
                return f.core() + " " + f.detail1();
            case TERSE:
                return f.core();
            case CONTRARIAN:
                return f.core() + "\n\nBut do not stop there. " + f.nuance() + " " + f.detail2()
                        + "\n\nCheck the assumptions behind the question before relying on any single answer.";
            default:
                return "Short answer: " + f.core() + "\n\nIn more detail:\n- " + f.detail1() + "\n- " + f.detail2()
                        + "\n\nCaveat: " + f.nuance() + "\n\nIn summary, " + lowerFirst(f.core());
        }
    }

    private static String outline(Style style, List<String> terms) {
        String topic = terms.isEmpty() ? "your question" : join(terms);
        String first = terms.isEmpty() ? "the question" : terms.get(0);
        String a = "The sandbox has no built-in fact about " + topic + ", so here is how I would approach it rather than an answer.";
        String b = "First pin down what " + first + " means in your situation and what a good result would look like.";
        String c = "Then break the problem into parts around " + topic
                + " and check each part against a primary source such as official documentation.";
        String d = "Compare at least two independent options for " + first + " and write down their trade-offs before choosing.";
        String e = "Finally, try the chosen approach on a small example before relying on it.";
        String f = "Question whether " + first + " is the real problem at all, since the underlying need may be simpler.";
        switch (style) {
            case SWIFT:
                return a + "\n" + b + "\n" + c;
            case TERSE:
                return c;
            case CONTRARIAN:
                return a + "\n" + f + "\n" + d;
            default:
                return a + "\n\n1. " + b + "\n2. " + c + "\n3. " + d + "\n4. " + e;
        }
    }

    /** Request verbs and fillers that make poor topics ("plan a party" is about the party). */
    private static final java.util.Set<String> WEAK_TERMS = java.util.Set.of(
            "plan", "write", "create", "build", "help", "want", "need", "best", "good", "know", "think", "better",
            "find", "choose", "improve", "work", "working", "try", "show", "list", "idea", "suggest", "recommend",
            "compare", "let", "say", "see", "look", "new", "start", "set", "put", "take", "go", "going");

    /** Up to four key terms of the prompt: content words of three letters or more, in order of appearance. */
    public static List<String> keyTerms(String prompt) {
        List<String> out = new ArrayList<>();
        for (String w : Text.contentWords(prompt)) {
            if (w.length() >= 3 && !WEAK_TERMS.contains(w) && !w.chars().allMatch(Character::isDigit)) {
                out.add(w);
                if (out.size() == 4) {
                    break;
                }
            }
        }
        return out;
    }

    private static String join(List<String> terms) {
        if (terms.size() == 1) {
            return terms.get(0);
        }
        return String.join(", ", terms.subList(0, terms.size() - 1)) + " and " + terms.get(terms.size() - 1);
    }

    private static String lowerFirst(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && !Character.isUpperCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }
}
