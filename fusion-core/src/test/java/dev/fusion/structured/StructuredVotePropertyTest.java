package dev.fusion.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random schemas (nested objects, arrays of scalars and of objects, enums, numbers, strings, booleans,
 * nullable and optional fields) and random member answers (valid mutations of one valid instance), with a
 * judge that picks a random candidate for every disputed leaf. Asserts: the final object always validates;
 * every agreement is in (0, 1]; a leaf whose value a strict majority of the answers share (by an
 * independent count) is never disputed and, unless an enclosing array was disputed, carries that value.
 */
class StructuredVotePropertyTest {

    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String[] WORDS = {"alpha", "Beta", "gamma", "Delta", "late parcel", "refund", "order"};

    @Test
    void mergedAndJudgeFilledAlwaysValidate() {
        int judged = 0;
        int unanimous = 0;
        for (long seed = 1; seed <= 400; seed++) {
            Random rnd = new Random(seed);
            ObjectNode schemaNode = objectSchema(rnd, 0);
            StructuredSchema schema = StructuredSchema.of(schemaNode);
            JsonNode base = instance(schemaNode, rnd);
            assertThat(schema.validate(base)).as("seed %d generator", seed).isEmpty();
            int n = 1 + rnd.nextInt(6);
            List<JsonNode> answers = new ArrayList<>();
            answers.add(base);
            for (int i = 1; i < n; i++) {
                JsonNode m = mutate(schemaNode, base.deepCopy(), rnd, 0.15 + rnd.nextDouble() * 0.3);
                assertThat(schema.validate(m)).as("seed %d mutation", seed).isEmpty();
                answers.add(m);
            }
            java.util.Collections.shuffle(answers, rnd);

            StructuredVote vote = StructuredVote.tally(schema, answers);
            Set<String> disputed = vote.disputed().stream().map(DisputedLeaf::pointer).collect(Collectors.toSet());
            for (DisputedLeaf d : vote.disputed()) {
                int voters = d.candidates().stream().mapToInt(DisputedLeaf.Candidate::support).sum();
                assertThat(d.candidates()).as("seed %d %s", seed, d.pointer())
                        .allSatisfy(c -> assertThat(c.support() * 2).isLessThanOrEqualTo(voters));
            }
            VoteResult result;
            if (vote.needsJudge()) {
                judged++;
                ObjectNode pick = F.objectNode();
                for (DisputedLeaf d : vote.disputed()) {
                    DisputedLeaf.Candidate c = d.candidates().get(rnd.nextInt(d.candidates().size()));
                    if (!c.absent()) {
                        pick.set(d.pointer(), c.value());
                    }
                }
                assertThat(vote.disputedSchema().validate(pick)).as("seed %d judge pick", seed).isEmpty();
                result = vote.applyJudgeAnswer(pick);
            } else {
                unanimous++;
                result = vote.result();
            }
            assertThat(schema.validate(result.json())).as("seed %d result", seed).isEmpty();
            assertThat(result.agreement().values()).as("seed %d", seed)
                    .allSatisfy(v -> assertThat(v).isGreaterThan(0.0).isLessThanOrEqualTo(1.0));
            for (String ptr : result.agreement().keySet()) {
                assertThat(result.json().at(ptr).isMissingNode()).as("seed %d agreement key %s", seed, ptr).isFalse();
            }

            // independent majority count over every scalar leaf pointer any answer has
            Map<String, List<JsonNode>> byPointer = new HashMap<>();
            for (JsonNode a : answers) {
                leaves(a, "", byPointer);
            }
            for (String ptr : byPointer.keySet()) {
                // a pointer is a leaf when no answer holds a container of objects there (the rules recurse into those)
                if (answers.stream().map(a -> a.at(ptr)).anyMatch(v -> v.isObject()
                        || (v.isArray() && v.size() > 0 && v.get(0).isObject()))) {
                    continue;
                }
                Map<String, Integer> counts = new HashMap<>();
                Map<String, JsonNode> sample = new HashMap<>();
                for (JsonNode a : answers) {
                    JsonNode v = a.at(ptr);
                    if (!v.isMissingNode()) {
                        counts.merge(norm(v), 1, Integer::sum);
                        sample.putIfAbsent(norm(v), v);
                    }
                }
                for (Map.Entry<String, Integer> e : counts.entrySet()) {
                    if (e.getValue() * 2 > answers.size()) {
                        assertThat(disputed).as("seed %d: %s has a strict majority", seed, ptr).doesNotContain(ptr);
                        if (disputed.stream().noneMatch(d -> ptr.startsWith(d + "/"))) {
                            assertThat(norm(result.json().at(ptr))).as("seed %d: %s", seed, ptr).isEqualTo(e.getKey());
                            assertThat(result.agreement()).as("seed %d: %s in %s of %s", seed, ptr, result.json(), answers).containsKey(ptr);
                            assertThat(result.agreement().get(ptr)).as("seed %d: %s", seed, ptr)
                                    .isGreaterThanOrEqualTo(e.getValue() / (double) answers.size());
                        }
                    }
                }
            }
        }
        // the generator exercises both paths
        assertThat(judged).isGreaterThan(50);
        assertThat(unanimous).isGreaterThan(20);
    }

