package dev.fusion.embeddings;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AnswerFactsTest {

    private static boolean compatible(String a, String b) {
        return AnswerFacts.of(a).compatibleWith(AnswerFacts.of(b)) && AnswerFacts.of(b).compatibleWith(AnswerFacts.of(a));
    }

    @Test
    void numbersMustMatchAfterNormalization() {
        assertThat(compatible("It costs 1,000 dollars.", "The price is $1000.00")).isTrue();
        assertThat(compatible("Water boils at 100 °C.", "Water boils at 90 °C.")).isFalse();
        assertThat(compatible("The answer is 42.", "It is 43.")).isFalse();
        assertThat(compatible("It is -7.", "It is 7.")).isFalse();
        assertThat(compatible("Paris.", "The capital of France is Paris.")).isTrue();
    }

    @Test
    void negationMustMatch() {
        assertThat(compatible("The wall is not visible from space.", "You cannot see the wall from space.")).isTrue();
        assertThat(compatible("The wall isn't visible from space.", "The wall is visible from space.")).isFalse();
        assertThat(compatible("Yes, it is safe.", "No, it is not safe.")).isFalse();
    }

    @Test
    void opposedVerdictsDoNotAgree() {
        assertThat(compatible("True.", "False.")).isFalse();
        assertThat(compatible("That is correct.", "That is incorrect.")).isFalse();
        assertThat(compatible("Yes.", "Yes, of course.")).isTrue();
        assertThat(compatible("True.", "It is true.")).isTrue();
    }
}
