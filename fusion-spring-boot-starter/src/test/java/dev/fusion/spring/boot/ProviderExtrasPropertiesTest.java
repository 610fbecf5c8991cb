package dev.fusion.spring.boot;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.providers.Capabilities;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fusion.providers.<name>.extra-body} and {@code .capabilities}: the config file's
 * {@code extraBody} and {@code capabilities} under a provider, bound by Spring (relaxed names) and
 * checked by the same rules, with the property names in the messages.
 */
class ProviderExtrasPropertiesTest {

    private static ApplicationContextRunner runner(Map<String, Object> typed, String... properties) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues("fusion.providers.router.kind=openai",
                        "fusion.providers.router.base-url=http://127.0.0.1:9/v1",
                        "fusion.panel=router:a/b,router:c/d", "fusion.judge=router:j/k")
                .withPropertyValues(properties)
                .withInitializer(typed(typed));
    }

    /** Typed values, as Spring's YAML loader gives them (a .properties file gives strings). */
    private static ApplicationContextInitializer<ConfigurableApplicationContext> typed(Map<String, Object> values) {
        return context -> context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("yaml-like", values));
    }

    @Test
    void extraBodyAndCapabilitiesBindAndReachTheProvider() {
        Map<String, Object> yaml = new LinkedHashMap<>();
        yaml.put("fusion.providers.router.extra-body.provider.data_collection", "deny");
        yaml.put("fusion.providers.router.extra-body[top_k]", 40);
        yaml.put("fusion.providers.router.extra-body.provider.allow_fallbacks", false);
        runner(yaml, "fusion.providers.router.capabilities.structured-output=json-object",
                "fusion.providers.router.capabilities.reasoning=openrouter").run(context -> {
            assertThat(context).hasNotFailed();
            FusionProperties p = context.getBean(FusionProperties.class);
            FusionConfig config = PropertyTree.read(context.getEnvironment()).config(true);
            ProviderSpec router = config.providers().get("router");
            assertThat(router.extraBody()).containsEntry("top_k", 40);
            assertThat(router.extraBody().get("provider")).isInstanceOf(Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> provider = (Map<String, Object>) router.extraBody().get("provider");
            assertThat(provider).containsEntry("allow_fallbacks", false);
            assertThat(provider.keySet()).anyMatch(k -> k.replace("_", "").equals("datacollection"));
            assertThat(router.capabilities()).isEqualTo(new Capabilities(Capabilities.StructuredOutput.JSON_OBJECT,
                    Capabilities.ImageInput.SUPPORTED, Capabilities.ReasoningControl.OPENROUTER));
            assertThat(p.providers().get("router").toString()).contains("extraBody=[").doesNotContain("deny");
        });
    }

    @Test
    void aBadCapabilityIsAStartupErrorNamingTheProperty() {
        runner(Map.of(), "fusion.providers.router.capabilities.images=maybe").run(context -> {
            assertThat(context).hasFailed();
            assertThat(message(context.getStartupFailure()))
                    .contains("property 'fusion.providers.router.capabilities.images'")
                    .contains("must be one of supported, unsupported");
        });
    }

    @Test
    void anExtraBodyFieldCollidingWithOneFusionSetsIsAStartupErrorNamingTheProperty() {
        runner(Map.of(), "fusion.providers.router.extra-body.model=other").run(context -> {
            assertThat(context).hasFailed();
            assertThat(message(context.getStartupFailure()))
                    .contains("property 'fusion.providers.router.extra-body'")
                    .contains("'model'").contains("collides");
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
