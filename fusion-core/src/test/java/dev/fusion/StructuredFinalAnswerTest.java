package dev.fusion;

import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;

import static dev.fusion.VoteStrategyTest.SCHEMA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With a schema, the judge's final answer of the other strategies is schema-valid JSON: read, repaired once, or degraded. */
class StructuredFinalAnswerTest {

    private static final String VALID = "{\"category\":\"bug\",\"priority\":2,\"summary\":\"Crash\"}";

    private static FusionRequest ask() {
        return FusionRequest.builder().prompt("Classify: the app crashes on start.").schema(SCHEMA).build();
    }

    private static Fusion.Builder fusion(FakeModel judge, Strategy strategy) {
        return Fusion.builder().panel(FakeModel.instant("p:a", VALID), FakeModel.instant("p:b",
                "{\"category\":\"bug\",\"priority\":3,\"summary\":\"crash\"}")).judge(judge).strategy(strategy);
    }

    @Test
    void theSynthesisCarriesTheSchemaAndAnInvalidReplyIsRepairedOnce() {
        FakeModel judge = FakeModel.replying("p:judge", r -> r.messages().size() == 1 ? "Here you go: " + VALID : VALID);
        FusionResult r = fusion(judge, Strategy.synthesize()).build().ask(ask());
        assertThat(judge.requests.get(0).responseFormat().schema()).isEqualTo(ask().responseFormat().schema());
        assertThat(r.judgeCalls()).extracting(c -> c.step() + ":" + c.status().wireName())
                .containsExactly("synthesize:failed", "structured-retry:ok");
        assertThat(r.judgeCalls().get(0).error().type()).isEqualTo("invalid_output");
        assertThat(judge.requests.get(1).messages().get(2).content()).contains("not valid JSON");
        assertThat(r.json().orElseThrow().get("priority").asInt()).isEqualTo(2);
        assertThat(r.judged()).isTrue();
    }

    @Test
    void aReplyStillInvalidDegradesToAValidMemberAnswerUnderBestAnswer() {
        FakeModel judge = FakeModel.instant("p:judge", "{\"category\":\"crash\"}");
        FusionResult r = fusion(judge, Strategy.synthesize()).onJudgeFailure(OnJudgeFailure.BEST_ANSWER).build().ask(ask());
        assertThat(judge.calls.get()).isEqualTo(2);
        assertThat(r.judged()).isFalse();
        assertThat(VoteStrategyTest.S.isValid(r.json().orElseThrow())).isTrue();
        assertThat(r.notes()).anyMatch(n -> n.contains("still does not match the schema"));
    }

    @Test
    void aReplyStillInvalidFailsTheAskUnderTheDefaultPolicy() {
        FakeModel judge = FakeModel.instant("p:judge", "not json");
        Fusion f = fusion(judge, Strategy.synthesize()).build();
        assertThatThrownBy(() -> f.ask(ask())).isInstanceOf(JudgeFailedException.class);
    }

    @Test
    void analyzeWritesItsFinalAnswerInSchema() {
        FakeModel judge = FakeModel.replying("p:judge", r -> r.system().contains("JSON") && r.responseFormat() == null
                ? "{\"consensus\":[],\"contradictions\":[],\"partial_coverage\":[],\"unique_insights\":[],\"blind_spots\":[]}"
                : VALID);
        FusionResult r = fusion(judge, Strategy.analyze()).build().ask(ask());
        assertThat(r.json()).isPresent();
        assertThat(r.judgeCalls()).last().satisfies(c -> assertThat(c.step()).isEqualTo("write"));
        assertThat(judge.requests.get(judge.requests.size() - 1).responseFormat()).isNotNull();
    }
}
