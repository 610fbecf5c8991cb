package dev.fusion.judge;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Strategy options are parsed in the API package, one case per kind, into that kind's value (the engine's
 * flow files no longer parse anything, so {@code Strategy.parse} never reaches into {@code internal}).
 */
class StrategyConfigTest {

    @Test
    void everyKindParsesWithItsDefaultsIntoTheValueStrategyParseReturns() {
        for (StrategyKind kind : StrategyKind.values()) {
            Strategy s = Strategy.parse(kind.wireName(), Map.of());
            // the same value (a cascade's default rule is a fresh instance each time: compared by its description)
            assertThat(StrategyConfig.parse(kind, kind.wireName(), Map.of(), null)).hasSameClassAs(s).hasToString(s.toString());
            assertThat(s.kind()).isEqualTo(kind);
        }
    }

    @Test
    void optionsAreParsedByTheirKindsCase() {
        assertThat(StrategyConfig.parse(StrategyKind.SELECT_BEST, "select-best", Map.of("rounds", 1), null))
                .isEqualTo(Strategy.selectBest(false));
        assertThat(StrategyConfig.parse(StrategyKind.LAYERED, "layered", Map.of("rounds", "3"), null))
                .isEqualTo(Strategy.layered(3));
        assertThat(StrategyConfig.parse(StrategyKind.SELF_MOA, "self-moa", Map.of("samples", 2), null))
                .isEqualTo(Strategy.selfMoa(2));
    }
}