    // ---- schemas -------------------------------------------------------------------------------

    static ObjectNode objectSchema(Random rnd, int depth) {
        ObjectNode s = F.objectNode().put("type", "object").put("additionalProperties", false);
        ObjectNode props = s.putObject("properties");
        ArrayNode required = s.putArray("required");
        int count = 1 + rnd.nextInt(depth == 0 ? 6 : 4);
        for (int i = 0; i < count; i++) {
            String name = "f" + depth + "_" + i;
            props.set(name, fieldSchema(rnd, depth));
            if (rnd.nextBoolean()) {
                required.add(name);
            }
        }
        return s;
    }

    static ObjectNode fieldSchema(Random rnd, int depth) {
        int kind = rnd.nextInt(depth >= 2 ? 7 : 9);
        return switch (kind) {
            case 0 -> F.objectNode().set("enum", F.arrayNode().add("red").add("green").add("Blue"));
            case 1 -> F.objectNode().put("type", "integer").put("minimum", 0).put("maximum", 5);
            case 2 -> F.objectNode().put("type", "number");
            case 3 -> F.objectNode().put("type", "string").put("maxLength", 40);
            case 4 -> F.objectNode().put("type", "boolean");
            case 5 -> {
                ObjectNode s = F.objectNode();
                s.putArray("type").add("string").add("null");
                yield s;
            }
            case 6 -> {
                ObjectNode s = F.objectNode().put("type", "array").put("maxItems", 4);
                s.set("items", rnd.nextBoolean() ? F.objectNode().put("type", "string")
                        : F.objectNode().set("enum", F.arrayNode().add(1).add(2).add(3)));
                if (rnd.nextBoolean()) {
                    s.put("minItems", 1);
                }
                yield s;
            }
            case 7 -> objectSchema(rnd, depth + 1);
            default -> {
                ObjectNode s = F.objectNode().put("type", "array").put("maxItems", 3);
                s.set("items", objectSchema(rnd, depth + 1));
                yield s;
            }
        };
    }

    // ---- instances -----------------------------------------------------------------------------

