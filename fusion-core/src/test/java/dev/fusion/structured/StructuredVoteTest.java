package dev.fusion.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class StructuredVoteTest {

    static final StructuredSchema SCHEMA = StructuredSchema.parse("""
            {"type":"object","additionalProperties":false,
             "required":["sentiment","priority","customer"],
             "properties":{
               "sentiment":{"enum":["positive","neutral","negative"],"description":"tone of the message"},
               "priority":{"type":"number"},
               "customer":{"type":"string"},
               "refund":{"type":"boolean"},
               "note":{"type":["string","null"]},
               "tags":{"type":"array","items":{"type":"string"}},
               "address":{"type":"object","required":["city"],
                          "properties":{"city":{"type":"string"},"zip":{"type":"string"}}},
               "items":{"type":"array","items":{"type":"object","required":["sku"],
                        "properties":{"sku":{"type":"string"},"qty":{"type":"integer"}}}}}}""");

    final ObjectMapper json = new ObjectMapper();

    List<JsonNode> answers(String... texts) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String t : texts) {
            out.add(json.readTree(t));
        }
        return out;
    }

    @Test
    void unanimousAnswersNeedNoJudge() throws Exception {
        String a = "{\"sentiment\":\"negative\",\"priority\":2,\"customer\":\"Ada\",\"tags\":[\"late\",\"refund\"],"
                + "\"items\":[{\"sku\":\"A-1\",\"qty\":2}]}";
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(a, a, a));
        assertThat(vote.needsJudge()).isFalse();
        assertThat(vote.disputed()).isEmpty();
        VoteResult r = vote.result();
        assertThat(r.json()).isEqualTo(json.readTree(a));
        assertThat(r.judgeUsed()).isFalse();
        assertThat(r.agreement()).containsOnlyKeys("/sentiment", "/priority", "/customer", "/tags", "/items/0/sku", "/items/0/qty")
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1.0));
        assertThatThrownBy(vote::disputedSchema).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void oneDisputedFieldIsExactlyThatPointerAndTheSubSchemaHasOnlyIt() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"negative\",\"priority\":2,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":2,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"positive\",\"priority\":2,\"customer\":\"Ada\"}"));
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/sentiment");
        assertThat(vote.disputed().get(0).candidates()).extracting(c -> c.value().asText())
                .containsExactly("negative", "neutral", "positive");
        assertThat(vote.merged()).isEqualTo(json.readTree("{\"priority\":2,\"customer\":\"Ada\"}"));
        assertThat(vote.agreement()).containsOnlyKeys("/priority", "/customer");

        JsonNode sub = vote.disputedSchema().node();
        assertThat(sub.get("properties").size()).isEqualTo(1);
        assertThat(sub.at("/properties/~1sentiment/enum")).isEqualTo(json.readTree("[\"negative\",\"neutral\",\"positive\"]"));
        assertThat(sub.at("/properties/~1sentiment/description").asText()).isEqualTo("tone of the message");
        assertThat(sub.get("required")).isEqualTo(json.readTree("[\"/sentiment\"]"));
        assertThat(sub.get("additionalProperties").asBoolean()).isFalse();

        DisputeRequest ask = vote.disputeRequest("Classify: the parcel was late again.", 7);
        assertThat(ask.user()).contains("Classify: the parcel was late again.").contains("/sentiment")
                .contains("Answer 1").contains("Answer 2").contains("Answer 3")
                .doesNotContain("/priority\n");
        // Each candidate travels once: its value only in the schema's enum (above), named in the prompt by its
        // position there, with the answers that gave it.
        assertThat(ask.user()).doesNotContain("negative").doesNotContain("neutral").doesNotContain("positive")
                .contains("  - #1   [Answer ").contains("  - #2   [Answer ")
                .contains("  - #3   [Answer ").doesNotContain("#4");
        assertThat(ask.system()).contains("\"enum\"");
        assertThat(ask.system()).contains("JSON Pointer");
        assertThat(ask).isEqualTo(vote.disputeRequest("Classify: the parcel was late again.", 7));
        assertThat(ask.schema()).isEqualTo(vote.disputedSchema());

        JsonNode judge = ask.schema().readAnswer("{\"/sentiment\":\"neutral\"}");
        VoteResult r = vote.applyJudgeAnswer(judge);
        assertThat(r.json()).isEqualTo(json.readTree("{\"sentiment\":\"neutral\",\"priority\":2,\"customer\":\"Ada\"}"));
        assertThat(r.judged()).containsExactly("/sentiment");
        assertThat(r.agreement().get("/sentiment")).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(r.agreement().keySet()).containsExactly("/sentiment", "/priority", "/customer");
        assertThat(r.json().toString()).as("the judged field keeps its place").startsWith("{\"sentiment\"");
    }

    @Test
    void judgeMustPickACandidate() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"negative\",\"priority\":1,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":2,\"customer\":\"Ada\"}"));
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/sentiment", "/priority");
        assertThatThrownBy(() -> vote.applyJudgeAnswer(json.readTree("{\"/sentiment\":\"positive\",\"/priority\":1}")))
                .isInstanceOf(InvalidAnswerException.class)
                .satisfies(e -> assertThat(((InvalidAnswerException) e).problem()).isEqualTo(AnswerProblem.SCHEMA_VIOLATION));
        assertThatThrownBy(() -> vote.applyJudgeAnswer(json.readTree("{\"/sentiment\":\"neutral\"}")))
                .isInstanceOf(InvalidAnswerException.class).hasMessageContaining("/priority");
        assertThatThrownBy(() -> vote.applyJudgeAnswer(json.readTree("{\"/sentiment\":\"neutral\",\"/priority\":2,\"/x\":1}")))
                .isInstanceOf(InvalidAnswerException.class);
        // numbers compare numerically in the enum too: 2.0 is candidate 2
        VoteResult r = vote.applyJudgeAnswer(json.readTree("{\"/sentiment\":\"neutral\",\"/priority\":2.0}"));
        assertThat(r.json().get("priority").asInt()).isEqualTo(2);
        assertThat(r.agreement()).containsEntry("/priority", 0.5).containsEntry("/sentiment", 0.5);
    }

    @Test
    void absentOptionalFieldsVoteForAbsent() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\",\"refund\":true,\"note\":\"x\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\",\"refund\":true}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\",\"note\":\"y\"}"));
        // refund: true twice, absent once -> true; note: "x", "y", absent -> disputed with an absent candidate
        assertThat(vote.merged().get("refund").asBoolean()).isTrue();
        assertThat(vote.agreement().get("/refund")).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(vote.disputed()).singleElement().satisfies(d -> {
            assertThat(d.pointer()).isEqualTo("/note");
            assertThat(d.candidates()).anySatisfy(c -> assertThat(c.absent()).isTrue());
        });
        assertThat(vote.disputedSchema().node().get("required")).isEmpty();
        VoteResult r = vote.applyJudgeAnswer(json.readTree("{}"));
        assertThat(r.json().has("note")).isFalse();
        assertThat(r.agreement()).doesNotContainKey("/note");
        assertThat(r.judged()).containsExactly("/note");

        StructuredVote absentWins = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\",\"refund\":false}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\"}"));
        assertThat(absentWins.needsJudge()).isFalse();
        assertThat(absentWins.result().json().has("refund")).isFalse();
    }

    @Test
    void anOptionalObjectIsVotedPresentThenItsFieldsAmongTheAnswersThatHaveIt() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\",\"address\":{\"city\":\"Oslo\",\"zip\":\"0150\"}}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\",\"address\":{\"city\":\"oslo \"}}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\"}"));
        // city: present in 2 of the 2 answers with an address -> kept, although only 2 of 3 answers support it
        VoteResult r = StructuredVote.tally(SCHEMA, List.of(vote.merged())).result();
        assertThat(vote.merged().at("/address/city").asText()).isEqualTo("Oslo");
        assertThat(vote.agreement().get("/address/city")).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/address/zip");
        assertThat(r.json().at("/address/city").asText()).isEqualTo("Oslo");
    }

    @Test
    void numbersCompareNumerically() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1.0,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1.00,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1.0,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":2,\"customer\":\"Ada\"}"));
        assertThat(vote.needsJudge()).isFalse();
        assertThat(vote.agreement().get("/priority")).isEqualTo(0.8);
        // the most common original spelling wins
        assertThat(vote.result().json().get("priority").toString()).isEqualTo("1.0");
    }

    @Test
    void stringsCompareAfterCaseAndWhitespaceAndKeepTheCommonSpelling() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"ada  Lovelace\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada Lovelace\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\" ADA\\tLOVELACE \"}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Ada Lovelace\"}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"Grace Hopper\"}"));
        assertThat(vote.needsJudge()).isFalse();
        assertThat(vote.result().json().get("customer").asText()).isEqualTo("Ada Lovelace");
        assertThat(vote.agreement().get("/customer")).isEqualTo(0.8);
    }

    @Test
    void arraysOfScalarsAreMultisetsAndArraysOfObjectsAlignByIndex() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"A\",\"tags\":[\"late\",\"refund\"],"
                        + "\"items\":[{\"sku\":\"A-1\",\"qty\":1},{\"sku\":\"B-2\",\"qty\":5}]}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"A\",\"tags\":[\"Refund\",\"late\"],"
                        + "\"items\":[{\"sku\":\"A-1\",\"qty\":1},{\"sku\":\"B-2\",\"qty\":6}]}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"A\",\"tags\":[\"late\",\"late\",\"refund\"],"
                        + "\"items\":[{\"sku\":\"A-1\",\"qty\":2},{\"sku\":\"B-2\",\"qty\":7},{\"sku\":\"C-3\"}]}"));
        // tags: {late, refund} twice (order ignored), {late x2, refund} once -> majority
        assertThat(vote.agreement().get("/tags")).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(vote.merged().get("tags")).isEqualTo(json.readTree("[\"late\",\"refund\"]"));
        // items: length 2 has the majority; element 0 agreed, /items/1/qty disputed 5/6/7
        assertThat(vote.merged().at("/items/0")).isEqualTo(json.readTree("{\"sku\":\"A-1\",\"qty\":1}"));
        assertThat(vote.merged().at("/items/1/sku").asText()).isEqualTo("B-2");
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/items/1/qty");
        VoteResult r = vote.applyJudgeAnswer(json.readTree("{\"/items/1/qty\":6}"));
        assertThat(r.json().get("items")).isEqualTo(json.readTree("[{\"sku\":\"A-1\",\"qty\":1},{\"sku\":\"B-2\",\"qty\":6}]"));
        assertThat(r.agreement().keySet()).containsExactly("/sentiment", "/priority", "/customer", "/tags",
                "/items/0/sku", "/items/0/qty", "/items/1/sku", "/items/1/qty");

        StructuredVote lengths = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"A\",\"items\":[{\"sku\":\"A\"}]}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"A\",\"items\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}",
                "{\"sentiment\":\"neutral\",\"priority\":1,\"customer\":\"A\",\"items\":[]}"));
        assertThat(lengths.disputed()).singleElement().satisfies(d -> {
            assertThat(d.pointer()).isEqualTo("/items");
            assertThat(d.candidates()).hasSize(3).allSatisfy(c -> assertThat(c.value().isArray()).isTrue());
        });
        VoteResult lr = lengths.applyJudgeAnswer(json.readTree("{\"/items\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}"));
        assertThat(lr.json().get("items").size()).isEqualTo(2);
        assertThat(lr.agreement()).containsEntry("/items", 1 / 3.0);
    }

    @Test
    void pointersEscapeSlashAndTilde() throws Exception {
        StructuredSchema schema = StructuredSchema.parse("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}");
        StructuredVote vote = StructuredVote.tally(schema, answers("{\"a/b\":\"x\",\"c~d\":\"1\"}",
                "{\"a/b\":\"y\",\"c~d\":\"1\"}"));
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/a~1b");
        assertThat(vote.agreement()).containsOnlyKeys("/c~0d");
        VoteResult r = vote.applyJudgeAnswer(json.readTree("{\"/a~1b\":\"y\"}"));
        assertThat(r.json()).isEqualTo(json.readTree("{\"a/b\":\"y\",\"c~d\":\"1\"}"));
    }

    @Test
    void aCombinationThatBreaksACrossFieldRuleIsATypedFailure() throws Exception {
        // valid answers: either both a and b, or neither; the merge can produce a alone
        StructuredSchema schema = StructuredSchema.parse("""
                {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},
                 "dependentRequired":{"a":["b"]}}""");
        StructuredVote vote = StructuredVote.tally(schema, answers("{\"a\":1,\"b\":1}", "{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":3}"));
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/b");
        assertThat(vote.applyJudgeAnswer(json.readTree("{\"/b\":2}")).json()).isEqualTo(json.readTree("{\"a\":1,\"b\":2}"));
        StructuredVote broken = StructuredVote.tally(schema, answers("{\"a\":1,\"b\":1}", "{\"a\":1,\"b\":1}", "{}",
                "{\"a\":1,\"b\":2}", "{}"));
        // a: 1 x3 of 5 -> kept; b: 1,1,absent,2,absent -> no majority; judge picks absent -> a without b
        VoteResult ok = broken.applyJudgeAnswer(json.readTree("{\"/b\":1}"));
        assertThat(ok.json()).isEqualTo(json.readTree("{\"a\":1,\"b\":1}"));
        assertThatThrownBy(() -> broken.applyJudgeAnswer(json.readTree("{}")))
                .isInstanceOf(VoteMergeException.class).hasMessageContaining("b");
    }

    @Test
    void aScalarRootIsOneLeafAddressedByTheEmptyPointer() throws Exception {
        StructuredSchema schema = StructuredSchema.parse("{\"enum\":[\"yes\",\"no\",\"maybe\"]}");
        assertThat(StructuredVote.tally(schema, answers("\"yes\"", "\"yes\"", "\"no\"")).result().agreement())
                .containsExactly(Map.entry("", 2 / 3.0));
        StructuredVote vote = StructuredVote.tally(schema, answers("\"yes\"", "\"no\""));
        assertThat(vote.merged().isMissingNode()).isTrue();
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("");
        assertThatThrownBy(vote::result).isInstanceOf(IllegalStateException.class);
        VoteResult r = vote.applyJudgeAnswer(json.readTree("{\"\":\"no\"}"));
        assertThat(r.json().asText()).isEqualTo("no");
        assertThat(r.agreement()).containsExactly(Map.entry("", 0.5));
    }

    @Test
    void refusesInvalidOrNoAnswers() throws Exception {
        assertThatThrownBy(() -> StructuredVote.tally(SCHEMA, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StructuredVote.tally(SCHEMA, answers("{\"sentiment\":\"meh\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("answer 0");
    }

    @Test
    void theJudgePromptIsAnonymizedAndShuffledBySeed() throws Exception {
        StructuredVote vote = StructuredVote.tally(SCHEMA, answers(
                "{\"sentiment\":\"negative\",\"priority\":1,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"neutral\",\"priority\":2,\"customer\":\"Ada\"}",
                "{\"sentiment\":\"positive\",\"priority\":3,\"customer\":\"Ada\"}"));
        java.util.Set<String> prompts = new java.util.HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            prompts.add(vote.disputeRequest("q", seed).user());
        }
        assertThat(prompts.size()).isGreaterThan(1);
        assertThat(vote.disputeRequest("q", 3).user()).isEqualTo(vote.disputeRequest("q", 3).user());
    }
}
