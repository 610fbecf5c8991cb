package dev.fusion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Price;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRequest;
import dev.fusion.structured.InvalidAnswerException;
import dev.fusion.structured.StructuredSchema;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code vote} strategy over scripted members: judge calls only for disputed fields, repairs, invalid_output. */
class VoteStrategyTest {

    static final String SCHEMA = """
            {"type":"object","properties":{
              "category":{"type":"string","enum":["billing","bug","other"]},
              "priority":{"type":"integer","minimum":1,"maximum":5},
              "summary":{"type":"string"}},
             "required":["category","priority","summary"],"additionalProperties":false}""";
    static final StructuredSchema S = StructuredSchema.parse(SCHEMA);

    /** The record the schema describes, for {@link FusionResult#as}. */
    record Ticket(String category, int priority, String summary) {
    }

    private static String ticket(String category, int priority, String summary) {
        return "{\"category\":\"" + category + "\",\"priority\":" + priority + ",\"summary\":\"" + summary + "\"}";
    }

    private static Fusion.Builder vote(FakeModel a, FakeModel b, FakeModel c, FakeModel judge) {
        return Fusion.builder().panel(a, b, c).judge(judge).strategy(Strategy.vote())
                .price("p:a", Price.of("0.1", "0.4")).price("p:b", Price.of("0.1", "0.4")).price("p:c", Price.of("0.1", "0.4"))
                .price("p:judge", Price.of("15", "75"));
    }

    private static FusionRequest ask() {
        return FusionRequest.builder().prompt("Classify: I was charged twice for my plan.").schema(SCHEMA).build();
    }

    /** A member answering {@code first} in round 1 and {@code repaired} when asked to repair (a 3-turn conversation). */
    private static FakeModel member(String ref, String first, String repaired) {
        return FakeModel.replying(ref, r -> r.messages().size() == 1 ? first : repaired);
    }

