package dev.fusion.spring.boot;

import dev.fusion.providers.config.FusionConfig;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's application.properties binds and validates as written (escaped ':' in price keys included). */
class ReadmePropertiesTest {

    @Test
    void theReadmesPropertiesBindAndValidate() throws Exception {
        List<PropertySource<?>> sources = new PropertiesPropertySourceLoader()
                .load("readme", new ClassPathResource("readme-application.properties"));
        FusionConfig config = PropertyTree.read(ConfigurationPropertySources.from(sources), null).config(true);

        assertThat(config.panel()).containsExactly("openrouter:deepseek/deepseek-v4-pro", "gemini:gemini-3.5-flash", "local:qwen3");
        assertThat(config.budgetUsd()).isEqualByComparingTo("0.05");
        assertThat(config.prices().get("local:qwen3").base().output()).isEqualByComparingTo(new BigDecimal("0.40"));
        assertThat(config.providers().get("local").apiKeyEnv()).isEqualTo("LOCAL_LLM_KEY");
        assertThat(config.spendCapWindow()).hasHours(24);
    }
}
