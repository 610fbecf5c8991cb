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
