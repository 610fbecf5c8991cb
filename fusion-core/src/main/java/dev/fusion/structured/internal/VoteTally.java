package dev.fusion.structured.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.structured.DisputedLeaf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leaf-by-leaf majority vote over N answers (see {@code StructuredVote} for the rules). Runs once in
 * its constructor; the fields are then only read. Not shared across threads before construction ends.
 */
public final class VoteTally {

    private static final JsonNode DISPUTED = MissingNode.getInstance();

    private final int n;
    /** The merged value with the majority leaves; {@code null} when the root itself is absent or disputed. */
    private final JsonNode merged;
    /** Every leaf pointer decided present or disputed, in document order. */
    private final List<String> order = new ArrayList<>();
    /** Supporters of each leaf decided present by majority. */
    private final Map<String, Integer> support = new HashMap<>();
    private final List<DisputedLeaf> disputed = new ArrayList<>();
    /** The key order of every merged object (first appearance across the answers), to re-apply after the judge. */
    private final Map<String, List<String>> keyOrder = new HashMap<>();

    public VoteTally(List<? extends JsonNode> answers) {
        this.n = answers.size();
        int[] voters = new int[n];
        JsonNode[] vals = new JsonNode[n];
        for (int i = 0; i < n; i++) {
            voters[i] = i;
            vals[i] = answers.get(i);
        }
        JsonNode root = decide("", voters, vals);
        this.merged = root == null || root.isMissingNode() ? null : root;
    }

    public int answerCount() {
        return n;
    }

    /** The merged value (not copied: callers copy), or {@code null}. */
    public JsonNode merged() {
        return merged;
    }

    public List<String> order() {
        return List.copyOf(order);
    }

    public Map<String, Integer> support() {
        return Map.copyOf(support);
    }

    public List<DisputedLeaf> disputed() {
        return List.copyOf(disputed);
    }

