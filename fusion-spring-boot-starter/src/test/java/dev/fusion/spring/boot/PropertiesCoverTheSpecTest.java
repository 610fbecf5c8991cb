package dev.fusion.spring.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.providers.config.FusionSpec;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key added to the configuration file's spec is a {@code fusion.*} property too, and the IDE metadata the
 * starter ships lists it: every {@link FusionSpec} key is read from the properties (the shape the starter reads
 * them by comes from the spec itself), appears in {@code META-INF/spring-configuration-metadata.json} (as a
 * property or a group) and in the configuration reference, {@code docs/configuration.md}.
 */
class PropertiesCoverTheSpecTest {

    private static String kebab(String key) {
        return key.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void everySpecKeyIsAPropertyWithMetadata() throws Exception {
        Set<String> read = new TreeSet<>();
        PropertyTree.metadata().forEach(e -> read.add(e.key()));
        assertThat(read).containsAll(FusionSpec.KEYS);
        String reference = Files.readString(Path.of("../docs/configuration.md"));
        for (String key : FusionSpec.KEYS) {
            assertThat(reference).as("docs/configuration.md documents %s", key).contains("| `" + key + "` |");
        }

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
