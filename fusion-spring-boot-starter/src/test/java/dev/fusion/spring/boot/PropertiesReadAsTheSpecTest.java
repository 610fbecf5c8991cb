package dev.fusion.spring.boot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.providers.config.FusionSpec;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code fusion.*} properties are read as the configuration file's keys by the file's own reader: every
 * relaxed form of a name binds, lists in both forms bind, a bad value or an unknown name fails naming the
 * property, and YAML, JSON, Spring YAML and {@code .properties} give the same {@link FusionSpec} for every key.
 * Real Spring environments and property source loaders; nothing is stubbed.
 */
class PropertiesReadAsTheSpecTest {

    private static final String[] BASE = {"fusion.providers.sbx.kind=openai", "fusion.providers.sbx.base-url=http://127.0.0.1:9/v1"};

    /** An environment with these properties (highest first) and these variables in its system environment source. */
    private static StandardEnvironment environment(Map<String, Object> variables, Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return env;
    }

    private static Map<String, Object> props(String... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : pairs) {
            out.put(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
        }
        return out;
    }

    private static Map<String, Object> withBase(String... pairs) {
        Map<String, Object> out = props(BASE);
        out.putAll(props(pairs));
        return out;
    }

    private static FusionSpec spec(Map<String, Object> variables, Map<String, Object> properties) {
        return PropertyTree.read(environment(variables, properties)).config(true).spec();
    }

    @Test
    void aKeyBindsInKebabCaseCamelCaseAndAsAnEnvironmentVariable() {
        String[] required = {"fusion.panel=sbx:a", "fusion.judge=sbx:j"};
        assertThat(spec(Map.of(), withBase(required[0], required[1], "fusion.budget-usd=0.25")).budgetUsd()).isEqualByComparingTo("0.25");
        assertThat(spec(Map.of(), withBase(required[0], required[1], "fusion.budgetUsd=0.25")).budgetUsd()).isEqualByComparingTo("0.25");
        assertThat(spec(Map.of("FUSION_BUDGETUSD", "0.25"), withBase(required)).budgetUsd()).isEqualByComparingTo("0.25");
        assertThat(spec(Map.of("FUSION_BUDGET_USD", "0.25"), withBase(required)).budgetUsd()).isEqualByComparingTo("0.25");
        // nested under a map, from a variable: the provider's name is kept, the record's keys are matched
        FusionSpec nested = spec(Map.of("FUSION_PROVIDERLIMITS_SBX_MAX_CONCURRENT", "4", "FUSION_LOCAL_PROBE", "1"),
                withBase(required));
        assertThat(nested.providerLimits().get("sbx").maxConcurrent()).isEqualTo(4);
        // a property outranks a variable, as everywhere in Spring
        assertThat(spec(Map.of("FUSION_QUORUM", "1"), withBase("fusion.panel=sbx:a,sbx:b", "fusion.judge=sbx:j",
                "fusion.quorum=2")).quorum()).isEqualTo(2);
    }