    /**
     * Puts the keys of every object under {@code node} (at {@code ptr}) back in the answers' order, after
     * leaves were filled in later.
     */
    public void restoreKeyOrder(JsonNode node, String ptr) {
        if (node instanceof ObjectNode o) {
            List<String> order = keyOrder.get(ptr);
            if (order != null) {
                Map<String, JsonNode> entries = new LinkedHashMap<>();
                for (String k : order) {
                    if (o.has(k)) {
                        entries.put(k, o.get(k));
                    }
                }
                o.fields().forEachRemaining(e -> entries.putIfAbsent(e.getKey(), e.getValue()));
                o.removeAll();
                o.setAll(entries);
            }
            o.fields().forEachRemaining(e -> restoreKeyOrder(e.getValue(), ptr + "/" + escape(e.getKey())));
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                restoreKeyOrder(a.get(i), ptr + "/" + i);
            }
        }
    }

    /** Escapes one reference token (RFC 6901: {@code ~} as {@code ~0}, {@code /} as {@code ~1}). */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    /**
     * The slot at {@code ptr} as the voters see it ({@code null} = absent for that voter). Returns the merged
     * node, {@code null} when the majority leaves it out, or {@link #DISPUTED}.
     */
    private JsonNode decide(String ptr, int[] voters, JsonNode[] vals) {
        int p = voters.length;
        int present = 0;
        for (JsonNode v : vals) {
            if (v != null) {
                present++;
            }
        }
        if (present == 0) {
            return null;
        }
        boolean objects = allObjects(vals);
        boolean objectArrays = !objects && allObjectArrays(vals);
        if (objects || objectArrays) {
            if (present * 2 > p) {
                int[] pv = new int[present];
                JsonNode[] pvals = new JsonNode[present];
                for (int i = 0, j = 0; i < p; i++) {
                    if (vals[i] != null) {
                        pv[j] = voters[i];
                        pvals[j++] = vals[i];
                    }
                }
                if (objects) {
                    return mergeObject(ptr, pv, pvals);
                }
                int length = majorityLength(pvals);
                if (length >= 0) {
                    return mergeArray(ptr, pv, pvals, length);
                }
            } else if ((p - present) * 2 > p) {
                return null;
            }
        }
        return whole(ptr, voters, vals);
    }

    private ObjectNode mergeObject(String ptr, int[] voters, JsonNode[] vals) {
        Set<String> keys = new LinkedHashSet<>();
        for (JsonNode v : vals) {
            for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                keys.add(it.next());
            }
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        keyOrder.put(ptr, List.copyOf(keys));
        for (String key : keys) {
            JsonNode[] sub = new JsonNode[vals.length];
            for (int i = 0; i < vals.length; i++) {
                sub[i] = vals[i].get(key);
            }
            JsonNode child = decide(ptr + "/" + escape(key), voters, sub);
            if (child != null && !child.isMissingNode()) {
                out.set(key, child);
            }
        }
        return out;
    }

    private ArrayNode mergeArray(String ptr, int[] voters, JsonNode[] vals, int length) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode(length);
        if (length == 0) {
            // an empty list has no element leaves: the list itself is the leaf, supported by the empty ones
            int empty = 0;
            for (JsonNode v : vals) {
                empty += v.isEmpty() ? 1 : 0;
            }
            order.add(ptr);
            support.put(ptr, empty);
            return out;
        }
        for (int index = 0; index < length; index++) {
            List<Integer> having = new ArrayList<>();
            for (int i = 0; i < vals.length; i++) {
                if (vals[i].size() > index) {
                    having.add(i);
                }
            }
            int[] sv = new int[having.size()];
            JsonNode[] sub = new JsonNode[having.size()];
            for (int j = 0; j < sv.length; j++) {
                sv[j] = voters[having.get(j)];
                sub[j] = vals[having.get(j)].get(index);
            }
            JsonNode element = decide(ptr + "/" + index, sv, sub);
            if (element == null || element.isMissingNode()) {
                throw new IllegalStateException("an element of an array of objects cannot be absent or disputed: "
                        + ptr + "/" + index);
            }
            out.add(element);
        }
        return out;
    }

    /** The length held by a strict majority of the arrays, or -1. */
    private static int majorityLength(JsonNode[] arrays) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (JsonNode a : arrays) {
            int c = counts.merge(a.size(), 1, Integer::sum);
            if (c * 2 > arrays.length) {
                return a.size();
            }
        }
        return -1;
    }

    /** The slot as one value: the canonical value held by a strict majority, or a dispute. */
    private JsonNode whole(String ptr, int[] voters, JsonNode[] vals) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < vals.length; i++) {
            groups.computeIfAbsent(Canonical.key(vals[i]), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
            if (g.getValue().size() * 2 > vals.length) {
                if (g.getKey().equals(Canonical.ABSENT)) {
                    return null;
                }
                order.add(ptr);
                support.put(ptr, g.getValue().size());
                return spelling(g.getValue(), vals).deepCopy();
            }
        }
        List<DisputedLeaf.Candidate> candidates = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
            List<Integer> answers = new ArrayList<>();
            for (int i : g.getValue()) {
                answers.add(voters[i]);
            }
            JsonNode value = g.getKey().equals(Canonical.ABSENT) ? null : spelling(g.getValue(), vals);
            candidates.add(new DisputedLeaf.Candidate(value, answers));
        }
        candidates.sort(Comparator.comparingInt((DisputedLeaf.Candidate c) -> -c.support())
                .thenComparingInt(c -> c.answers().get(0)));
        order.add(ptr);
        disputed.add(new DisputedLeaf(ptr, candidates));
        return DISPUTED;
    }

    /** The most common exact spelling among a group's values (ties: the earliest answer's). */
    private static JsonNode spelling(List<Integer> members, JsonNode[] vals) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i : members) {
            counts.merge(vals[i].toString(), 1, Integer::sum);
        }
        JsonNode best = null;
        int bestCount = 0;
        for (int i : members) {
            int c = counts.get(vals[i].toString());
            if (c > bestCount) {
                best = vals[i];
                bestCount = c;
            }
        }
        return best;
    }

    private static boolean allObjects(JsonNode[] vals) {
        for (JsonNode v : vals) {
            if (v != null && !v.isObject()) {
                return false;
            }
        }
        return true;
    }

    private static boolean allObjectArrays(JsonNode[] vals) {
        boolean someElement = false;
        for (JsonNode v : vals) {
            if (v == null) {
                continue;
            }
            if (!v.isArray()) {
                return false;
            }
            for (JsonNode e : v) {
                if (!e.isObject()) {
                    return false;
                }
                someElement = true;
            }
        }
        return someElement;
    }
}
