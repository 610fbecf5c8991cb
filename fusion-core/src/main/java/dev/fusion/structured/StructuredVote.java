package dev.fusion.structured;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.structured.internal.Canonical;
import dev.fusion.structured.internal.VoteTally;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * A leaf-by-leaf majority vote over N schema-valid answers, and the judge's part for the leaves without a
 * majority.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Leaves</b> are addressed by RFC 6901 JSON Pointer ({@code /sentiment}, {@code /items/0/sku}).
 *       A value held by a <em>strict majority</em> of the answers voting on a leaf wins. Strings are
 *       compared after Unicode NFC, lower-casing and collapsing whitespace (the value returned is the most
 *       common original spelling); numbers numerically ({@code 1 == 1.0}); booleans and null exactly.</li>
 *   <li><b>Objects</b> are not leaves: their properties are voted one by one (the union of the keys the
 *       answers use).</li>
 *   <li><b>Absent optional fields</b>: leaving a field out is a vote for "absent", like any value. If
 *       "absent" wins, the field is left out; if no candidate (absent included) has a majority, the judge
 *       chooses, and "absent" is one of the candidates. For a field whose value is an object or an array
 *       of objects, presence is voted first; when present wins, the fields inside are voted among the
 *       answers that have it (so a required inner field is never voted away by answers that lack the
 *       whole object).</li>
 *   <li><b>Arrays of scalars</b> (strings, numbers, booleans, null) are one leaf, compared as
 *       <em>multisets</em>: order is ignored, duplicates count ({@code ["a","b"] == ["B","a"]}). Extraction
 *       lists such as tags or categories rarely carry meaning in their order, and voting element by element
 *       would build lists no model gave (breaking {@code minItems}/{@code maxItems}); the winning list is
 *       one a model actually gave.</li>
 *   <li><b>Arrays of objects</b> are aligned <em>by index</em>: first the length is voted (a strict
 *       majority of the answers that have the array); then element {@code i} is merged field by field
 *       among the answers that have an element {@code i}. Index alignment is predictable, needs nothing in
 *       the schema and gives the pointers {@code /items/0/sku} users read; an array whose length has no
 *       majority is one disputed leaf whose candidates are whole arrays.</li>
 *   <li>Any other mix (a field that is an object in one answer and a string in another, arrays mixing
 *       objects and scalars) is one leaf compared as a whole value.</li>
 * </ul>
 * Agreement: for every leaf in the result, the fraction of <em>all</em> valid answers that support the
 * value chosen; answers that lack the leaf's parent do not support it.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * StructuredVote vote = StructuredVote.tally(schema, validAnswers);
 * VoteResult result;
 * if (!vote.needsJudge()) {
 *     result = vote.result();                                  // no judge call
 * } else {
 *     DisputeRequest ask = vote.disputeRequest(question, seed); // system + user + schema of the disputed leaves
 *     JsonNode reply = ask.schema().readAnswer(judgeText);     // InvalidAnswerException: repair once
 *     result = vote.applyJudgeAnswer(reply);                   // VoteMergeException if the whole is invalid
 * }
 * }</pre>
 * Immutable and thread-safe.
 */
public final class StructuredVote {

    /**
     * Longest rendering of one candidate value in the judge prompt. The prompt now names each candidate by its
     * position in the answer schema's {@code enum} and shows no value, so nothing is clipped to this length;
     * the constant is kept for source compatibility.
     */
    public static final int MAX_VALUE_CHARS = 1_000;
    /** Longest rendering of the agreed fields in the judge prompt. */
    public static final int MAX_AGREED_CHARS = 4_000;

    private static final String JUDGE_SYSTEM = """
            You settle the fields on which a panel of answers disagrees. The answers are numbered at random \
            and carry no names. For each disputed field, choose the candidate best supported by the question \
            and consistent with the agreed fields. Reply with only a JSON object that has one property per \
            disputed field, named by the field's JSON Pointer exactly as shown (a JSON string), whose value is one of that \
            field's candidates, written as in its "enum" in your schema (#2: the 2nd item). \
            Leave a field out only if you choose its (absent) candidate. No code fence, no text around the object.""";

