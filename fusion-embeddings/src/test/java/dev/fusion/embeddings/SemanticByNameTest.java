package dev.fusion.embeddings;

import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** With this module on the class path, a config file can say {@code rule: semantic}. */
class SemanticByNameTest {

    @Test
    void configNameResolvesToTheSemanticRule() {
        Strategy s = Strategy.parse("cascade", Map.of("rule", "semantic", "agree", 2));
        assertThat(s).isInstanceOfSatisfying(Strategy.Cascade.class, c -> {
            assertThat(c.rule()).isInstanceOf(SemanticAgreement.class);
            assertThat(c.minAgreeing()).isEqualTo(2);
        });
    }
}
