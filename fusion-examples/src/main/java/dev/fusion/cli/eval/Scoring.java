package dev.fusion.cli.eval;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/** Deterministic scoring for the exact, contains and regex grading modes. Stateless. */
public final class Scoring {

    private Scoring() {
    }

    /** Lower-case, accents stripped, punctuation dropped (except inside numbers), whitespace collapsed. */
    public static String normalize(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
        t = t.toLowerCase(Locale.ROOT);
        t = t.replaceAll("(?<=\\d)[,_](?=\\d{3})", "");        // 1,000 -> 1000
        t = t.replaceAll("[^\\p{L}\\p{N}.]+", " ");            // punctuation -> space (keep decimal points)
        t = t.replaceAll("\\.(?!\\d)|(?<!\\d)\\.", " ");        // dots that are not decimal points
        return t.trim().replaceAll("\\s+", " ");
    }

    /** Scores {@code answer} for a deterministic grading mode; JUDGE is not handled here. */
    public static boolean score(EvalItem.Grading mode, String answer, String reference) {
        if (answer == null) {
            return false;
        }
        return switch (mode) {
            case EXACT -> normalize(answer).equals(normalize(reference));
            case CONTAINS -> (" " + normalize(answer) + " ").contains(" " + normalize(reference) + " ");
            case REGEX -> Pattern.compile(reference, Pattern.CASE_INSENSITIVE | Pattern.DOTALL).matcher(answer).find();
            case JUDGE -> throw new IllegalArgumentException("judge grading needs a grader model");
        };
    }
}