    private final StructuredSchema schema;
    private final VoteTally tally;
    private final StructuredSchema disputedSchema;

    private StructuredVote(StructuredSchema schema, VoteTally tally) {
        this.schema = schema;
        this.tally = tally;
        this.disputedSchema = tally.disputed().isEmpty() ? null : StructuredSchema.of(subSchema());
    }

    /**
     * Votes over the answers.
     *
     * @param schema  the schema every answer satisfies
     * @param answers the valid answers (at least one), in any order; indices in {@link DisputedLeaf} refer to it
     * @throws IllegalArgumentException if there is no answer or one is not valid against the schema
     */
    public static StructuredVote tally(StructuredSchema schema, List<? extends JsonNode> answers) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(answers, "answers");
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("a vote needs at least one valid answer");
        }
        for (int i = 0; i < answers.size(); i++) {
            List<String> errors = schema.validate(Objects.requireNonNull(answers.get(i), "answer " + i));
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("answer " + i + " is not valid against the schema: " + errors.get(0));
            }
        }
        return new StructuredVote(schema, new VoteTally(answers));
    }

    /** How many answers voted. */
    public int answerCount() {
        return tally.answerCount();
    }

    /**
     * The leaves with a majority, merged (a copy); disputed leaves are left out. A {@link MissingNode} when
     * the whole value is disputed.
     */
    public JsonNode merged() {
        return tally.merged() == null ? MissingNode.getInstance() : tally.merged().deepCopy();
    }

    /** The leaves without a majority, in document order. */
    public List<DisputedLeaf> disputed() {
        return tally.disputed();
    }

    /** Whether some leaf has no majority, so the judge must be asked. */
    public boolean needsJudge() {
        return !tally.disputed().isEmpty();
    }

    /** For each leaf decided by majority (and present), the fraction of the answers supporting it. */
    public Map<String, Double> agreement() {
        return agreement(Map.of());
    }

    /**
     * The result when every leaf has a majority.
     *
     * @throws IllegalStateException if some leaf is disputed ({@link #needsJudge()})
     * @throws VoteMergeException    if the merged object does not validate against the schema
     */
    public VoteResult result() {
        if (needsJudge()) {
            throw new IllegalStateException("leaves are disputed; ask the judge (disputeRequest) and applyJudgeAnswer");
        }
        return finish(tally.merged() == null ? MissingNode.getInstance() : tally.merged().deepCopy(), Map.of());
    }

    /**
     * The schema of the judge's answer: an object with one property per disputed pointer, whose value must be
     * one of the leaf's candidates ({@code enum}); required unless "absent" is a candidate. No other property.
     *
     * @throws IllegalStateException if nothing is disputed
     */
    public StructuredSchema disputedSchema() {
        if (disputedSchema == null) {
            throw new IllegalStateException("nothing is disputed");
        }
        return disputedSchema;
    }

    /**
     * What to send the judge: the question, the agreed fields, and each disputed field with its candidates;
     * the answers are renumbered and the candidates ordered at random, reproducibly from {@code seed}. Each
     * candidate's value is carried once, by the request's schema (the {@code enum} of the field's property):
     * the prompt names a candidate by its position in that enum, so the schema must reach the judge (as the
     * call's response format, or in its instructions where the provider has no native schema support).
     *
     * @throws IllegalStateException if nothing is disputed
     */
    public DisputeRequest disputeRequest(String question, long seed) {
        StructuredSchema sub = disputedSchema();
        Random random = new Random(seed);
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < answerCount(); i++) {
            perm.add(i);
        }
        Collections.shuffle(perm, random);
        int[] label = new int[answerCount()];
        for (int pos = 0; pos < perm.size(); pos++) {
            label[perm.get(pos)] = pos + 1;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Question:\n").append(question == null ? "" : question.strip()).append("\n\n");
        JsonNode agreed = merged();
        if (!agreed.isMissingNode()) {
            sb.append("Agreed by a majority of the ").append(answerCount()).append(" answers:\n")
                    .append(clip(agreed.toString(), MAX_AGREED_CHARS)).append("\n\n");
        }
        sb.append("Disputed fields (choose one candidate each):\n");
        for (DisputedLeaf leaf : disputed()) {
            // The candidates' values are sent once, as the enum of the field's property in the answer schema
            // (which the provider receives as the response format and which validates the reply); the prompt
            // names each by its 1-based position in that enum, so it carries no text from the answers except
            // the pointer, written as a JSON string: escaped, it can hold no line break, so no answer can add
            // a field, a candidate or a label.
            String pointer = com.fasterxml.jackson.databind.node.TextNode.valueOf(leaf.pointer()).toString();
            sb.append('\n').append(leaf.pointer().isEmpty() ? pointer + " (the whole answer)" : pointer).append('\n');
            Map<DisputedLeaf.Candidate, Integer> enumPosition = new java.util.IdentityHashMap<>();
            int position = 0;
            for (DisputedLeaf.Candidate c : leaf.candidates()) {
                if (!c.absent()) {
                    enumPosition.put(c, ++position);
                }
            }
            List<DisputedLeaf.Candidate> candidates = new ArrayList<>(leaf.candidates());
            Collections.shuffle(candidates, random);
            for (DisputedLeaf.Candidate c : candidates) {
                List<Integer> labels = new ArrayList<>();
                for (int a : c.answers()) {
                    labels.add(label[a]);
                }
                Collections.sort(labels);
                sb.append("  - ").append(c.absent() ? "(absent)" : "#" + enumPosition.get(c))
                        .append("   [").append(labels.size() == 1 ? "Answer " : "Answers ");
                for (int i = 0; i < labels.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(labels.get(i));
                }
                sb.append("]\n");
            }
        }
        sb.append("\nReply with only the JSON object of your choices, keyed by JSON Pointer.");
        return new DisputeRequest(JUDGE_SYSTEM, sb.toString(), sub);
    }

    /**
     * Fills the judge's choices into the merged value and validates the whole.
     *
     * @param judgeAnswer the judge's answer (already parsed, e.g. with {@code disputedSchema().readAnswer(text)})
     * @return the final result: majority leaves plus the judge's picks
     * @throws InvalidAnswerException if the judge's answer does not satisfy {@link #disputedSchema()} (send
     *                                {@link RepairPrompt} once)
     * @throws VoteMergeException     if the merged value does not validate against the full schema
     * @throws IllegalStateException  if nothing is disputed
     */
    public VoteResult applyJudgeAnswer(JsonNode judgeAnswer) {
        Objects.requireNonNull(judgeAnswer, "judgeAnswer");
        disputedSchema().requireValid(judgeAnswer);
        JsonNode root = tally.merged() == null ? null : tally.merged().deepCopy();
        Map<String, Integer> chosen = new LinkedHashMap<>();
        for (DisputedLeaf leaf : disputed()) {
            JsonNode picked = judgeAnswer.get(leaf.pointer());
            String key = Canonical.key(picked);
            DisputedLeaf.Candidate match = null;
            for (DisputedLeaf.Candidate c : leaf.candidates()) {
                if (Canonical.key(c.value()).equals(key)) {
                    match = c;
                }
            }
            if (match == null) {
                throw new InvalidAnswerException(AnswerProblem.SCHEMA_VIOLATION,
                        List.of(leaf.pointer() + ": not one of the candidates"));
            }
            chosen.put(leaf.pointer(), match.absent() ? 0 : match.support());
            if (!match.absent()) {
                root = setAt(root, leaf.pointer(), match.value());
            }
        }
        if (root != null) {
            tally.restoreKeyOrder(root, "");
        }
        return finish(root == null ? MissingNode.getInstance() : root, chosen);
    }

    private VoteResult finish(JsonNode value, Map<String, Integer> judged) {
        if (value.isMissingNode()) {
            throw new VoteMergeException(List.of("(root): the vote left the whole value out"));
        }
        List<String> errors = schema.validate(value);
        if (!errors.isEmpty()) {
            throw new VoteMergeException(errors);
        }
        return new VoteResult(value, agreement(judged), new ArrayList<>(judged.keySet()));
    }

    private Map<String, Double> agreement(Map<String, Integer> judged) {
        Map<String, Integer> support = tally.support();
        Map<String, Double> out = new LinkedHashMap<>();
        double n = answerCount();
        for (String ptr : tally.order()) {
            Integer s = support.get(ptr);
            if (s == null) {
                s = judged.get(ptr);
            }
            if (s != null && s > 0) {
                out.put(ptr, s / n);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private JsonNode subSchema() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("type", "object");
        ObjectNode props = root.putObject("properties");
        ArrayNode required = f.arrayNode();
        JsonNode full = schema.node();
        for (DisputedLeaf leaf : tally.disputed()) {
            ObjectNode p = props.putObject(leaf.pointer());
            String description = describe(full, leaf.pointer());
            if (description != null) {
                p.put("description", clip(description, 500));
            }
            ArrayNode values = p.putArray("enum");
            boolean absent = false;
            for (DisputedLeaf.Candidate c : leaf.candidates()) {
                if (c.absent()) {
                    absent = true;
                } else {
                    values.add(c.value());
                }
            }
            if (!absent) {
                required.add(leaf.pointer());
            }
        }
        root.set("required", required);
        root.put("additionalProperties", false);
        return root;
    }

    /** The description (or title) the full schema gives the leaf, following properties/items and local $refs. */
    private static String describe(JsonNode full, String pointer) {
        JsonNode node = resolve(full, full);
        if (pointer.isEmpty()) {
            return text(node);
        }
        JsonPointer p = JsonPointer.compile(pointer);
        for (JsonPointer seg = p; seg != null && !seg.matches(); seg = seg.tail()) {
            String name = seg.getMatchingProperty();
            JsonNode next = node.path("properties").get(name);
            if (next == null) {
                next = seg.getMatchingIndex() >= 0 && node.path("prefixItems").has(seg.getMatchingIndex())
                        ? node.path("prefixItems").get(seg.getMatchingIndex()) : node.get("items");
            }
            if (next == null || !next.isObject()) {
                return null;
            }
            node = resolve(full, next);
        }
        return text(node);
    }

    private static JsonNode resolve(JsonNode full, JsonNode node) {
        for (int hops = 0; hops < 8 && node.has("$ref") && node.get("$ref").asText().startsWith("#"); hops++) {
            JsonNode target = full.at(node.get("$ref").asText().substring(1));
            if (target.isMissingNode()) {
                break;
            }
            node = target;
        }
        return node;
    }

    private static String text(JsonNode node) {
        JsonNode d = node.get("description");
        if (d == null || !d.isTextual()) {
            d = node.get("title");
        }
        return d != null && d.isTextual() ? d.asText() : null;
    }

    /** Sets {@code value} at {@code pointer} under {@code root}; the parent exists (a decided container). */
    private static JsonNode setAt(JsonNode root, String pointer, JsonNode value) {
        if (pointer.isEmpty()) {
            return value.deepCopy();
        }
        JsonPointer p = JsonPointer.compile(pointer);
        JsonNode parent = root == null ? MissingNode.getInstance() : root.at(p.head());
        JsonPointer last = p.last();
        if (parent instanceof ObjectNode o) {
            o.set(last.getMatchingProperty(), value.deepCopy());
        } else if (parent instanceof ArrayNode a && last.getMatchingIndex() >= 0 && last.getMatchingIndex() < a.size()) {
            a.set(last.getMatchingIndex(), value.deepCopy());
        } else {
            throw new IllegalStateException("no container for " + pointer);
        }
        return root;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
