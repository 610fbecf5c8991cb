package dev.fusion.structured.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.InvalidConfigurationException;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Checks a schema document before it is compiled: bounded nesting and node count, references only
 * inside the document (no file or network look-ups, ever), and a known dialect. Stateless.
 */
public final class SchemaGuard {

    /** The dialects the validator ships meta-schemas for; any other {@code $schema} is refused. */
    public static final Set<String> KNOWN_DIALECTS = Set.of(
            "https://json-schema.org/draft/2020-12/schema",
            "https://json-schema.org/draft/2019-09/schema",
            "http://json-schema.org/draft-07/schema",
            "http://json-schema.org/draft-06/schema",
            "http://json-schema.org/draft-04/schema");

    private static final Set<String> REFERENCE_KEYWORDS = Set.of("$ref", "$dynamicRef", "$recursiveRef");

    private SchemaGuard() {
    }

    public static void check(JsonNode schema, int maxDepth, int maxNodes) {
        if (schema == null || !schema.isObject()) {
            throw new InvalidConfigurationException("a JSON Schema must be a JSON object, e.g. {\"type\":\"object\","
                    + "\"properties\":{…}}; got " + (schema == null ? "nothing" : schema.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        JsonNode dialect = schema.get("$schema");
        if (dialect != null) {
            String id = dialect.isTextual() ? stripHash(dialect.asText()) : "";
            if (!KNOWN_DIALECTS.contains(id)) {
                throw new InvalidConfigurationException("the schema's $schema '" + clip(dialect.toString())
                        + "' is not a supported dialect; use https://json-schema.org/draft/2020-12/schema"
                        + " (the default when $schema is left out) or draft 2019-09, 07, 06 or 04");
            }
        }
        int[] count = {0};
        walk(schema, "", 1, maxDepth, maxNodes, count);
        requireNoReferenceCycle(schema);
    }

    /** Keywords whose subschemas apply to the same instance as their parent (they consume no input). */
    private static final Set<String> IN_PLACE_LISTS = Set.of("allOf", "anyOf", "oneOf");
    private static final Set<String> IN_PLACE_SINGLE = Set.of("not", "if", "then", "else");

    /**
     * Refuses a schema in which following {@code $ref}s (and the applicators that check the same
     * instance: allOf, anyOf, oneOf, not, if/then/else, dependentSchemas) comes back to where it started
     * without stepping into the instance: every validation would recurse until the stack overflows.
     * Recursion through {@code properties}, {@code items} and the like is fine (it ends with the
     * instance, whose depth is bounded).
     */
    private static void requireNoReferenceCycle(JsonNode root) {
        java.util.Map<JsonNode, Integer> state = new java.util.IdentityHashMap<>(); // 1 on the path, 2 done
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        collectSchemas(root, all);
        for (JsonNode n : all) {
            if (!state.containsKey(n)) {
                visit(root, n, state, new java.util.ArrayDeque<>());
            }
        }
    }

    private static void collectSchemas(JsonNode node, java.util.List<JsonNode> out) {
        if (node.isObject()) {
            out.add(node);
            node.elements().forEachRemaining(c -> collectSchemas(c, out));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(c -> collectSchemas(c, out));
        }
    }

    private static void visit(JsonNode root, JsonNode schema, java.util.Map<JsonNode, Integer> state,
                              java.util.Deque<String> path) {
        state.put(schema, 1);
        for (Map.Entry<String, JsonNode> edge : inPlace(root, schema)) {
            JsonNode next = edge.getValue();
            Integer st = state.get(next);
            path.addLast(edge.getKey());
            if (st != null && st == 1) {
                throw new InvalidConfigurationException("the schema's references form a cycle that never reaches"
                        + " into the answer (" + clip(String.join(" -> ", path)) + "); every validation would recurse"
                        + " forever: make the recursion go through properties or items");
            }
            if (st == null) {
                visit(root, next, state, path);
            }
            path.removeLast();
        }
        state.put(schema, 2);
    }

    /** The subschemas applied to the same instance as {@code schema}, each with how it was reached. */
    private static java.util.List<Map.Entry<String, JsonNode>> inPlace(JsonNode root, JsonNode schema) {
        java.util.List<Map.Entry<String, JsonNode>> out = new java.util.ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (REFERENCE_KEYWORDS.contains(k) && v.isTextual() && v.asText().startsWith("#")) {
                JsonNode target = resolve(root, v.asText());
                if (target != null && target.isObject()) {
                    out.add(Map.entry(k + " " + v.asText(), target));
                }
            } else if (IN_PLACE_LISTS.contains(k) && v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    if (v.get(i).isObject()) {
                        out.add(Map.entry(k + "/" + i, v.get(i)));
                    }
                }
            } else if (IN_PLACE_SINGLE.contains(k) && v.isObject()) {
                out.add(Map.entry(k, v));
            } else if (k.equals("dependentSchemas") && v.isObject()) {
                v.fields().forEachRemaining(d -> {
                    if (d.getValue().isObject()) {
                        out.add(Map.entry("dependentSchemas/" + d.getKey(), d.getValue()));
                    }
                });
            }
        }
        return out;
    }

    /** The node a local reference ({@code #} or {@code #/json/pointer}) names, or null (anchors are not followed). */
    private static JsonNode resolve(JsonNode root, String ref) {
        String pointer = ref.substring(1);
        if (pointer.isEmpty()) {
            return root;
        }
        if (!pointer.startsWith("/")) {
            return null;
        }
        try {
            pointer = java.net.URLDecoder.decode(pointer.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            JsonNode n = root.at(com.fasterxml.jackson.core.JsonPointer.compile(pointer));
            return n.isMissingNode() ? null : n;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void walk(JsonNode node, String at, int depth, int maxDepth, int maxNodes, int[] count) {
        if (++count[0] > maxNodes) {
            throw new InvalidConfigurationException("the schema has more than " + maxNodes
                    + " JSON nodes; split it or simplify it");
        }
        if (depth > maxDepth) {
            throw new InvalidConfigurationException("the schema nests deeper than " + maxDepth + " levels (at "
                    + clip(at) + "); flatten it or move shared parts to $defs");
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = at + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
                if (REFERENCE_KEYWORDS.contains(e.getKey()) && e.getValue().isTextual()
                        && !e.getValue().asText().startsWith("#")) {
                    throw new InvalidConfigurationException("the schema's " + e.getKey() + " at " + clip(at)
                            + " points outside the document ('" + clip(e.getValue().asText())
                            + "'); Fusion never fetches schemas: inline the definition under $defs and use \"#/$defs/…\"");
                }
                walk(e.getValue(), child, depth + 1, maxDepth, maxNodes, count);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), at + "/" + i, depth + 1, maxDepth, maxNodes, count);
            }
        }
    }

    private static String stripHash(String id) {
        return id.endsWith("#") ? id.substring(0, id.length() - 1) : id;
    }

    private static String clip(String s) {
        return s.isEmpty() ? "(root)" : s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