    @Test
    void unanimousAnswersNeedNoJudgeCall() {
        FakeModel judge = FakeModel.instant("p:judge", "never used");
        FusionResult r = vote(FakeModel.instant("p:a", ticket("billing", 2, "Charged twice")),
                FakeModel.instant("p:b", ticket("billing", 2, "charged   TWICE")),
                FakeModel.instant("p:c", ticket("billing", 2, "Charged twice")), judge).build().ask(ask());

        assertThat(judge.calls.get()).isZero();
        assertThat(r.strategy()).isEqualTo("vote");
        assertThat(r.judged()).isFalse();
        assertThat(r.judgeCalls()).isEmpty();
        JsonNode json = r.json().orElseThrow();
        assertThat(S.isValid(json)).isTrue();
        assertThat(json.get("summary").asText()).isEqualTo("Charged twice"); // the most common spelling
        assertThat(r.as(Ticket.class)).isEqualTo(new Ticket("billing", 2, "Charged twice"));
        assertThat(r.agreement()).containsOnlyKeys("/category", "/priority", "/summary")
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1.0));
        assertThat(StructuredSchema.parseJson(r.answer())).isEqualTo(json);
        assertThat(r.notes()).anyMatch(n -> n.contains("judge was skipped") && n.contains("saving an estimated $"));
        // Each member was asked with the schema as its response format.
        assertThat(r.panel()).hasSize(3).allMatch(CallRecord::isOk);
    }

    @Test
    void oneDisputedFieldIsTheOnlyThingTheOneJudgeCallCarries() {
        FakeModel judge = FakeModel.replying("p:judge", req -> "{\"/priority\": 3}");
        FusionResult r = vote(FakeModel.instant("p:a", ticket("billing", 1, "Charged twice")),
                FakeModel.instant("p:b", ticket("billing", 2, "Charged twice")),
                FakeModel.instant("p:c", ticket("billing", 3, "Charged twice")), judge).build().ask(ask());

        assertThat(judge.calls.get()).isEqualTo(1);
        ModelRequest jr = judge.requests.get(0);
        JsonNode disputeSchema = jr.responseFormat().schema();
        List<String> props = iterate(disputeSchema.get("properties").fieldNames());
        assertThat(props).containsExactly("/priority");
        assertThat(jr.responseFormat().strictCompatible()).isFalse(); // strict mode is never asked for the dispute
        assertThat(dev.fusion.model.ResponseFormat.jsonSchema("x", disputeSchema).strictCompatible()).isTrue();
        assertThat(r.judged()).isTrue();
        assertThat(r.judgeCalls()).singleElement().satisfies(c -> assertThat(c.step()).isEqualTo("resolve"));
        assertThat(r.as(Ticket.class)).isEqualTo(new Ticket("billing", 3, "Charged twice"));
        assertThat(S.isValid(r.json().orElseThrow())).isTrue();
        assertThat(r.agreement()).containsEntry("/category", 1.0).containsEntry("/summary", 1.0);
        assertThat(r.agreement().get("/priority")).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void anInvalidJudgeSettlementIsRepairedOnce() {
        FakeModel judge = FakeModel.replying("p:judge", req -> req.messages().size() == 1 ? "{\"/priority\": 9}"
                : "{\"/priority\": 1}");
        FusionResult r = vote(FakeModel.instant("p:a", ticket("billing", 1, "x")),
                FakeModel.instant("p:b", ticket("billing", 2, "x")),
                FakeModel.instant("p:c", ticket("billing", 3, "x")), judge).build().ask(ask());

        assertThat(judge.calls.get()).isEqualTo(2);
        assertThat(r.judgeCalls()).extracting(CallRecord::step).containsExactly("resolve", "resolve-retry");
        assertThat(r.judgeCalls().get(0).error().type()).isEqualTo(InvalidAnswerException.ERROR_KIND);
        assertThat(judge.requests.get(1).messages().get(2).content()).contains("Your previous answer cannot be used");
        assertThat(r.judgeCalls().get(1).isOk()).isTrue();
        assertThat(r.json().orElseThrow().get("priority").asInt()).isEqualTo(1);
        assertThat(S.isValid(r.json().orElseThrow())).isTrue();
    }

    @Test
    void aJudgeStillInvalidAfterItsRepairEndsInTheJudgeFailurePolicy() {
        FakeModel judge = FakeModel.replying("p:judge", req -> "{\"/priority\": 1}"); // /category is disputed too
        Fusion f = vote(FakeModel.instant("p:a", ticket("billing", 1, "x")),
                FakeModel.instant("p:b", ticket("bug", 2, "x")),
                FakeModel.instant("p:c", ticket("other", 3, "x")), judge).build();
        assertThatThrownBy(() -> f.ask(ask())).isInstanceOfSatisfying(JudgeFailedException.class, e ->
                assertThat(e.calls()).filteredOn(x -> x.role() == CallRole.JUDGE).extracting(x -> x.step() + ":" + x.error().type())
                        .containsExactly("resolve:invalid_output", "resolve-retry:invalid_output"));
        assertThat(judge.calls.get()).isEqualTo(2);
    }

    @Test
    void aMemberWithInvalidJsonIsRepairedAndVotes() {
        FakeModel judge = FakeModel.instant("p:judge", "never used");
        FakeModel c = member("p:c", "Sure! category billing, priority 4", ticket("billing", 4, "Charged twice"));
        FusionResult r = vote(FakeModel.instant("p:a", ticket("billing", 4, "Charged twice")),
                FakeModel.instant("p:b", ticket("bug", 4, "Charged twice")), c, judge).build().ask(ask());

        assertThat(c.calls.get()).isEqualTo(2);
        ModelRequest repair = c.requests.get(1);
        assertThat(repair.messages()).hasSize(3);
        assertThat(repair.messages().get(1).content()).isEqualTo("Sure! category billing, priority 4");
        assertThat(repair.messages().get(2).content()).contains("not valid JSON");
        assertThat(repair.responseFormat()).isNotNull();
        assertThat(r.panel()).extracting(x -> x.memberId() + "@" + x.step() + ":" + x.status().wireName()
                        + (x.error() != null ? ":" + x.error().type() : ""))
                .containsExactly("p:a@answer:ok", "p:b@answer:ok", "p:c@answer:failed:invalid_output", "p:c@repair:ok");
        assertThat(judge.calls.get()).isZero(); // billing 2 of 3 once c's repair counts
        assertThat(r.agreement().get("/category")).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.json().orElseThrow().get("category").asText()).isEqualTo("billing");
        assertThat(r.totalCostUsd()).isEqualTo(sum(r.calls())); // the invalid answer is billed
        assertThat(r.panel().get(2).cost().usd()).hasValueSatisfying(v -> assertThat(v).isPositive());
    }

    @Test
    void aMemberStillInvalidAfterItsRepairIsFailedAsInvalidOutputAndTheVoteGoesOnWithoutIt() {
        FakeModel judge = FakeModel.instant("p:judge", "never used");
        FakeModel c = member("p:c", ticket("refund", 4, "x"), "{\"category\":\"billing\"}");
        FusionResult r = vote(FakeModel.instant("p:a", ticket("bug", 4, "Crash")),
                FakeModel.instant("p:b", ticket("bug", 4, "crash")), c, judge).build().ask(ask());

        assertThat(r.panel()).filteredOn(x -> x.memberId().equals("p:c")).hasSize(2)
                .allSatisfy(x -> {
                    assertThat(x.status()).isEqualTo(CallStatus.FAILED);
                    assertThat(x.error().type()).isEqualTo("invalid_output");
                    assertThat(x.cost().usd()).hasValueSatisfying(v -> assertThat(v).isPositive());
                });
        assertThat(r.failures()).extracting(CallRecord::memberId).containsOnly("p:c");
        assertThat(judge.calls.get()).isZero();
        assertThat(r.as(Ticket.class)).isEqualTo(new Ticket("bug", 4, "Crash"));
        assertThat(r.agreement()).allSatisfy((k, v) -> assertThat(v).isEqualTo(1.0)); // of the 2 valid answers
        assertThat(r.notes()).anyMatch(n -> n.contains("p:c's repaired answer is still invalid"));
    }

    @Test
    void noValidAnswersIsAQuorumFailureNamingInvalidOutput() {
        FakeModel judge = FakeModel.instant("p:judge", "never used");
        Function<String, FakeModel> bad = ref -> FakeModel.instant(ref, "I cannot answer in JSON.");
        Fusion f = vote(bad.apply("p:a"), bad.apply("p:b"), bad.apply("p:c"), judge).build();
        assertThatThrownBy(() -> f.ask(ask())).isInstanceOfSatisfying(QuorumNotMetException.class, e -> {
            assertThat(e.answered()).isZero();
            assertThat(e.calls()).hasSize(6).allSatisfy(x -> assertThat(x.error().type()).isEqualTo("invalid_output"));
            assertThat(e.calls()).extracting(CallRecord::step).containsOnly("answer", "repair");
        });
        assertThat(judge.calls.get()).isZero();
    }

    @Test
    void aVoteWithoutASchemaIsAConfigurationErrorBeforeAnyCall() {
        FakeModel a = FakeModel.instant("p:a", "x");
        FakeModel judge = FakeModel.instant("p:judge", "x");
        Fusion f = vote(a, FakeModel.instant("p:b", "x"), FakeModel.instant("p:c", "x"), judge).build();
        assertThatThrownBy(() -> f.ask("Classify this")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("vote strategy needs a JSON Schema").hasMessageContaining("schema(");
        assertThatThrownBy(() -> f.plan(FusionRequest.of("Classify this"))).isInstanceOf(InvalidConfigurationException.class);
        assertThat(a.calls.get() + judge.calls.get()).isZero();
    }

    @Test
    void aBudgetCoversTheVoteWithItsRepairsAndTheJudge() {
        FakeModel judge = FakeModel.replying("p:judge", req -> "{\"/category\": \"bug\"}");
        FakeModel c = member("p:c", "oops", ticket("other", 1, "x"));
        FusionResult r = vote(FakeModel.instant("p:a", ticket("billing", 1, "x")),
                FakeModel.instant("p:b", ticket("bug", 1, "x")), c, judge).budgetUsd(new BigDecimal("2.00")).build().ask(ask());
        assertThat(r.totalCostUsd()).isLessThanOrEqualTo(new BigDecimal("2.00"));
        assertThat(r.json().orElseThrow().get("category").asText()).isEqualTo("bug");
        assertThat(S.isValid(r.json().orElseThrow())).isTrue();
    }

    @Test
    void anotherStrategyWithASchemaReturnsTheJudgesAnswerAsJson() {
        FakeModel judge = FakeModel.instant("p:judge", ticket("billing", 2, "Charged twice"));
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", ticket("billing", 2, "a")),
                FakeModel.instant("p:b", ticket("billing", 1, "b"))).judge(judge).build();
        FusionResult r = f.ask(ask());
        assertThat(r.as(Ticket.class)).isEqualTo(new Ticket("billing", 2, "Charged twice"));
        assertThat(r.agreement()).isEmpty();
        FusionResult plain = f.ask("no schema");
        assertThat(plain.json()).isEmpty();
        assertThatThrownBy(() -> plain.as(Ticket.class)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theJsonFormAddsAnswerJsonAndAgreementOnlyWithASchema() throws Exception {
        FakeModel judge = FakeModel.replying("p:judge", req -> "{\"/priority\": 3}");
        Fusion f = vote(FakeModel.instant("p:a", ticket("billing", 1, "x")), FakeModel.instant("p:b", ticket("billing", 2, "x")),
                FakeModel.instant("p:c", ticket("billing", 3, "x")), judge).build();
        JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ResultJson.toJson(f.ask(ask())));
        assertThat(j.get("answerJson").get("priority").asInt()).isEqualTo(3);
        assertThat(j.get("agreement").get("/category").asDouble()).isEqualTo(1.0);
        assertThat(j.get("agreement").get("/priority").asDouble()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        FusionResult plain = Fusion.builder().panel(FakeModel.instant("p:a", "x")).judge(FakeModel.instant("p:judge", "y"))
                .build().ask("q");
        JsonNode p = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ResultJson.toJson(plain));
        assertThat(p.has("answerJson")).isFalse();
        assertThat(p.has("agreement")).isFalse();
    }

    private static BigDecimal sum(List<CallRecord> calls) {
        return calls.stream().map(x -> x.cost().usd().orElse(BigDecimal.ZERO)).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
