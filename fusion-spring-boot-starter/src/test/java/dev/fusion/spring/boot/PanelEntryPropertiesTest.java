package dev.fusion.spring.boot;

import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.model.Effort;
import dev.fusion.model.Reasoning;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fusion.panel[i]} as a plain {@code provider:model} or as an entry with the member's own
 * settings ({@code fusion.panel[1].model}, {@code .reasoning}, {@code .extra-body}): the config
 * file's panel entry object, in Spring's relaxed form, with the same checks and the property names in messages.
 */
class PanelEntryPropertiesTest {

    private static ApplicationContextRunner runner(String... properties) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues("fusion.providers.router.kind=openai",
                        "fusion.providers.router.base-url=http://127.0.0.1:9/v1", "fusion.judge=router:j/k")
                .withPropertyValues(properties);
    }

    @Test
    void entriesMixThePlainAndTheObjectForm() {
        // One source holds the whole list (Spring takes a list from one property source); typed values as from YAML.
        runner().withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(
                        "yaml-like", Map.of("fusion.panel[0]", "router:a/b", "fusion.panel[1].model", "router:c/d",
                                "fusion.panel[1].reasoning", "high", "fusion.panel[1].extra-body[top_k]", 40,
                                "fusion.panel[2].model", "router:e/f", "fusion.panel[2].reasoning", 2048))))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FusionProperties p = context.getBean(FusionProperties.class);
                    assertThat(p.panelModels()).containsExactly("router:a/b", "router:c/d", "router:e/f");
                    Fusion fusion = context.getBean(Fusion.class);
                    assertThat(fusion.panel()).extracting(Member::id).containsExactly("router:a/b", "router:c/d", "router:e/f");
                    assertThat(fusion.panel().get(0).reasoning()).isNull();
                    assertThat(fusion.panel().get(1).reasoning()).isEqualTo(Reasoning.of(Effort.HIGH));
                    assertThat(fusion.panel().get(1).extraBody()).containsEntry("top_k", 40);
                    assertThat(fusion.panel().get(2).reasoning()).isEqualTo(Reasoning.tokens(2048));
                });
    }

    @Test
    void theCommaFormStillBinds() {
        runner("fusion.panel=router:a/b,router:c/d").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Fusion.class).panel()).extracting(Member::id).containsExactly("router:a/b", "router:c/d");
            assertThat(context.getBean(FusionProperties.class).panel()).allMatch(e -> !e.hasSettings());
        });
    }

    @Test
    void aBadEntryIsAStartupErrorNamingTheProperty() {
        runner("fusion.panel[0]=router:a/b", "fusion.panel[1].model=router:c/d", "fusion.panel[1].reasoning=extreme")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(message(context.getStartupFailure())).contains("property 'fusion.panel[1].reasoning'")
                            .contains("must be low, medium or high, or a thinking budget in tokens");
                });
        runner("fusion.panel[0]=router:a/b", "fusion.panel[1].reasoning=high").run(context -> {
            assertThat(context).hasFailed();
            assertThat(message(context.getStartupFailure())).contains("property 'fusion.panel[1].model'").contains("is missing");
        });
        runner("fusion.panel[0].model=router:a/b", "fusion.panel[0].extra-body.model=other").run(context -> {
            assertThat(context).hasFailed();
            assertThat(message(context.getStartupFailure())).contains("property 'fusion.panel[0].extra-body'").contains("collides");
        });
    }

    private static String message(Throwable failure) {
        Throwable t = failure;
        while (t != null && !(t instanceof InvalidConfigurationException)) {
            t = t.getCause();
        }
        assertThat(t).as("an InvalidConfigurationException in %s", failure).isNotNull();
        return t.getMessage();
    }
}
