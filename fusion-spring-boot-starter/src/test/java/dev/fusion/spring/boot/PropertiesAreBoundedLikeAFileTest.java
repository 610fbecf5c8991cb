package dev.fusion.spring.boot;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code fusion.*} properties are held to the configuration file's reading limits (a string or key at most
 * 64 KiB, nesting at most 16 levels, 1 Mi characters in all), with the file's wording and the property named:
 * a huge or deep value from an environment variable or a config server fails start-up at once instead of
 * being bound. Real Spring environments and application contexts.
 */
class PropertiesAreBoundedLikeAFileTest {

    private static final String[] REQUIRED = {"fusion.providers.sbx.kind=openai",
            "fusion.providers.sbx.base-url=http://127.0.0.1:9/v1", "fusion.panel=sbx:a", "fusion.judge=sbx:j"};

    private static Map<String, Object> props(Map<String, Object> extra) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : REQUIRED) {
            out.put(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
        }
        out.putAll(extra);
        return out;
    }

    private static InvalidConfigurationException failure(Map<String, Object> extra) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", props(extra)));
        PropertyTree tree = PropertyTree.read(env);
        return org.junit.jupiter.api.Assertions.assertThrows(InvalidConfigurationException.class, () -> tree.config(true));
    }

    @Test
    void aHugeStringNamesThePropertyAndTheLimitAsTheFileReaderDoes(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String huge = "http://127.0.0.1:9/" + "a".repeat(70_000);
        InvalidConfigurationException e = failure(Map.of("fusion.providers.sbx.base-url", huge));
        assertThat(e).hasMessage("property 'fusion.providers.sbx.base-url' exceeds a reading limit: a string of 70019"
                + " characters (the limit is 65536)");
        // the file reader's wording for the same value
        Path file = dir.resolve("f.yaml");
        Files.writeString(file, "providers: {sbx: {kind: openai, baseUrl: \"" + huge + "\"}}\npanel: [sbx:a]\njudge: sbx:j\n");
        assertThatThrownBy(() -> FusionConfig.load(file))
                .hasMessageContaining("the config exceeds a reading limit: a string of 70019 characters (the limit is 65536)");
        // a string at the limit is read (the limit is not off by one)
        String atLimit = "x".repeat(65_536);
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", props(Map.of("fusion.providers.sbx.extra-body.note", atLimit))));
        assertThat(PropertyTree.read(env).config(true).spec().providers().get("sbx").extraBody().get("note")).isEqualTo(atLimit);
    }

    @Test
    void aHugeKeyIsRefused() {
        String key = "k".repeat(70_000);
        InvalidConfigurationException e = failure(Map.of("fusion.providers.sbx.extra-body." + key, "1"));
        assertThat(e.getMessage()).contains("exceeds a reading limit: a key of 70000 characters (the limit is 65536)")
                .hasSizeLessThan(1_000);
    }

    @Test
    void nestingDeeperThanTheFileAllowsIsRefused() {
        StringBuilder name = new StringBuilder("fusion.strategy-options");
        for (int i = 0; i < 20; i++) {
            name.append(".l").append(i);
        }
        InvalidConfigurationException e = failure(Map.of(name.toString(), "x"));
        assertThat(e.getMessage()).startsWith("property 'fusion.strategy-options.l0.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.l13")
                .contains("exceeds a reading limit: nesting of 17 levels (the limit is 16)");
        // sixteen levels are fine: the top, providers, sbx, extraBody and 12 more maps
        StringBuilder ok = new StringBuilder("fusion.providers.sbx.extra-body");
        for (int i = 0; i < 13; i++) {
            ok.append(".l").append(i);
        }
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", props(Map.of(ok.toString(), "x"))));
        assertThat(PropertyTree.read(env).config(true).spec().providers().get("sbx").extraBody()).containsKey("l0");
    }

    @Test
    void moreThanAMebiCharacterInAllIsRefusedAsAFileOfThatSizeIs() {
        Map<String, Object> extra = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            extra.put("fusion.providers.sbx.extra-body.f" + i, "v".repeat(60_000));
        }
        InvalidConfigurationException e = failure(extra);
        assertThat(e.getMessage()).startsWith("fusion.* properties: the config is ").endsWith("characters; the limit is 1048576");
    }

    @Test
    void startUpFailsWithTheLimitBeforeAnyFusionIsBuilt() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class))
                .withPropertyValues("fusion.sandbox.enabled=true", "fusion.panel=sandbox-openai:sandbox-swift",
                        "fusion.judge=sandbox-openai:sandbox-judge", "fusion.strategy-options.note=" + "n".repeat(100_000))
                .run(context -> {
                    assertThat(context).hasFailed();
                    StringBuilder messages = new StringBuilder();
                    for (Throwable c = context.getStartupFailure(); c != null; c = c.getCause()) {
                        messages.append(c.getMessage()).append('\n');
                    }
                    assertThat(messages.toString()).contains("property 'fusion.strategy-options.note' exceeds a reading limit:"
                            + " a string of 100000 characters (the limit is 65536)");
                });
    }
}
