package dev.fusion.providers.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The number rules are declared on the keys ({@link FusionSpec.Min}) and read by {@link FusionSpec#validate()};
 * a tree another configuration system parsed ({@link FusionConfig#fromTree}) goes through the same reader.
 */
class DeclaredRulesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyNumberKeyDeclaresItsMinimum() {
        for (Class<?> type : List.of(FusionSpec.class, FusionSpec.Limit.class)) {
            for (RecordComponent c : type.getRecordComponents()) {
                if (c.getType() == Integer.class || c.getType() == Long.class || c.getType() == BigDecimal.class) {
                    assertThat(c.getAnnotation(FusionSpec.Min.class)).as("the minimum of %s.%s", type.getSimpleName(), c.getName())
                            .isNotNull();
                }
            }
        }
    }

    @Test
    void aDeclaredMinimumFailsNamingTheKeyInItsUnit() {
        String base = "panel: [a:x, a:y]\njudge: a:j\n";
        assertThatThrownBy(() -> FusionConfig.parse(base + "quorum: 0\n")).isInstanceOf(ConfigKeyException.class)
                .hasMessage("config key 'quorum' must be at least 1, was 0 (line 3, column 9)");
        assertThatThrownBy(() -> FusionConfig.parse(base + "deadlineMs: 0\n"))
                .hasMessageStartingWith("config key 'deadlineMs' must be positive (milliseconds), was 0");
        assertThatThrownBy(() -> FusionConfig.parse(base + "spendCapUsd: -0.01\n"))
                .hasMessageStartingWith("config key 'spendCapUsd' cannot be negative, was -0.01");
        assertThatThrownBy(() -> FusionConfig.parse(base + "providerLimits: {a: {tokensPerMinute: -1}}\n"))
                .isInstanceOfSatisfying(ConfigKeyException.class,
                        e -> assertThat(e.key()).isEqualTo("providerLimits.a.tokensPerMinute"));
    }

    @Test
    void aTreeReadsAsTheSameTextAndItsProblemsNameTheKeyWithoutALine() throws Exception {
        String text = "panel: [a:x, {model: a:y, reasoning: high}]\njudge: [a:j, a:k]\nbudgetUsd: \"0.05\"\nretries: 1\n";
        ObjectNode tree = (ObjectNode) YAML.readTree(text);
        assertThat(FusionConfig.fromTree(tree).spec()).isEqualTo(FusionConfig.parse(text).spec());

        tree.put("retries", -1);
        assertThatThrownBy(() -> FusionConfig.fromTree(tree)).isInstanceOfSatisfying(ConfigKeyException.class, e -> {
            assertThat(e.key()).isEqualTo("retries");
            assertThat(e.line()).isZero();
            assertThat(e).hasMessage("config key 'retries' must be zero or positive, was -1");
        });
        tree.put("retries", 1).put("qourum", 2);
        assertThatThrownBy(() -> FusionConfig.fromTree(tree)).isInstanceOfSatisfying(ConfigKeyException.class, e -> {
            assertThat(e.key()).isEqualTo("qourum");
            assertThat(e.getMessage()).startsWith("unknown config key 'qourum'; valid keys: [providers, panel");
        });
        assertThatThrownBy(() -> FusionConfig.fromTree(YAML.readTree("[1]"))).hasMessageContaining("must be a mapping");
        assertThatThrownBy(() -> FusionConfig.fromTree(YAML.createObjectNode())).isInstanceOfSatisfying(ConfigKeyException.class,
                e -> assertThat(e.key()).isEqualTo("panel"));
    }
}