    @Test
    void aListBindsAsOneCommaSeparatedValueOrByIndexFromPropertiesAndVariables() {
        FusionSpec comma = spec(Map.of(), withBase("fusion.panel=sbx:a, sbx:b", "fusion.judge=sbx:j,sbx:k"));
        FusionSpec indexed = spec(Map.of(), withBase("fusion.panel[0]=sbx:a", "fusion.panel[1]=sbx:b",
                "fusion.judge[1]=sbx:k", "fusion.judge[0]=sbx:j"));
        FusionSpec variables = spec(Map.of("FUSION_PANEL", "sbx:a,sbx:b", "FUSION_JUDGE_0_", "sbx:j", "FUSION_JUDGE_1_", "sbx:k"),
                withBase());
        for (FusionSpec s : List.of(comma, indexed, variables)) {
            assertThat(s.panel()).containsExactly("sbx:a", "sbx:b");
            assertThat(s.judge()).containsExactly("sbx:j", "sbx:k");
        }
        // a list comes whole from the highest source that has it
        StandardEnvironment env = environment(Map.of(), withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j"));
        env.getPropertySources().addLast(new MapPropertySource("lower", props("fusion.panel[1]=sbx:z")));
        assertThat(PropertyTree.read(env).config(true).spec().panel()).containsExactly("sbx:a");
    }

    @Test
    void aBadValueNamesThePropertyWithTheSpecsOwnRule() {
        assertThatThrownBy(() -> spec(Map.of(), withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j", "fusion.quorum=two")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("property 'fusion.quorum' must be a whole number, was the string 'two'");
        assertThatThrownBy(() -> spec(Map.of(), withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j", "fusion.graceMs=-5")))
                .hasMessage("property 'fusion.grace-ms' must be zero or positive (milliseconds), was -5");
        assertThatThrownBy(() -> spec(Map.of(), withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j",
                "fusion.provider-limits.sbx.max-concurrent=-1")))
                .hasMessageStartingWith("property 'fusion.provider-limits.sbx.max-concurrent' must be zero or positive");
        assertThatThrownBy(() -> spec(Map.of(), withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j",
                "fusion.prices[sbx:a].input=0.1", "fusion.prices[sbx:a].output=lots")))
                .hasMessageStartingWith("property 'fusion.prices.sbx:a.output' must be a number of US dollars, was 'lots'");
        assertThatThrownBy(() -> spec(Map.of(), withBase("fusion.panel[0].reasoning=high", "fusion.judge=sbx:j")))
                .hasMessageStartingWith("property 'fusion.panel[0].model' is missing");
    }

    @Test
    void unknownNamesUnderFusionFailStartUpWithTheirNamesAndVariablesThatAreNoKeyAreIgnored() {
        assertThatThrownBy(() -> PropertyTree.read(environment(Map.of(), withBase("fusion.qourum=2", "fusion.panel=sbx:a",
                "fusion.providers.sbx.base-uri=x", "fusion.panel[0].modle=sbx:b"))))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'fusion.qourum'").hasMessageContaining("'fusion.providers.sbx.base-uri'");
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues("fusion.sandbox.enabled=true", "fusion.panel=sandbox-openai:sandbox-swift",
                        "fusion.judge=sandbox-openai:sandbox-judge", "fusion.qourum=2")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("unknown property 'fusion.qourum'"));
        // the file may hold a literal key (discouraged); a property never does: its value would show in /actuator/env
        assertThatThrownBy(() -> PropertyTree.read(environment(Map.of(), withBase("fusion.providers.sbx.api-key=sk-x1"))))
                .hasMessageContaining("'fusion.providers.sbx.api-key'").hasMessageContaining("api-key-env")
                .hasMessageNotContaining("sk-x1");
        assertThat(spec(Map.of("FUSION_QOURUM", "2", "FUSION_LOCAL_PROBE", "x"), withBase("fusion.panel=sbx:a",
                "fusion.judge=sbx:j")).quorum()).isNull();
    }

    @Test
    void yamlJsonSpringYamlAndPropertiesGiveTheSameSpecForEveryKey() throws Exception {
        String yaml = new String(new ClassPathResource("parity/every-key.yaml").getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        FusionSpec fromYaml = FusionConfig.parse(yaml, FusionConfig.Format.YAML).spec();
        String json = new ObjectMapper().writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(yaml));
        FusionSpec fromJson = FusionConfig.parse(json, FusionConfig.Format.JSON).spec();
        FusionSpec fromSpringYaml = fromSpring(new YamlPropertySourceLoader().load("yml",
                new ClassPathResource("parity/every-key-application.yml")));
        FusionSpec fromProperties = fromSpring(new PropertiesPropertySourceLoader().load("properties",
                new ClassPathResource("parity/every-key-application.properties")));

        assertThat(fromJson).isEqualTo(fromYaml);
        assertThat(fromSpringYaml).isEqualTo(fromYaml);
        assertThat(fromProperties).isEqualTo(fromYaml);
        assertThat(fromYaml.prices().get("sbx:a").output()).isEqualByComparingTo(new BigDecimal("1.1"));
        assertThat(fromProperties.panelEntries().get(1).extraBody()).containsEntry("user", "team-a");
        // every key is set in the fixture, so a key added to the spec is covered here once it is added there
        Set<String> unset = new TreeSet<>();
        for (var c : FusionSpec.class.getRecordComponents()) {
            Object v = c.getAccessor().invoke(fromYaml);
            if (v == null || v instanceof Map<?, ?> m && m.isEmpty()) {
                unset.add(c.getName());
            }
        }
        assertThat(unset).as("keys the parity fixture leaves unset").isSubsetOf(Set.of("strategyOptions", "samples", "rounds"));
        // ... and the strategy keys the cascade does not take, in forms of their own
        assertThat(fromSpring(List.of(new MapPropertySource("p", withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j",
                "fusion.strategy.name=self-moa", "fusion.samples=3", "fusion.strategy-options.samples=3")))))
                .isEqualTo(FusionConfig.parse(BASE_YAML + "panel: sbx:a\njudge: sbx:j\nstrategy: {name: self-moa}\nsamples: 3\n"
                        + "strategyOptions: {samples: 3}\n").spec());
        assertThat(fromSpring(List.of(new MapPropertySource("p", withBase("fusion.panel=sbx:a", "fusion.judge=sbx:j",
                "fusion.strategy=layered", "fusion.rounds=3")))))
                .isEqualTo(FusionConfig.parse(BASE_YAML + "panel: sbx:a\njudge: sbx:j\nstrategy: layered\nrounds: 3\n").spec());
    }

    private static final String BASE_YAML = "providers: {sbx: {kind: openai, baseUrl: \"http://127.0.0.1:9/v1\"}}\n";

    private static FusionSpec fromSpring(List<PropertySource<?>> sources) throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        sources.forEach(s -> env.getPropertySources().addFirst(s));
        return PropertyTree.read(env).config(true).spec();
    }
}
