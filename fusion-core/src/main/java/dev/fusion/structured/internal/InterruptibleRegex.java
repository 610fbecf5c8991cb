package dev.fusion.structured.internal;

import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;

import java.util.regex.Pattern;

/**
 * The validator's regular expressions ({@code pattern}, {@code patternProperties}, {@code format: regex}):
 * {@code java.util.regex}, exactly as the validator's own JDK factory compiles and matches them
 * ({@link Pattern#compile(String)}, {@code find()}), except that a match stops when its thread is
 * interrupted. {@code java.util.regex} never looks at the interrupt flag itself, and a pattern such as
 * {@code ^(a+)+$} backtracks exponentially on {@code "aaaa…ab"}; so the matched text is read through a
 * {@link CharSequence} that checks the flag every {@value #CHECK_EVERY} characters read and then throws
 * {@link Interrupted}. Whoever runs a validation can thus stop it (the ask's deadline does) and get its
 * thread back. Thread-safe: compiled patterns are immutable; each match has its own reader.
 */
public final class InterruptibleRegex implements RegularExpressionFactory {

    /** The one instance. */
    public static final InterruptibleRegex FACTORY = new InterruptibleRegex();

    /** How many characters a match reads between two looks at the interrupt flag (a power of two). */
    static final int CHECK_EVERY = 1024;

    private InterruptibleRegex() {
    }

    @Override
    public RegularExpression getRegularExpression(String regex) {
        Pattern p = Pattern.compile(regex);
        return value -> p.matcher(new Checked(value)).find();
    }

    /** A match stopped because its thread was interrupted; the interrupt flag is left set. */
    public static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("a regular expression match was interrupted", null, false, false);
        }
    }

    /** The text of one match, read with a look at the interrupt flag every {@link #CHECK_EVERY} characters. */
    private static final class Checked implements CharSequence {
        private final CharSequence text;
        private int reads;

        Checked(CharSequence text) {
            this.text = text;
        }

        @Override
        public char charAt(int index) {
            if ((++reads & (CHECK_EVERY - 1)) == 0 && Thread.currentThread().isInterrupted()) {
                throw new Interrupted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Checked(text.subSequence(start, end));
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
