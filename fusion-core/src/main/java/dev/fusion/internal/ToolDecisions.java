package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.DecidedBy;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolSpec;
import dev.fusion.structured.StructuredSchema;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pure rules of a fused tool step: what counts as "the same calls", when agreement decides without a
 * judge, when a dispute is only about arguments, and what makes a decided call valid. No state, no I/O;
 * thread-safe.
 *
 * <p><b>Same calls.</b> Two proposals make the same calls when they call the same tools the same number of
 * times with arguments equal as canonical JSON: object keys in any order, numbers compared by value
 * ({@code 1 == 1.0}), strings, booleans and array order exactly; the order of parallel calls is ignored.
 * A final answer (no calls) is its own proposal kind: final answers all "agree" with each other.
 *
 * <p><b>Agreement.</b> The largest group of identical proposals decides without a judge when it holds every
 * answer ({@link DecidedBy#UNANIMOUS}) or at least {@code quorum} answers and more than any other group
 * ({@link DecidedBy#QUORUM}).
 *
 * <p><b>Argument disputes.</b> When every proposal calls the same tools (same names, same counts) but the
 * arguments differ, the calls are aligned by tool name (then by each proposal's order) and each call's
 * arguments are voted field by field ({@link dev.fusion.structured.StructuredVote}); only the fields without a
 * majority go to the judge.
 */
final class ToolDecisions {

    /** One member's proposal: its calls (empty: a final answer) and its text. */
    record Proposal(String memberId, List<ToolCall> calls, String text) {
        Proposal {
            calls = List.copyOf(calls);
            text = text == null ? "" : text;
        }

        boolean isFinal() {
            return calls.isEmpty();
        }
    }

    /** An agreement that decides without a judge. */
    record Agreement(List<Proposal> supporters, DecidedBy how) {
        boolean isFinal() {
            return supporters.get(0).isFinal();
        }
    }

    private static final String FINAL = "\u0000final";

    private ToolDecisions() {
    }

    /** The key of a proposal: equal keys mean the same calls (order-insensitive), or both final answers. */
    static String key(List<ToolCall> calls) {
        if (calls.isEmpty()) {
            return FINAL;
        }
        List<String> parts = new ArrayList<>();
        for (ToolCall c : calls) {
            parts.add(c.name() + "\u0001" + canonicalArguments(c));
        }
        parts.sort(Comparator.naturalOrder());
        return String.join("\u0002", parts);
    }

    /** A call's arguments as canonical JSON text (unparseable arguments: their raw text, marked). */
    static String canonicalArguments(ToolCall c) {
        JsonNode n;
        try {
            n = c.arguments();
        } catch (IllegalStateException e) {
            return "\u0000raw:" + c.argumentsJson();
        }
        StringBuilder sb = new StringBuilder();
        canonical(sb, n);
        return sb.toString();
    }

    private static void canonical(StringBuilder sb, JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            sb.append("null");
        } else if (n.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), e.getValue());
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey())).append(':');
                canonical(sb, e.getValue());
            }
            sb.append('}');
        } else if (n.isArray()) {
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                canonical(sb, n.get(i));
            }
            sb.append(']');
        } else if (n.isNumber()) {
            BigDecimal d = n.decimalValue().stripTrailingZeros();
            sb.append(d.signum() == 0 ? "0" : d.toPlainString());
        } else {
            sb.append(n); // strings (quoted, escaped) and booleans exactly
        }
    }

    /**
     * The agreement that decides without a judge, or null: the largest group of same proposals when it
     * holds every proposal, or at least {@code quorum} and strictly more than the next group.
     */
    static Agreement agreement(List<Proposal> proposals, int quorum) {
        if (proposals.isEmpty()) {
            return null;
        }
        Map<String, List<Proposal>> groups = groups(proposals);
        List<List<Proposal>> bySize = new ArrayList<>(groups.values());
        bySize.sort(Comparator.comparingInt((List<Proposal> g) -> g.size()).reversed());
        List<Proposal> best = bySize.get(0);
        if (best.size() == proposals.size()) {
            return new Agreement(best, DecidedBy.UNANIMOUS);
        }
        int next = bySize.size() > 1 ? bySize.get(1).size() : 0;
        if (best.size() >= quorum && best.size() > next) {
            return new Agreement(best, DecidedBy.QUORUM);
        }
        return null;
    }

    /** Proposals grouped by {@link #key}, in order of first appearance. */
    static Map<String, List<Proposal>> groups(List<Proposal> proposals) {
        Map<String, List<Proposal>> groups = new LinkedHashMap<>();
        for (Proposal p : proposals) {
            groups.computeIfAbsent(key(p.calls()), k -> new ArrayList<>()).add(p);
        }
        return groups;
    }

    /** The sorted tool names a proposal calls (with repeats): its shape. */
    static List<String> shape(Proposal p) {
        return p.calls().stream().map(ToolCall::name).sorted().toList();
    }

    /** Whether every proposal calls tools, and all the same tools the same number of times. */
    static boolean sameShape(List<Proposal> proposals) {
        if (proposals.isEmpty() || proposals.get(0).isFinal()) {
            return false;
        }
        List<String> first = shape(proposals.get(0));
        return proposals.stream().allMatch(p -> !p.isFinal() && shape(p).equals(first));
    }

    /** A proposal's calls aligned for voting: by tool name, then in the proposal's own order. */
    static List<ToolCall> aligned(Proposal p) {
        List<ToolCall> calls = new ArrayList<>(p.calls());
        calls.sort(Comparator.comparing(ToolCall::name)); // stable: same-name calls keep their order
        return calls;
    }

    /**
     * What is wrong with a decided call, or null when it is valid: it must name an offered tool and its
     * arguments must be a JSON object valid against that tool's schema.
     */
    static String problem(ToolCall call, Map<String, ToolSpec> offered, Map<String, StructuredSchema> schemas) {
        ToolSpec spec = offered.get(call.name());
        if (spec == null) {
            return "the call names tool '" + clip(call.name()) + "', which is not offered (offered: " + offered.keySet() + ")";
        }
        JsonNode args;
        try {
            args = call.arguments();
        } catch (IllegalStateException e) {
            return "the arguments of '" + call.name() + "' are not valid JSON";
        }
        if (args == null || !args.isObject()) {
            return "the arguments of '" + call.name() + "' are not a JSON object";
        }
        List<String> errors = schemas.computeIfAbsent(call.name(), n -> StructuredSchema.of(spec.parametersObject()))
                .validate(args);
        return errors.isEmpty() ? null : "the arguments of '" + call.name() + "' do not match its schema: "
                + String.join("; ", errors);
    }

    /** The offered tools by name. */
    static Map<String, ToolSpec> byName(List<ToolSpec> tools) {
        Map<String, ToolSpec> m = new LinkedHashMap<>();
        tools.forEach(t -> m.put(t.name(), t));
        return m;
    }

    /** A proposal as the judge is shown it (anonymized: no member id). */
    static String render(Proposal p, int maxChars) {
        StringBuilder sb = new StringBuilder();
        if (p.isFinal()) {
            sb.append("Final answer (no tool call):\n").append(p.text());
        } else {
            if (!p.text().isBlank()) {
                sb.append(p.text().strip()).append('\n');
            }
            for (ToolCall c : p.calls()) {
                sb.append("Call ").append(c.name()).append(" with arguments ").append(c.argumentsJson()).append('\n');
            }
        }
        String s = sb.toString().strip();
        return s.length() <= maxChars ? s : s.substring(0, maxChars) + "…";
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
