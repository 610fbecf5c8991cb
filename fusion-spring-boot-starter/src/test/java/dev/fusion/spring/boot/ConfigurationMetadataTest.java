package dev.fusion.spring.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.providers.config.FusionSpec;
import dev.fusion.spring.boot.internal.PropertyTree;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IDE metadata the starter ships ({@code META-INF/spring-configuration-metadata.json}) is what
 * {@link FusionSpec} yields: one entry per key (named and typed by the spec's components, described by its
 * {@code @param} documentation), with the value hints of {@code src/test/resources/metadata-hints.json}.
 * A key added to the spec makes this test fail until the file is regenerated:
 * {@code mvn -pl fusion-spring-boot-starter -am test -Dtest=ConfigurationMetadataTest -Dfusion.metadata.write=true}.
 */
class ConfigurationMetadataTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Path SHIPPED = Path.of("src/main/resources/META-INF/spring-configuration-metadata.json");
    private static final Path SPEC_SOURCE = Path.of("../fusion-providers/src/main/java/dev/fusion/providers/config/FusionSpec.java");
    private static final Path HINTS = Path.of("src/test/resources/metadata-hints.json");

    @Test
    void theShippedMetadataIsWhatTheSpecYields() throws Exception {
        ObjectNode expected = generate();
        if (Boolean.getBoolean("fusion.metadata.write")) {
            Files.writeString(SHIPPED, JSON.writeValueAsString(expected) + "\n", StandardCharsets.UTF_8);
        }
        assertThat(Files.exists(SHIPPED)).as("%s (regenerate with -Dfusion.metadata.write=true)", SHIPPED).isTrue();
        JsonNode shipped = JSON.readTree(SHIPPED.toFile());
        assertThat(shipped).as("%s is stale: regenerate it with -Dfusion.metadata.write=true", SHIPPED).isEqualTo(expected);
    }

    @Test
    void everySpecKeyHasADescribedEntry() throws Exception {
        ObjectNode metadata = generate();
        for (String key : FusionSpec.KEYS) {
            JsonNode entry = null;
            for (JsonNode p : metadata.get("properties")) {
                if (p.get("name").asText().equals(PropertyTree.metadata().stream()
                        .filter(e -> e.key().equals(key)).filter(e -> !e.group()).findFirst().orElseThrow().name())) {
                    entry = p;
                }
            }
            assertThat(entry).as("a property for %s", key).isNotNull();
            assertThat(entry.path("description").asText()).as("the description of %s", key).isNotBlank();
        }
    }

    /** The metadata from the spec's shape, its documentation and the hand-written value hints. */
    static ObjectNode generate() throws Exception {
        Map<String, String> docs = paramDocs(Files.readString(SPEC_SOURCE));
        JsonNode hints = JSON.readTree(HINTS.toFile());
        Map<String, JsonNode> overrides = new LinkedHashMap<>();
        hints.path("properties").forEach(p -> overrides.put(p.get("name").asText(), p));

        ObjectNode root = JSON.createObjectNode();
        ArrayNode groups = root.putArray("groups");
        groups.addObject().put("name", "fusion").put("type", FusionSpec.class.getName())
                .put("description", "Fusion's configuration: the keys of its configuration file, in relaxed form.");
        ArrayNode properties = root.putArray("properties");
        properties.addObject().put("name", "fusion.enabled").put("type", Boolean.class.getName())
                .put("description", "Whether to create the Fusion bean from the fusion.* properties.")
                .put("defaultValue", true);
        for (PropertyTree.MetadataEntry e : PropertyTree.metadata()) {
            ObjectNode n = (e.group() ? groups : properties).addObject();
            n.put("name", e.name()).put("type", e.type());
            String description = docs.get(e.key());
            if (description != null) {
                n.put("description", description);
            }
            JsonNode own = overrides.get(e.name());
            if (own != null) {
                own.fields().forEachRemaining(f -> n.set(f.getKey(), f.getValue()));
            }
        }
        root.set("hints", hints.path("hints"));
        return root;
    }

    /** The {@code @param} text of the record's own documentation, as plain sentences. */
    static Map<String, String> paramDocs(String source) {
        int end = source.indexOf("public record FusionSpec(");
        String doc = source.substring(source.lastIndexOf("/**", end), end);
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("@param\\s+(\\w+)\\s+(.*?)(?=@param|\\*/)", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            String text = m.group(2).replaceAll("\\n\\s*\\*", " ").replaceAll("\\{@(?:code|link)\\s+(?:[\\w.]*#)?([^}]*)}", "$1")
                    .replaceAll("<[^>]+>", "").replaceAll("\\s+", " ").trim();
            out.put(m.group(1), Character.toUpperCase(text.charAt(0)) + text.substring(1) + (text.endsWith(".") ? "" : "."));
        }
        return out;
    }
}
