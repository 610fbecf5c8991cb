package dev.fusion.judge;

import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Strategy kinds are an enum with unchanged wire names; every kind parses to a strategy of that kind. */
class StrategyKindTest {

    @Test
    void wireNamesAreUnchangedAndInTheirStableOrder() {
        assertThat(Strategy.names()).containsExactly("synthesize", "analyze", "select-best", "self-moa", "layered", "cascade", "vote");
        assertThat(Arrays.stream(StrategyKind.values()).map(StrategyKind::wireName).toList()).isEqualTo(Strategy.names());
    }

    @Test
    void everyKindParsesToAStrategyOfThatKindNamedByItsWireName() {
        for (StrategyKind kind : StrategyKind.values()) {
            Strategy s = Strategy.parse(" " + kind.wireName().toUpperCase(java.util.Locale.ROOT) + " ", Map.of());
            assertThat(s.kind()).isEqualTo(kind);
            assertThat(s.name()).isEqualTo(kind.wireName());
            assertThat(StrategyKind.fromWireName(s.name())).contains(kind);
        }
    }

    @Test
    void anUnknownStrategyIsAConfigurationErrorNamingTheValidOnes() {
        assertThat(StrategyKind.fromWireName("majority")).isEmpty();
        assertThat(StrategyKind.fromWireName(null)).isEmpty();
        assertThatThrownBy(() -> Strategy.parse("majority", Map.of())).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("unknown strategy 'majority'").hasMessageContaining(List.of("synthesize", "analyze",
                        "select-best", "self-moa", "layered", "cascade", "vote").toString());
    }
}
