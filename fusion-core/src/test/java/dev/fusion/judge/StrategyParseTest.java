package dev.fusion.judge;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StrategyParseTest {

    @Test
    void configNamesAreAContract() {
        assertThat(Strategy.names()).containsExactly("synthesize", "analyze", "select-best", "self-moa", "layered", "cascade", "vote");
        for (String name : Strategy.names()) {
            assertThat(Strategy.parse(name, Map.of()).name()).isEqualTo(name);
        }
        assertThat(Strategy.synthesize().name()).isEqualTo("synthesize");
        assertThat(Strategy.analyze().name()).isEqualTo("analyze");
        assertThat(Strategy.selectBest(false).name()).isEqualTo("select-best");
        assertThat(Strategy.selfMoa(3).name()).isEqualTo("self-moa");
        assertThat(Strategy.layered(2).name()).isEqualTo("layered");
        assertThat(Strategy.cascade().name()).isEqualTo("cascade");
    }

    @Test
    void optionsAreReadFromConfigValues() {
        assertThat(Strategy.parse("self-moa", Map.of("samples", 6))).isEqualTo(new Strategy.SelfMoa(6, 0.7, 1.0));
        assertThat(Strategy.parse("self-moa", Map.of("samples", "3", "minTemperature", 0.2, "maxTemperature", "0.9")))
                .isEqualTo(new Strategy.SelfMoa(3, 0.2, 0.9));
        assertThat(Strategy.parse("layered", Map.of("rounds", 3L))).isEqualTo(Strategy.layered(3));
        assertThat(Strategy.parse("select-best", Map.of("rounds", 1))).isEqualTo(Strategy.selectBest(false));
        assertThat(Strategy.parse("select-best", Map.of())).isEqualTo(Strategy.selectBest(true));
        Strategy.Cascade c = (Strategy.Cascade) Strategy.parse("cascade", Map.of("agree", 2, "maxChars", 50));
        assertThat(c.minAgreeing()).isEqualTo(2);
        assertThat(c.rule().name()).contains("maxChars=50");
        assertThat(((Strategy.Cascade) Strategy.parse("CASCADE", Map.of("agree", "all"))).minAgreeing())
                .isEqualTo(Strategy.Cascade.ALL);
    }

    @Test
    void flagshipsAreResolvedByTheCaller() {
        ChatModel opus = new ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("anthropic:opus");
            }

            @Override
            public Mono<ModelResponse> call(ModelRequest request) {
                return Mono.just(ModelResponse.of("x", Usage.ZERO));
            }
        };
        Strategy.Cascade c = (Strategy.Cascade) Strategy.parse("cascade", Map.of("flagships", List.of("anthropic:opus")),
                ref -> opus);
        assertThat(c.flagships()).singleElement().satisfies(m -> assertThat(m.id()).isEqualTo("anthropic:opus"));
        assertThatThrownBy(() -> Strategy.parse("cascade", Map.of("flagships", "anthropic:opus")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("resolver");
    }

    @Test
    void badConfigurationNamesTheFix() {
        assertThatThrownBy(() -> Strategy.parse("debate", Map.of())).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("synthesize, analyze, select-best");
        assertThatThrownBy(() -> Strategy.parse("layered", Map.of("samples", 2)))
                .hasMessageContaining("no option 'samples'").hasMessageContaining("rounds");
        assertThatThrownBy(() -> Strategy.parse("layered", Map.of("rounds", 1))).hasMessageContaining("between 2 and 8");
        assertThatThrownBy(() -> Strategy.parse("self-moa", Map.of("samples", "many"))).hasMessageContaining("whole number");
        assertThatThrownBy(() -> Strategy.parse("cascade", Map.of("agree", 1))).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> Strategy.parse("analyze", Map.of("x", 1))).hasMessageContaining("takes none");
    }
}
