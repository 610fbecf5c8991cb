package dev.fusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRequest;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random member answers (valid, nearly valid, or not JSON) through the whole engine, with a judge that picks
 * random allowed values: every vote ends in a schema-valid object, and the judge is called exactly when some
 * field lacks a majority, at most twice; or, with too few valid answers, in a quorum failure naming
 * {@code invalid_output}. Seeded, so a failure is reproducible from the printed seed.
 */
class VotePropertyTest {

    private static final String SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["category","priority","items"],
             "properties":{
              "category":{"enum":["billing","bug","other"]},
              "priority":{"type":"integer","minimum":1,"maximum":5},
              "urgent":{"type":"boolean"},
              "tags":{"type":"array","maxItems":3,"items":{"type":"string"}},
              "items":{"type":"array","maxItems":3,"items":{"type":"object","additionalProperties":false,
                "required":["sku"],"properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1}}}}}}""";
    private static final StructuredSchema S = StructuredSchema.parse(SCHEMA);
    private static final ObjectMapper M = new ObjectMapper();

    private static String answer(Random rnd) {
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            return "I think it is billing.";
        }
        ObjectNode o = M.createObjectNode();
        o.put("category", List.of("billing", "bug", "other").get(rnd.nextInt(kind == 1 ? 3 : 2)));
        o.put("priority", kind == 2 ? 9 : 1 + rnd.nextInt(2)); // 9 breaks the schema
        if (rnd.nextBoolean()) {
            o.put("urgent", rnd.nextBoolean());
        }
        if (rnd.nextBoolean()) {
            var tags = o.putArray("tags");
            for (int i = rnd.nextInt(3); i > 0; i--) {
                tags.add(List.of("late", "refund", "Late").get(rnd.nextInt(3)));
            }
        }
        var items = o.putArray("items");
        for (int i = rnd.nextInt(3); i > 0; i--) {
            ObjectNode it = items.addObject().put("sku", "SKU-" + rnd.nextInt(2));
            if (rnd.nextBoolean()) {
                it.put("qty", 1 + rnd.nextInt(2));
            }
        }
        return o.toString();
    }

    /** A judge answering the dispute schema with a random allowed value per field, leaving optional ones out at times. */
    private static String settle(ModelRequest r, Random rnd) {
        JsonNode schema = r.responseFormat().schema();
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(n -> required.add(n.asText()));
        ObjectNode out = M.createObjectNode();
        for (Iterator<String> it = schema.get("properties").fieldNames(); it.hasNext(); ) {
            String p = it.next();
            JsonNode values = schema.get("properties").get(p).get("enum");
            if (!required.contains(p) && rnd.nextInt(3) == 0) {
                continue;
            }
            out.set(p, values.get(rnd.nextInt(values.size())));
        }
        return out.toString();
    }

    @Test
    void everyVoteEndsInASchemaValidObjectOrAQuorumFailureNamingInvalidOutput() {
        int judged = 0, unjudged = 0, repaired = 0, quorumFailures = 0;
        for (long seed = 0; seed < 150; seed++) {
            Random rnd = new Random(seed);
            List<FakeModel> panel = new ArrayList<>();
            int n = 3 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                Random own = new Random(rnd.nextLong());
                boolean broken = rnd.nextInt(5) == 0; // never answers JSON, repair or not
                panel.add(FakeModel.replying("p:m" + i, r -> broken ? "Sorry, no JSON today." : answer(own)));
            }
            Random judgeRnd = new Random(rnd.nextLong());
            FakeModel judge = FakeModel.replying("p:judge", r -> settle(r, judgeRnd));
            Fusion f = Fusion.builder().panel(panel.toArray(FakeModel[]::new)).judge(judge).strategy(Strategy.vote())
                    .quorum(2).build();
            FusionRequest req = FusionRequest.builder().prompt("Extract the ticket.").schema(SCHEMA).build();
            String at = "seed " + seed;
            try {
                FusionResult r = f.ask(req);
                JsonNode json = r.json().orElseThrow();
                assertThat(S.validate(json)).as(at).isEmpty();
                assertThat(r.agreement()).as(at).isNotEmpty().allSatisfy((k, v) -> assertThat(v).isBetween(0.0, 1.0));
                assertThat(judge.calls.get()).as(at).isLessThanOrEqualTo(2);
                assertThat(r.judged()).as(at).isEqualTo(judge.calls.get() > 0);
                // The engine's vote is the vote over exactly the valid answers it kept.
                List<JsonNode> valid = r.panel().stream().filter(CallRecord::isOk).map(c -> S.readAnswer(c.text())).toList();
                StructuredVote vote = StructuredVote.tally(S, valid);
                assertThat(r.judged()).as(at).isEqualTo(vote.needsJudge());
                judged += r.judged() ? 1 : 0;
                unjudged += r.judged() ? 0 : 1;
                repaired += r.panel().stream().anyMatch(c -> c.isOk() && c.step().equals("repair")) ? 1 : 0;
                if (vote.needsJudge()) {
                    List<String> sent = new ArrayList<>();
                    judge.requests.get(0).responseFormat().schema().get("properties").fieldNames().forEachRemaining(sent::add);
                    assertThat(sent).as(at).containsExactlyInAnyOrderElementsOf(
                            vote.disputed().stream().map(d -> d.pointer()).toList());
                } else {
                    assertThat(json).as(at).isEqualTo(vote.result().json());
                }
                assertThat(r.panel()).as(at).filteredOn(c -> !c.isOk())
                        .allSatisfy(c -> assertThat(c.error().type()).isEqualTo("invalid_output"));
            } catch (QuorumNotMetException e) {
                assertThat(e.answered()).as(at).isLessThan(2);
                assertThat(e.calls()).as(at).anyMatch(c -> c.error() != null && c.error().type().equals("invalid_output"));
                assertThat(judge.calls.get()).as(at).isZero();
                quorumFailures++;
            }
        }
        // Every path was exercised (the generator is tuned for it): the property is not vacuous.
        assertThat(List.of(judged, unjudged, repaired, quorumFailures)).allSatisfy(count -> assertThat(count).isPositive());
    }
}
