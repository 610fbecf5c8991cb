package dev.fusion;

import dev.fusion.cost.Price;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValidationTest {

    private final FakeModel a = FakeModel.instant("p:a", "a");
    private final FakeModel b = FakeModel.instant("p:b", "b");
    private final FakeModel judge = FakeModel.instant("p:j", "m");

    private void noModelCalled() {
        assertThat(a.calls.get() + b.calls.get() + judge.calls.get()).isZero();
    }

    @Test
    void blankOrNullPrompt() {
        Fusion f = Fusion.builder().panel(a, b).judge(judge).build();
        assertThatThrownBy(() -> f.ask((String) null)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("prompt");
        assertThatThrownBy(() -> f.ask("   ")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("blank");
        noModelCalled();
    }

    @Test
    void emptyPanel() {
        assertThatThrownBy(() -> Fusion.builder().judge(judge).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("panel is empty");
    }

    @Test
    void noJudge() {
        assertThatThrownBy(() -> Fusion.builder().panel(a).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("judge(");
    }

    @Test
    void duplicateMemberIds() {
        assertThatThrownBy(() -> Fusion.builder().panel(a, a).judge(judge).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("duplicate")
                .hasMessageContaining("p:a").hasMessageContaining("Member.of");
        // Distinct ids for the same model are fine.
        Fusion ok = Fusion.builder().member(Member.of("a1", a)).member(Member.of("a2", a)).judge(judge).build();
        assertThat(ok.panel()).extracting(Member::id).containsExactly("a1", "a2");
    }

    @Test
    void negativeBudgetOrTimeouts() {
        assertThatThrownBy(() -> Fusion.builder().panel(a).judge(judge).budgetUsd(new BigDecimal("-1")).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("budgetUsd");
        assertThatThrownBy(() -> Fusion.builder().panel(a).judge(judge).memberTimeout(Duration.ofMillis(-5)).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("memberTimeout");
        assertThatThrownBy(() -> Fusion.builder().panel(a).judge(judge).deadline(Duration.ZERO).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("deadline");
        assertThatThrownBy(() -> Fusion.builder().panel(a).judge(judge).grace(Duration.ofSeconds(-1)).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("grace");
        assertThatThrownBy(() -> FusionRequest.builder().prompt("q").budgetUsd(new BigDecimal("-0.01")).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("budgetUsd");
    }

    @Test
    void quorumLargerThanPanel() {
        assertThatThrownBy(() -> Fusion.builder().panel(a, b).judge(judge).quorum(3).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("quorum")
                .hasMessageContaining("panel size (2)");
        Fusion f = Fusion.builder().panel(a, b).judge(judge).build();
        assertThatThrownBy(() -> f.ask(FusionRequest.builder().prompt("q").quorum(5).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("quorum 5");
        noModelCalled();
    }

    @Test
    void budgetWithUnpricedModelsNeedsExplicitPermission() {
        assertThatThrownBy(() -> Fusion.builder().panel(a, b).judge(judge).budgetUsd(new BigDecimal("1"))
                .price("p:a", Price.of("1", "1")).build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("[p:b, p:j]").hasMessageContaining("allowUnpriced");
        Fusion f = Fusion.builder().panel(a, b).judge(judge).budgetUsd(new BigDecimal("1")).allowUnpriced(true).build();
        assertThat(f.ask("q").answer()).isEqualTo("m");
    }

    @Test
    void conversationMustEndWithAUserMessage() {
        assertThatThrownBy(() -> FusionRequest.builder()
                .messages(List.of(dev.fusion.model.ChatMessage.user("hi"), dev.fusion.model.ChatMessage.assistant("yo")))
                .build()).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("end with a user message");
    }

    @Test
    void badModelReference() {
        assertThatThrownBy(() -> dev.fusion.model.ModelRef.parse("gpt-5")).hasMessageContaining("provider:model");
    }
}
