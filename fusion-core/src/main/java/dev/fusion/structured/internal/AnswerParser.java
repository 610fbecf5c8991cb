package dev.fusion.structured.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    private final int maxChars;
    private final int maxDepth;
    private final ObjectMapper reader;

    public AnswerParser(int maxChars, int maxDepth) {
        this.maxChars = maxChars;
        this.maxDepth = maxDepth;
        this.reader = Json.reader(maxDepth);
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
        }
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
