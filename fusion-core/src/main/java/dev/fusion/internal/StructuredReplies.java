package dev.fusion.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.judge.Analysis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses the judge's JSON replies (analysis, ranking) into typed values. Tolerates a code fence or
 * prose around the object and missing lists; rejects anything else with a short, plain-ASCII
 * message fit to be sent back to the judge. Stateless, thread-safe.
 */
final class StructuredReplies {

    /** Longest error text sent back to a judge (plain ASCII, so at most this many tokens). */
    static final int MAX_ERROR_CHARS = 300;

    private static final ObjectMapper JSON = ObjectMappers.DEFAULT;

    private StructuredReplies() {
    }

    /** A reply that could not be used; the message is safe to show to the judge. */
    static final class InvalidReply extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidReply(String message) {
            super(sanitize(message));
        }
    }

    /** The JSON object inside a reply: the text from the first '{' to the last '}'. */
    static String extractObject(String text) throws InvalidReply {
        if (text == null) {
            throw new InvalidReply("the reply was empty");
        }
        int start = text.indexOf('{');
        int end = text.lastIndexOf('}');
        if (start < 0 || end < start) {
            throw new InvalidReply("the reply contains no JSON object (expected text starting with '{')");
        }
        return text.substring(start, end + 1);
    }

    private static JsonNode tree(String text) throws InvalidReply {
        String json = extractObject(text);
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new InvalidReply("the reply is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            var loc = e.getLocation();
            throw new InvalidReply("invalid JSON: " + msg + (loc != null ? " (line " + loc.getLineNr() + ", column "
                    + loc.getColumnNr() + ")" : ""));
        }
    }

    /** Parses an analysis whose answer numbers must lie in {@code 1..answerCount}. */
    static Analysis analysis(String text, int answerCount) throws InvalidReply {
        JsonNode root = tree(text);
        if (!(root.has("consensus") || root.has("contradictions") || root.has("partial_coverage")
                || root.has("unique_insights") || root.has("blind_spots"))) {
            throw new InvalidReply("the object has none of the keys consensus, contradictions, partial_coverage,"
                    + " unique_insights, blind_spots");
        }
        List<String> consensus = strings(root, "consensus", "point");
        List<Analysis.Contradiction> contradictions = new ArrayList<>();
        for (JsonNode c : array(root, "contradictions")) {
            List<Analysis.Stance> stances = new ArrayList<>();
            for (JsonNode st : array(c, "stances")) {
                stances.add(new Analysis.Stance(text(st, "position", "contradictions[].stances[]"),
                        numbers(st, "answers", answerCount, "contradictions[].stances[]")));
            }
            contradictions.add(new Analysis.Contradiction(text(c, "topic", "contradictions[]"), stances));
        }
        List<Analysis.PartialCoverage> partial = new ArrayList<>();
        for (JsonNode p : array(root, "partial_coverage")) {
            partial.add(new Analysis.PartialCoverage(text(p, "point", "partial_coverage[]"),
                    numbers(p, "answers", answerCount, "partial_coverage[]")));
        }
        List<Analysis.UniqueInsight> unique = new ArrayList<>();
        for (JsonNode u : array(root, "unique_insights")) {
            JsonNode a = u.get("answer");
            if (a == null || !a.canConvertToInt()) {
                throw new InvalidReply("unique_insights[].answer must be an answer number");
            }
            unique.add(new Analysis.UniqueInsight(text(u, "insight", "unique_insights[]"),
                    checkNumber(a.asInt(), answerCount, "unique_insights[].answer")));
        }
        return new Analysis(consensus, contradictions, partial, unique, strings(root, "blind_spots", "point"));
    }

    /**
     * Parses a ranking: 0-based answer indexes, best first. Every answer {@code 1..answerCount}
     * must appear exactly once.
     */
    static List<Integer> ranking(String text, int answerCount) throws InvalidReply {
        JsonNode root = tree(text);
        JsonNode r = root.get("ranking");
        if (r == null || !r.isArray()) {
            throw new InvalidReply("the object has no \"ranking\" array");
        }
        List<Integer> order = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (JsonNode e : r) {
            JsonNode a = e.isObject() ? e.get("answer") : e;
            if (a == null || !a.canConvertToInt()) {
                throw new InvalidReply("every ranking entry needs \"answer\": <number>");
            }
            int n = checkNumber(a.asInt(), answerCount, "ranking[].answer");
            if (!seen.add(n)) {
                throw new InvalidReply("answer " + n + " appears more than once in the ranking");
            }
            order.add(n - 1);
        }
        if (order.size() != answerCount) {
            List<Integer> missing = new ArrayList<>();
            for (int i = 1; i <= answerCount; i++) {
                if (!seen.contains(i)) {
                    missing.add(i);
                }
            }
            throw new InvalidReply("the ranking must list all " + answerCount + " answers; missing " + missing);
        }
        return order;
    }

    private static List<JsonNode> array(JsonNode parent, String key) throws InvalidReply {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidReply("\"" + key + "\" must be an array");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private static List<String> strings(JsonNode parent, String key, String objectField) throws InvalidReply {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array(parent, key)) {
            if (n.isTextual()) {
                out.add(n.asText());
            } else if (n.isObject() && n.path(objectField).isTextual()) {
                out.add(n.get(objectField).asText());
            } else {
                throw new InvalidReply("\"" + key + "\" must be an array of strings");
            }
        }
        return out;
    }

    private static String text(JsonNode n, String key, String where) throws InvalidReply {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw new InvalidReply(where + " needs a string \"" + key + "\"");
        }
        return v.asText();
    }

    private static List<Integer> numbers(JsonNode n, String key, int answerCount, String where) throws InvalidReply {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) {
            throw new InvalidReply(where + " needs \"" + key + "\": an array of answer numbers");
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.canConvertToInt()) {
                throw new InvalidReply(where + "." + key + " must contain answer numbers only");
            }
            out.add(checkNumber(e.asInt(), answerCount, where + "." + key));
        }
        return out;
    }

    private static int checkNumber(int n, int answerCount, String where) throws InvalidReply {
        if (n < 1 || n > answerCount) {
            throw new InvalidReply(where + " refers to answer " + n + ", but there are only answers 1 to " + answerCount);
        }
        return n;
    }

    /** Printable ASCII only, at most {@link #MAX_ERROR_CHARS} characters. */
    static String sanitize(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < MAX_ERROR_CHARS; i++) {
            char c = s.charAt(i);
            sb.append(c >= 32 && c < 127 ? c : ' ');
        }
        return sb.toString();
    }
}
