package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.sandbox.SandboxMerger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The sandbox judge's structured replies, in the exact JSON shapes Fusion's strategy prompts ask
 * for ({@code analyze-system.txt}, {@code rank-system.txt}), computed from a deterministic
 * {@link SandboxMerger.Merge}: no model, so nothing here is evidence of quality. Stateless,
 * thread-safe.
 */
public final class JudgeReplies {

    /** What the judge was asked for, read from its prompt. */
    public enum Kind {
        /** Write a merged answer (synthesize, the analyze strategy's writing call, custom prompts). */
        MERGE,
        /** The analyze strategy's JSON analysis. */
        ANALYSIS,
        /** The select-best strategy's JSON ranking. */
        RANKING
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private JudgeReplies() {
    }

    /**
     * The kind of reply a judge request asks for: its system prompt shows the JSON shape it wants
     * ({@code {"ranking": ...}} or an object with {@code "blind_spots"}), or its user message says
     * "Return the JSON ranking" / "Return the JSON analysis".
     */
    public static Kind kind(String system, String user) {
        String s = system == null ? "" : system;
        String u = user == null ? "" : user.toLowerCase(Locale.ROOT);
        if (s.contains("{\"ranking\"") || u.contains("return the json ranking")) {
            return Kind.RANKING;
        }
        if (s.contains("\"blind_spots\"") || u.contains("return the json analysis")) {
            return Kind.ANALYSIS;
        }
        return Kind.MERGE;
    }

    /**
     * The analysis object: points most answers make as {@code consensus}, points two or more (but
     * not most) make as {@code partial_coverage}, single-answer points as {@code unique_insights};
     * the merge cannot see contradictions or blind spots, so those lists are empty.
     */
    public static String analysis(SandboxMerger.Merge merge) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode consensus = root.putArray("consensus");
        root.putArray("contradictions");
        ArrayNode partial = root.putArray("partial_coverage");
        ArrayNode unique = root.putArray("unique_insights");
        root.putArray("blind_spots");
        int n = merge.answerCount();
        for (SandboxMerger.Point p : merge.consensus()) {
            if (2 * p.support() > n) {
                consensus.add(p.text());
            } else {
                ObjectNode o = partial.addObject();
                o.put("point", p.text());
                ArrayNode a = o.putArray("answers");
                p.answers().forEach(a::add);
            }
        }
        for (SandboxMerger.Point p : merge.unique()) {
            ObjectNode o = unique.addObject();
            o.put("insight", p.text());
            o.put("answer", p.answers().get(0));
        }
        return root.toString();
    }

    /**
     * The ranking object: every answer once, best first. An answer scores one point for each agreed
     * point it makes, weighted by that point's support; then its unique points; ties keep the lower
     * number first. Deterministic in the answers' content, so reversing their order reverses nothing.
     */
    public static String ranking(SandboxMerger.Merge merge) {
        int n = merge.answerCount();
        int[] agreed = new int[n + 1];
        int[] support = new int[n + 1];
        int[] own = new int[n + 1];
        for (SandboxMerger.Point p : merge.consensus()) {
            for (int a : p.answers()) {
                agreed[a]++;
                support[a] += p.support();
            }
        }
        for (SandboxMerger.Point p : merge.unique()) {
            own[p.answers().get(0)]++;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer a) -> -support[a]).thenComparingInt(a -> -own[a])
                .thenComparingInt(a -> a));
        ObjectNode root = JSON.createObjectNode();
        ArrayNode ranking = root.putArray("ranking");
        for (int a : order) {
            ObjectNode o = ranking.addObject();
            o.put("answer", a);
            o.put("reason", "makes " + agreed[a] + " of the " + merge.consensus().size() + " points other answers share"
                    + " and " + own[a] + " of its own (sandbox: scored by sentence overlap, not by a model)");
        }
        return root.toString();
    }
}
