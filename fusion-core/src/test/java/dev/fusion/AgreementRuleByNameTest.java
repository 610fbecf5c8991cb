package dev.fusion;

import dev.fusion.judge.AgreementRule;
import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgreementRuleByNameTest {

    @Test
    void exactIsBuiltInAndTheDefault() {
        assertThat(AgreementRule.byName(null, Map.of(), 200).name()).isEqualTo(AgreementRule.normalizedExactMatch().name());
        assertThat(AgreementRule.byName("exact", Map.of(), 200).name()).isEqualTo(AgreementRule.normalizedExactMatch().name());
    }

    @Test
    void anUnknownRuleSaysWhatIsAvailableAndHowToGetSemantic() {
        // fusion-embeddings is not on fusion-core's class path.
        assertThatThrownBy(() -> Strategy.parse("cascade", Map.of("rule", "semantic")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("no agreement rule named 'semantic'").hasMessageContaining("[exact]")
                .hasMessageContaining("fusion-embeddings");
    }
}
