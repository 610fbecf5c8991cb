package dev.fusion.sandbox;

import dev.fusion.judge.JudgePrompt;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxMergerTest {

    static final List<String> ANSWERS = List.of(
            "Paris is the capital of France. The Eiffel Tower was finished in 1889.",
            "The capital of France is Paris. Paris lies on the river Seine.",
            "France's capital city is Paris. The city lies on the Seine river. Croissants are popular there.");

    final SandboxMerger merger = new SandboxMerger();

    @Test
    void sameInputGivesTheSameMerge() {
        SandboxMerger.Merge a = merger.merge("capital?", ANSWERS);
        SandboxMerger.Merge b = new SandboxMerger().merge("capital?", List.copyOf(ANSWERS));
        assertThat(b).isEqualTo(a);
        assertThat(b.render()).isEqualTo(a.render());
        for (int i = 0; i < 5; i++) {
            assertThat(merger.merge("capital?", ANSWERS).render()).isEqualTo(a.render());
        }
    }

    @Test
    void agreedPointsComeFirstMostSupportedFirstThenUniquePointsInOrder() {
        SandboxMerger.Merge m = merger.merge("What is the capital of France?", ANSWERS);
        assertThat(m.answerCount()).isEqualTo(3);
        assertThat(m.consensus()).extracting(SandboxMerger.Point::support).containsExactly(3, 2);
        assertThat(m.consensus().get(0).text()).contains("capital").contains("Paris");
        assertThat(m.consensus().get(0).answers()).containsExactly(1, 2, 3);
        assertThat(m.consensus().get(1).text()).contains("Seine");
        assertThat(m.consensus().get(1).answers()).containsExactly(2, 3);
        assertThat(m.unique()).extracting(SandboxMerger.Point::text)
                .containsExactly("The Eiffel Tower was finished in 1889.", "Croissants are popular there.");
        assertThat(m.duplicatesDropped()).isEqualTo(3);

        String out = m.render();
        assertThat(out).startsWith("What the answers agree on:").doesNotContain("[sandbox]");
        assertThat(m.notice()).startsWith("Deterministic merge by sandbox-judge of 3 answers: 2 agreed points, 2 unique");
        assertThat(out.indexOf("Paris")).isLessThan(out.indexOf("Seine"));
        assertThat(out.indexOf("Seine")).isLessThan(out.indexOf("Eiffel"));
        assertThat(out.indexOf("Eiffel")).isLessThan(out.indexOf("Croissants"));
        assertThat(out).contains("(3 of 3 answers)").contains("(2 of 3 answers)");
    }

    @Test
    void repeatedAndNearDuplicateSentencesCollapseIntoOnePoint() {
        SandboxMerger.Merge m = merger.merge("q", List.of(
                "Use exponential backoff with jitter for retries. Use exponential backoff with jitter for retries!",
                "For retries, use exponential backoff with random jitter.",
                "Retries should use exponential backoff plus jitter."));
        assertThat(m.consensus()).hasSize(1);
        assertThat(m.consensus().get(0).support()).isEqualTo(3);
        assertThat(m.unique()).isEmpty();
        assertThat(m.duplicatesDropped()).isEqualTo(3);
        assertThat(m.render().split("backoff", -1)).as("the point is written once").hasSize(2);
    }

    @Test
    void readsTheRealJudgePromptAndIgnoresSandboxNotices() {
        String prompt = JudgePrompt.synthesize().render("What is the capital of France?", List.of(
                "[sandbox] Offline answer from a persona.\n\n" + ANSWERS.get(0),
                "[sandbox] Offline answer from a persona.\n\n" + ANSWERS.get(1),
                ANSWERS.get(2)));
        assertThat(SandboxMerger.question(prompt)).isEqualTo("What is the capital of France?");
        List<String> answers = SandboxMerger.answers(prompt);
        assertThat(answers).hasSize(3);
        assertThat(answers.get(2)).isEqualTo(ANSWERS.get(2)).doesNotStartWith("Answer");
        SandboxMerger.Merge m = merger.mergeJudgePrompt(prompt);
        assertThat(m).isEqualTo(merger.merge("What is the capital of France?", answers));
        assertThat(m.consensus().get(0).support()).isEqualTo(3);
        assertThat(m.render()).doesNotContain("Offline answer from a persona");
    }

    @Test
    void withoutAgreementEveryPointIsUnique() {
        SandboxMerger.Merge m = merger.merge("q", List.of("Cats purr when content.", "Dogs wag their tails happily."));
        assertThat(m.consensus()).isEmpty();
        assertThat(m.unique()).hasSize(2);
        assertThat(m.render()).contains("share no common point");
    }

    @Test
    void noAnswersIsSaidPlainly() {
        SandboxMerger.Merge m = merger.mergeJudgePrompt("just a question without answer blocks");
        assertThat(m.answerCount()).isZero();
        assertThat(m.render()).doesNotContain("[sandbox]").contains("no answers to merge");
        assertThat(m.notice()).contains("of 0 answers");
    }
}
