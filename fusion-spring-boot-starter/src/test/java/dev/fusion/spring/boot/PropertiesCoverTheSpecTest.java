package dev.fusion.spring.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.providers.config.FusionSpec;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key added to the configuration file's spec is a {@code fusion.*} property too, and the IDE metadata the
 * build generates lists it: every {@link FusionSpec} key is a component of {@link FusionProperties} and
 * appears in {@code META-INF/spring-configuration-metadata.json} (as a property or a group).
 */
class PropertiesCoverTheSpecTest {

    private static String kebab(String key) {
        return key.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void everySpecKeyIsAPropertyWithMetadata() throws Exception {
        Set<String> components = new TreeSet<>();
        Arrays.stream(FusionProperties.class.getRecordComponents()).forEach(c -> components.add(c.getName()));
        assertThat(components).containsAll(FusionSpec.KEYS);

        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the configuration processor's metadata").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        List<String> names = new ArrayList<>();
        metadata.get("properties").forEach(p -> names.add(p.get("name").asText()));
        metadata.get("groups").forEach(g -> names.add(g.get("name").asText()));
        for (String key : FusionSpec.KEYS) {
            String property = "fusion." + kebab(key);
            assertThat(names).as("metadata for %s", property)
                    .anyMatch(n -> n.equals(property) || n.startsWith(property + "."));
        }
    }
}
