package dev.fusion.structured.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.internal.ObjectMappers;
import dev.fusion.structured.AnswerProblem;
import dev.fusion.structured.InvalidAnswerException;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Turns a model's text answer into one JSON value: the whole text, or the body of one code fence
 * ({@code ```json … ```} or {@code ``` … ```}) that is the whole text. Anything before or after the
 * value is rejected, not guessed around. Size and nesting are bounded. Stateless, thread-safe.
 */
public final class AnswerParser {

    /** The most characters of one number in an answer. */
    public static final int MAX_NUMBER_CHARS = ObjectMappers.MAX_NUMBER_CHARS;
    /** The largest exponent magnitude of a number in an answer ({@code 1e400} passes, {@code 1e1001} does not). */
    public static final int MAX_EXPONENT = 1000;

    private final int maxChars;
    private final int maxDepth;
    private final ObjectMapper reader;

    /**
     * @param maxDepth the nesting {@code reader} allows (named in the message when it is exceeded)
     * @param reader   a reader from {@link ObjectMappers} whose nesting limit is {@code maxDepth}
     */
    public AnswerParser(int maxChars, int maxDepth, ObjectMapper reader) {
        this.maxChars = maxChars;
        this.maxDepth = maxDepth;
        this.reader = reader;
    }

    public JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            throw fail(AnswerProblem.EMPTY, "the answer is empty; expected one JSON value");
        }
        if (text.length() > maxChars) {
            throw fail(AnswerProblem.TOO_LARGE, "the answer has " + text.length() + " characters; at most "
                    + maxChars + " are accepted");
        }
        String body = unfence(text.strip());
        if (body.isBlank()) {
            throw fail(AnswerProblem.EMPTY, "the code fence is empty; expected one JSON value inside it");
        }
        checkNumbers(body);
        try (JsonParser p = reader.createParser(body)) {
            JsonNode node = reader.readTree(p);
            if (node == null || node.isMissingNode()) {
                throw fail(AnswerProblem.EMPTY, "the answer holds no JSON value");
            }
            JsonLocation end = p.currentLocation();
            boolean trailing;
            try {
                trailing = p.nextToken() != null;
            } catch (IOException e) {
                trailing = true;
            }
            if (trailing) {
                throw fail(AnswerProblem.TRAILING_CONTENT, "unexpected text after the JSON value, which ends at line "
                        + end.getLineNr() + ", column " + end.getColumnNr() + "; send only one JSON value");
            }
            return node;
        } catch (StreamConstraintsException e) {
            if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("depth")) {
                throw fail(AnswerProblem.TOO_DEEP, "the JSON nests deeper than " + maxDepth + " levels");
            }
            throw fail(AnswerProblem.TOO_LARGE, "the JSON exceeds a size limit: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw fail(AnswerProblem.NOT_JSON, "not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw fail(AnswerProblem.NOT_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        } catch (InvalidAnswerException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // NumberFormatException, ArithmeticException and whatever else a hostile document can provoke:
            // an answer that cannot be read is an invalid answer, never an error of the ask.
            throw fail(AnswerProblem.NOT_JSON, "not readable JSON (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Checks every number's text before any is converted: at most {@link #MAX_NUMBER_CHARS} characters
     * (also enforced by the reader's {@code StreamReadConstraints}) and an exponent of at most
     * {@link #MAX_EXPONENT} in magnitude. A number like {@code 1e999999} is tiny as text but takes seconds
     * to check against {@code multipleOf} or {@code type: integer} (a million-digit integer), and
     * {@code 9.99e-2147483647} cannot be a {@code BigDecimal} at all.
     */
    private void checkNumbers(String body) {
        try (JsonParser p = reader.getFactory().createParser(body)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                    String n = p.getText();
                    if (n.length() > MAX_NUMBER_CHARS || exponentTooLarge(n)) {
                        throw fail(AnswerProblem.TOO_LARGE, "the number " + clip(n, 40) + " at line "
                                + p.currentTokenLocation().getLineNr() + " is too large to check: numbers may have at most "
                                + MAX_NUMBER_CHARS + " characters and an exponent of at most " + MAX_EXPONENT);
                    }
                }
            }
        } catch (StreamConstraintsException e) {
            if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("depth")) {
                throw fail(AnswerProblem.TOO_DEEP, "the JSON nests deeper than " + maxDepth + " levels");
            }
            throw fail(AnswerProblem.TOO_LARGE, "the JSON exceeds a size limit: " + firstLine(e.getOriginalMessage()));
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidAnswerException i) {
                throw i;
            }
            // Not JSON: the full read reports where and why.
        }
    }

    static boolean exponentTooLarge(String number) {
        int e = Math.max(number.indexOf('e'), number.indexOf('E'));
        if (e < 0) {
            return false;
        }
        int i = e + 1;
        if (i < number.length() && (number.charAt(i) == '+' || number.charAt(i) == '-')) {
            i++;
        }
        while (i < number.length() - 1 && number.charAt(i) == '0') {
            i++; // leading zeros of the exponent
        }
        String digits = number.substring(i);
        return digits.length() > 6 || Integer.parseInt(digits.isEmpty() ? "0" : digits) > MAX_EXPONENT;
    }

    /** The body of a code fence that spans the whole text, or the text itself when it is not fenced. */
    private static String unfence(String text) {
        if (!text.startsWith("```")) {
            return text;
        }
        int nl = text.indexOf('\n');
        if (nl < 0) {
            throw fail(AnswerProblem.NOT_JSON, "the code fence has no content; put the JSON on the lines after ```json");
        }
        String tag = text.substring(3, nl).strip().toLowerCase(Locale.ROOT);
        if (!tag.isEmpty() && !tag.equals("json")) {
            throw fail(AnswerProblem.NOT_JSON, "the code fence is labelled '" + clip(tag, 20) + "'; expected json");
        }
        String rest = text.substring(nl + 1).stripTrailing();
        if (!rest.endsWith("```")) {
            throw fail(AnswerProblem.NOT_JSON, "the code fence is not closed with ``` at the end of the answer");
        }
        return rest.substring(0, rest.length() - 3);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return clip(nl < 0 ? s : s.substring(0, nl), 200);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    private static InvalidAnswerException fail(AnswerProblem problem, String message) {
        return new InvalidAnswerException(problem, List.of(message));
    }
}
