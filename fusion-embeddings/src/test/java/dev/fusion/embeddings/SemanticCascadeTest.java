package dev.fusion.embeddings;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.AgreementRule;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** End to end: a cascade over fake chat models, deciding agreement with the real local embedding model. */
class SemanticCascadeTest {

    /** A chat model that always answers {@code text} and counts its calls. */
    static final class FixedModel implements ChatModel {
        private final ModelRef ref;
        private final String text;
        final AtomicInteger calls = new AtomicInteger();

        FixedModel(String ref, String text) {
            this.ref = ModelRef.parse(ref);
            this.text = text;
        }

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            return Mono.fromSupplier(() -> {
                calls.incrementAndGet();
                return ModelResponse.of(text, Usage.of(100, 50));
            });
        }
    }

    private static FusionResult ask(Strategy strategy, FixedModel judge, String... answers) {
        Fusion.Builder b = Fusion.builder().judge(judge).strategy(strategy).price("p:judge", Price.of("15", "75"));
        FixedModel[] panel = new FixedModel[answers.length];
        for (int i = 0; i < answers.length; i++) {
            panel[i] = new FixedModel("p:m" + i, answers[i]);
            b.price("p:m" + i, Price.of("0.1", "0.4"));
        }
        return b.panel(panel).build().ask("What is the capital of France? Answer in one sentence.");
    }

    @Test
    void semanticallyAgreeingCheapAnswersSkipTheJudgeWhereExactMatchWouldNot() {
        String[] answers = {"Paris is the capital of France.", "The capital of France is Paris.",
                "France's capital city is Paris."};

        FixedModel judge = new FixedModel("p:judge", "merged by the judge");
        FusionResult semantic = ask(Strategy.cascade(SemanticAgreement.create(), Strategy.Cascade.ALL), judge, answers);
        assertThat(judge.calls).hasValue(0);
        assertThat(semantic.judged()).isFalse();
        assertThat(semantic.judgeCalls()).isEmpty();
        assertThat(semantic.answer()).isIn((Object[]) answers);
        CascadeOutcome c = semantic.cascade().orElseThrow();
        assertThat(c.path()).isEqualTo(CascadeOutcome.AGREED);
        assertThat(c.agreeing()).isEqualTo(3);
        assertThat(c.estimatedSavingUsd()).isPositive();
        assertThat(semantic.notes()).anyMatch(n -> n.contains("semantic(") && n.contains("judge was skipped"));

        // The same wording with the built-in rule: no two answers are equal, so the judge is called.
        FixedModel judge2 = new FixedModel("p:judge", "merged by the judge");
        FusionResult exact = ask(Strategy.cascade(AgreementRule.normalizedExactMatch(), Strategy.Cascade.ALL), judge2, answers);
        assertThat(judge2.calls).hasValue(1);
        assertThat(exact.judged()).isTrue();
        assertThat(exact.answer()).isEqualTo("merged by the judge");
    }

    @Test
    void disagreeingAnswersStillGoToTheJudge() {
        FixedModel judge = new FixedModel("p:judge", "merged by the judge");
        FusionResult r = ask(Strategy.cascade(SemanticAgreement.create(), Strategy.Cascade.ALL), judge,
                "Paris is the capital of France.", "Lyon is the capital of France.", "The capital of France is Paris.");
        assertThat(judge.calls).hasValue(1);
        assertThat(r.judged()).isTrue();
        assertThat(r.cascade().orElseThrow().agreeing()).isEqualTo(2);
    }

    @Test
    void aMajorityThresholdReturnsTheLargestGroupsRepresentative() {
        FixedModel judge = new FixedModel("p:judge", "merged by the judge");
        FusionResult r = ask(Strategy.cascade(SemanticAgreement.create(), 2), judge,
                "Lyon is the capital of France.", "Paris is the capital of France.", "The capital of France is Paris.");
        assertThat(judge.calls).hasValue(0);
        assertThat(r.answer()).contains("Paris");
        assertThat(r.cascade().orElseThrow().agreeing()).isEqualTo(2);
    }
}