    static JsonNode instance(JsonNode s, Random rnd) {
        if (s.has("enum")) {
            return s.get("enum").get(rnd.nextInt(s.get("enum").size())).deepCopy();
        }
        JsonNode type = s.get("type");
        if (type.isArray()) {
            return rnd.nextInt(3) == 0 ? F.nullNode() : TextNode.valueOf(WORDS[rnd.nextInt(WORDS.length)]);
        }
        switch (type.asText()) {
            case "object" -> {
                ObjectNode o = F.objectNode();
                Set<String> required = new java.util.HashSet<>();
                s.get("required").forEach(r -> required.add(r.asText()));
                for (Iterator<Map.Entry<String, JsonNode>> it = s.get("properties").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (required.contains(e.getKey()) || rnd.nextInt(10) < 7) {
                        o.set(e.getKey(), instance(e.getValue(), rnd));
                    }
                }
                return o;
            }
            case "array" -> {
                int min = s.path("minItems").asInt(0);
                int len = min + rnd.nextInt(s.get("maxItems").asInt() - min + 1);
                ArrayNode a = F.arrayNode();
                for (int i = 0; i < len; i++) {
                    a.add(instance(s.get("items"), rnd));
                }
                return a;
            }
            case "integer" -> {
                return F.numberNode(rnd.nextInt(6));
            }
            case "number" -> {
                return F.numberNode(new BigDecimal(rnd.nextInt(4) + "." + rnd.nextInt(3)));
            }
            case "string" -> {
                return TextNode.valueOf(WORDS[rnd.nextInt(WORDS.length)]);
            }
            case "boolean" -> {
                return F.booleanNode(rnd.nextBoolean());
            }
            default -> throw new IllegalStateException(type.toString());
        }
    }

    /** A valid variant: subtrees regenerated, optional fields dropped or added, cosmetic respellings. */
    static JsonNode mutate(JsonNode s, JsonNode v, Random rnd, double rate) {
        if (rnd.nextDouble() < rate / 3) {
            return instance(s, rnd);
        }
        if (v.isObject() && s.has("properties")) {
            ObjectNode o = (ObjectNode) v;
            Set<String> required = new java.util.HashSet<>();
            s.get("required").forEach(r -> required.add(r.asText()));
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                if (!required.contains(k) && rnd.nextDouble() < rate / 2) {
                    if (o.has(k)) {
                        o.remove(k);
                    } else {
                        o.set(k, instance(e.getValue(), rnd));
                    }
                } else if (o.has(k)) {
                    o.set(k, mutate(e.getValue(), o.get(k), rnd, rate));
                }
            }
            return o;
        }
        if (v.isArray() && s.get("items").has("properties")) {
            ArrayNode a = (ArrayNode) v;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, mutate(s.get("items"), a.get(i), rnd, rate));
            }
            return a;
        }
        if (v.isArray() && rnd.nextDouble() < rate) {
            ArrayNode a = F.arrayNode();   // same multiset, other order
            List<JsonNode> els = new ArrayList<>();
            v.forEach(els::add);
            java.util.Collections.reverse(els);
            els.forEach(a::add);
            return a;
        }
        if (v.isTextual() && !s.has("enum") && rnd.nextDouble() < rate) {
            String t = v.asText();
            return TextNode.valueOf(rnd.nextBoolean() ? " " + t.toUpperCase(Locale.ROOT) : t.replace(" ", "  ") + "\t");
        }
        if (v.isNumber() && "number".equals(s.path("type").asText()) && rnd.nextDouble() < rate) {
            return DecimalNode.valueOf(v.decimalValue().setScale(v.decimalValue().scale() + 1));
        }
        return v;
    }

    // ---- independent leaf count ------------------------------------------------------------------

    static void leaves(JsonNode v, String ptr, Map<String, List<JsonNode>> out) {
        if (v.isObject()) {
            v.fields().forEachRemaining(e -> leaves(e.getValue(), ptr + "/" + e.getKey(), out));
        } else if (v.isArray() && v.size() > 0 && v.get(0).isObject()) {
            for (int i = 0; i < v.size(); i++) {
                leaves(v.get(i), ptr + "/" + i, out);
            }
        } else {
            out.computeIfAbsent(ptr, k -> new ArrayList<>()).add(v);
        }
    }

    static String norm(JsonNode v) {
        if (v.isMissingNode()) {
            return "<absent>";
        }
        if (v.isTextual()) {
            return "s" + v.asText().toLowerCase(Locale.ROOT).trim().replaceAll("\\s+", " ");
        }
        if (v.isNumber()) {
            return "n" + v.decimalValue().stripTrailingZeros().toPlainString();
        }
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(e -> parts.add(norm(e)));
            parts.sort(null);
            return "a" + parts;
        }
        return v.toString();
    }
}
