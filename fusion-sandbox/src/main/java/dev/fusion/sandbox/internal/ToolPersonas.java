package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the sandbox personas use tools, deterministically, so tool calling runs keyless on every wire
 * format. A persona offered tools looks at the question:
 * <ul>
 *   <li>an arithmetic expression ({@code 17 * 23}) and a tool whose name contains {@code calc}: it calls
 *       that tool with the expression (spaces removed) — every persona agrees;</li>
 *   <li>a tool whose name contains {@code lookup} or {@code search}: it calls it with the question's
 *       subject (its last capitalized word not opening the question, else its longest word). The
 *       contrarian looks up another word (the first long word that is not the subject), so lookups show an
 *       argument dispute;</li>
 *   <li>a tool whose name contains {@code consult} (a fusion offered as a tool): every persona asks it the
 *       whole question, and does nothing else;</li>
 *   <li>both apply: every persona calls both (parallel calls), except the terse one, which calls only the
 *       first — a dispute about which calls to make;</li>
 *   <li>nothing applies: it answers in text as usual.</li>
 * </ul>
 * The argument goes in the tool's first required property (else its first property, else {@code input}).
 * A conversation ending with tool results gets a final text answer quoting them. The judge, asked to
 * decide a step with tools, reads the {@code <question>} block of its prompt and decides like the
 * swift persona. Stateless.
 */
public final class ToolPersonas {

    private static final Pattern EXPRESSION = Pattern.compile("\\d+(?:\\.\\d+)?(?:\\s*[-+*/]\\s*\\d+(?:\\.\\d+)?)+");
    private static final Pattern QUESTION = Pattern.compile("<question>(.*?)</question>", Pattern.DOTALL);
    private static final Pattern WORD = Pattern.compile("[\\p{L}][\\p{L}\\-]*");
    private static final Set<String> STOP = Set.of("what", "which", "where", "when", "whose", "about", "there",
            "their", "these", "those", "would", "could", "should", "please", "tell", "look", "find", "compute");

    private ToolPersonas() {
    }

    /**
     * The reply of a persona to a request that offers tools, or null when the persona answers in text as
     * usual (no tools offered, or none applies).
     *
     * @param persona  the persona id ({@code sandbox-swift}, ...)
     * @param contrarian whether it is the contrarian
     * @param terse    whether it is the terse persona
     * @param notice   a line to open a text reply with, or empty (the sandbox personas label their replies in a
     *                 response header, never in the text)
     */
    public static Reply reply(String persona, boolean contrarian, boolean terse, String notice, WireRequest r) {
        if (r.tools().isEmpty()) {
            return null;
        }
        if (!r.toolResults().isEmpty()) {
            StringBuilder sb = new StringBuilder(notice == null || notice.isBlank() ? "" : notice + "\n\n")
                    .append("From the tools: ");
            for (int i = 0; i < r.toolResults().size(); i++) {
                WireRequest.ToolOutput o = r.toolResults().get(i);
                sb.append(i == 0 ? "" : "; ").append(o.name() == null ? "a tool" : o.name())
                        .append(o.error() ? " failed with " : " returned ").append(o.content());
            }
            return Reply.text(sb.append('.').toString());
        }
        String question = r.lastUserText();
        Matcher q = QUESTION.matcher(question);
        if (q.find()) {
            question = q.group(1).strip();
        }
        List<Reply.ToolCall> calls = plan(question, r.tools(), contrarian);
        if (calls.isEmpty()) {
            return null;
        }
        if (terse && calls.size() > 1) {
            calls = calls.subList(0, 1);
        }
        return Reply.toolCalls("", calls);
    }

    /** The calls a persona makes for a question (empty when no offered tool applies). */
    static List<Reply.ToolCall> plan(String question, List<WireRequest.Tool> tools, boolean contrarian) {
        List<Reply.ToolCall> out = new ArrayList<>();
        WireRequest.Tool consult = find(tools, "consult");
        if (consult != null && !question.isBlank()) {
            out.add(call(consult, question.strip()));
            return out;
        }
        Matcher m = EXPRESSION.matcher(question);
        WireRequest.Tool calc = find(tools, "calc");
        if (calc != null && m.find()) {
            out.add(call(calc, m.group().replaceAll("\\s+", "")));
        }
        WireRequest.Tool lookup = find(tools, "lookup");
        if (lookup == null) {
            lookup = find(tools, "search");
        }
        if (lookup != null) {
            String subject = subject(question);
            if (subject != null) {
                out.add(call(lookup, contrarian ? other(question, subject) : subject));
            }
        }
        return out;
    }

    private static WireRequest.Tool find(List<WireRequest.Tool> tools, String part) {
        for (WireRequest.Tool t : tools) {
            if (t.name().toLowerCase(Locale.ROOT).contains(part)) {
                return t;
            }
        }
        return null;
    }

    private static Reply.ToolCall call(WireRequest.Tool tool, String value) {
        var args = Dialect.object();
        args.put(argumentName(tool), value);
        return new Reply.ToolCall(tool.name(), Dialect.write(args));
    }

    /** The tool's first required property, else its first property, else {@code input}. */
    static String argumentName(WireRequest.Tool tool) {
        try {
            JsonNode schema = Dialect.JSON.readTree(tool.parametersJson());
            JsonNode required = schema.path("required");
            if (required.isArray() && required.size() > 0 && required.get(0).isTextual()) {
                return required.get(0).asText();
            }
            var names = schema.path("properties").fieldNames();
            if (names.hasNext()) {
                return names.next();
            }
        } catch (Exception unreadable) {
            // fall through
        }
        return "input";
    }

    /** The last capitalized word that does not open the question, else the longest word; null when none. */
    static String subject(String question) {
        List<String> words = words(question);
        if (words.isEmpty()) {
            return null;
        }
        for (int i = words.size() - 1; i > 0; i--) {
            String w = words.get(i);
            if (Character.isUpperCase(w.codePointAt(0))) {
                return w;
            }
        }
        String best = null;
        for (String w : words) {
            if (w.length() >= 3 && !STOP.contains(w.toLowerCase(Locale.ROOT)) && (best == null || w.length() > best.length())) {
                best = w;
            }
        }
        return best;
    }

    private static String other(String question, String subject) {
        for (String w : words(question)) {
            if (w.length() >= 5 && !w.equalsIgnoreCase(subject) && !STOP.contains(w.toLowerCase(Locale.ROOT))) {
                return w.toLowerCase(Locale.ROOT);
            }
        }
        return subject;
    }

    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
