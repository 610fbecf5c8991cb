package dev.fusion.internal;

import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one place strategies are registered: every {@link StrategyKind} has exactly one definition (its flow
 * file's), which names that kind and whose value type is what that kind's options parse into; a registration that
 * is missing or names another kind fails loudly when the registry is loaded.
 */
class StrategyRegistryTest {

    @Test
    void everyKindHasADefinitionOfItsOwn() {
        Set<StrategyDefinition<?>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (StrategyKind kind : StrategyKind.values()) {
            StrategyDefinition<?> d = StrategyRegistry.of(kind);
            assertThat(d).as("definition of %s", kind).isNotNull();
            assertThat(d.kind()).isEqualTo(kind);
            assertThat(seen.add(d)).as("%s's definition serves no other kind", kind).isTrue();
        }
        assertThat(seen).hasSize(StrategyKind.values().length);
    }

    @Test
    void everyKindParsesWithItsDefaultsIntoItsDefinitionsValueType() {
        for (StrategyKind kind : StrategyKind.values()) {
            Strategy s = Strategy.parse(kind.wireName(), Map.of());
            assertThat(s).isInstanceOf(StrategyRegistry.of(kind).type());
            assertThat(s.kind()).isEqualTo(kind);
        }
    }

    @Test
    void aKindRegisteredWithAnotherKindsDefinitionFailsLoudly() {
        assertThatThrownBy(() -> StrategyRegistry.checked(k -> k == StrategyKind.VOTE ? SynthesizeFlow.DEFINITION
                : StrategyRegistry.of(k)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("strategy VOTE is registered with the definition of SYNTHESIZE");
    }

    @Test
    void aKindWithoutADefinitionFailsLoudly() {
        assertThatThrownBy(() -> StrategyRegistry.checked(k -> k == StrategyKind.CASCADE ? null : StrategyRegistry.of(k)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("strategy CASCADE has no definition in StrategyRegistry");
    }

    @Test
    void theCheckedRegistrationIsTheRegistry() {
        Map<StrategyKind, StrategyDefinition<?>> all = StrategyRegistry.checked(StrategyRegistry::of);
        assertThat(all.keySet()).containsExactly(StrategyKind.values());
        assertThat(Arrays.stream(StrategyKind.values()).allMatch(k -> all.get(k) == StrategyRegistry.of(k))).isTrue();
    }
}
