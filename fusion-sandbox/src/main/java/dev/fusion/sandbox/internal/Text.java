package dev.fusion.sandbox.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small deterministic text utilities: token estimates, stream chunking, words, sentences. */
public final class Text {

    private static final Pattern WORD_WITH_SPACE = Pattern.compile("\\S+\\s*");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[\\p{Lu}\\p{N}\"'(\\[])");
    private static final Pattern LIST_MARKER = Pattern.compile("^\\s*(?:[-*•]+|\\d+[.)]|#+)\\s+");

    /** Words that carry no topic; used for matching and clustering. */
    public static final Set<String> STOPWORDS = Set.of(
            "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "to", "in", "on", "at", "by",
            "for", "with", "from", "into", "onto", "about", "as", "is", "are", "was", "were", "be", "been",
            "being", "it", "its", "this", "that", "these", "those", "there", "here", "what", "which", "who",
            "whom", "whose", "when", "where", "why", "how", "do", "does", "did", "doing", "done", "can",
            "could", "should", "would", "will", "shall", "may", "might", "must", "i", "me", "my", "we", "our",
            "you", "your", "he", "she", "they", "them", "their", "his", "her", "so", "than", "too", "very",
            "just", "also", "not", "no", "yes", "any", "all", "some", "such", "more", "most", "other", "own",
            "same", "only", "both", "each", "few", "has", "have", "had", "having", "up", "down", "out", "over",
            "under", "again", "further", "once", "however", "though", "although", "while", "because", "since",
            "please", "tell", "explain", "describe", "give", "short", "brief", "briefly", "answer", "question",
            "really", "one", "use", "used", "using", "way", "ways", "thing", "things", "get", "gets", "make",
            "makes", "like", "well", "much", "many", "s", "t", "vs", "versus", "between", "difference");

    private Text() {
    }

    /** The sandbox's token rule: {@code max(1, ceil(codePoints / 4))}; 0 for an empty text. */
    public static long tokens(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        long cp = text.codePointCount(0, text.length());
        return Math.max(1, (cp + 3) / 4);
    }

    /** The longest prefix of {@code text} with at most {@code tokens} tokens, cut at a word boundary when possible. */
    public static String clipToTokens(String text, long tokens) {
        if (tokens(text) <= tokens) {
            return text;
        }
        long maxChars = Math.max(0, tokens * 4);
        int end = text.offsetByCodePoints(0, (int) Math.min(maxChars, text.codePointCount(0, text.length())));
        int space = text.lastIndexOf(' ', end);
        if (space > end / 2) {
            end = space;
        }
        return text.substring(0, end);
    }

    /** Splits text into chunks of {@code words} words each; the chunks concatenate back to the text exactly. */
    public static List<String> chunks(String text, int words) {
        List<String> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        Matcher m = WORD_WITH_SPACE.matcher(text);
        int start = 0;
        int count = 0;
        int lastEnd = 0;
        while (m.find()) {
            count++;
            lastEnd = m.end();
            if (count == words) {
                out.add(text.substring(start, lastEnd));
                start = lastEnd;
                count = 0;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** Lower-case words (letters and digits). */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Content words: lower-case, stopwords removed, a plural "s" stripped; in order, distinct. */
    public static Set<String> contentWords(String text) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : words(text)) {
            if (STOPWORDS.contains(w) || w.length() < 2) {
                continue;
            }
            out.add(stem(w));
        }
        return out;
    }

    /** A very light stemmer: strips a plural "s"/"es" so "caches" and "cache" match. */
    public static String stem(String w) {
        if (w.length() > 4 && w.endsWith("ies")) {
            return w.substring(0, w.length() - 3) + "y";
        }
        if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) {
            return w.substring(0, w.length() - 1);
        }
        return w;
    }

    /**
     * Splits text into sentences: one per line for list items and short lines, and on sentence
     * punctuation within a line. List markers ("- ", "1. ", "# ") are removed; blank pieces dropped.
     */
    public static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String l = LIST_MARKER.matcher(line).replaceFirst("").strip();
            if (l.isEmpty()) {
                continue;
            }
            for (String s : SENTENCE_END.split(l)) {
                String t = s.strip();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** Jaccard similarity of two sets; 0 when both are empty. */
    public static double jaccard(Set<String> a, Set<String> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 0;
        }
        int inter = 0;
        for (String x : a) {
            if (b.contains(x)) {
                inter++;
            }
        }
        return (double) inter / (a.size() + b.size() - inter);
    }
}
