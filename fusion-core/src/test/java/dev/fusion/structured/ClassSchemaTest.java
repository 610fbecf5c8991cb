package dev.fusion.structured;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ResponseFormat;
import dev.fusion.structured.internal.ClassSchema;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Schemas generated from classes with Jackson's own introspection: what {@code FusionResult.as} binds is what is asked for. */
class ClassSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    enum Priority {
        @JsonProperty("p1") HIGH, @JsonProperty("p2") LOW
    }

    @JsonClassDescription("A support ticket")
    record Ticket(@JsonProperty("customer_name") @JsonPropertyDescription("who wrote in") String customer,
                  Priority priority, long count, double score, BigDecimal amount, boolean urgent,
                  Set<String> tags, int[] codes, byte[] attachment, UUID id, LocalDate opened,
                  Optional<String> note) {
    }

    record Node(String label, List<Node> children) {
    }

    record Tree(Node root, Node other) {
    }

    record Open(Map<String, Integer> counts, Object anything, JsonNode raw) {
    }

    /** A POJO bound through its setters. */
    static final class Pojo {
        private String name;
        private int size;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public int getSize() {
            return size;
        }

        public void setSize(int size) {
            this.size = size;
        }
    }

    static final class Empty {
    }

    @Test
    void theSchemaUsesJacksonsNamesTypesAndDescriptionsAndIsStrict() {
        JsonNode s = ClassSchema.of(Ticket.class);
        assertThat(s.path("$schema").asText()).isEqualTo(ClassSchema.DIALECT);
        assertThat(s.path("description").asText()).isEqualTo("A support ticket");
        JsonNode p = s.path("properties");
        assertThat(p.has("customer")).isFalse();
        assertThat(p.path("customer_name").path("type").asText()).isEqualTo("string");
        assertThat(p.path("customer_name").path("description").asText()).isEqualTo("who wrote in");
        assertThat(p.path("priority").path("enum")).extracting(JsonNode::asText).containsExactly("p1", "p2");
        assertThat(p.path("count").path("type").asText()).isEqualTo("integer");
        assertThat(p.path("score").path("type").asText()).isEqualTo("number");
        assertThat(p.path("amount").path("type").asText()).isEqualTo("number");
        assertThat(p.path("urgent").path("type").asText()).isEqualTo("boolean");
        assertThat(p.path("tags").path("items").path("type").asText()).isEqualTo("string");
        assertThat(p.path("codes").path("items").path("type").asText()).isEqualTo("integer");
        assertThat(p.path("attachment").path("type").asText()).isEqualTo("string");
        assertThat(p.path("id").path("format").asText()).isEqualTo("uuid");
        assertThat(p.path("opened").path("format").asText()).isEqualTo("date");
        assertThat(p.path("note").path("type").asText()).isEqualTo("string");
        assertThat(s.path("required")).hasSize(p.size());
        assertThat(ResponseFormat.jsonSchema("t", s).strictCompatible()).isTrue();
    }

    @Test
    void anInstanceJacksonWritesIsValidAgainstItsSchemaAndBindsBack() throws Exception {
        record Line(String sku, int quantity, Priority priority) {
        }
        record Order(String number, List<Line> lines, BigDecimal total, Node tree) {
        }
        Order o = new Order("A-1", List.of(new Line("x", 2, Priority.LOW), new Line("y", 1, Priority.HIGH)),
                new BigDecimal("3.5"), new Node("root", List.of(new Node("leaf", List.of()))));
        JsonNode written = JSON.valueToTree(o);
        StructuredSchema schema = StructuredSchema.of(ClassSchema.of(Order.class));
        assertThat(schema.validate(written)).isEmpty();
        assertThat(JSON.treeToValue(written, Order.class)).isEqualTo(o);
        // And the schema has teeth: a wrong enum value, a missing or an extra property are refused.
        ((com.fasterxml.jackson.databind.node.ObjectNode) written.get("lines").get(0)).put("priority", "HIGH");
        assertThat(schema.validate(written)).isNotEmpty();
        JsonNode missing = JSON.valueToTree(o);
        ((com.fasterxml.jackson.databind.node.ObjectNode) missing).remove("total");
        assertThat(schema.validate(missing)).isNotEmpty();
        JsonNode extra = JSON.valueToTree(o);
        ((com.fasterxml.jackson.databind.node.ObjectNode) extra).put("surprise", 1);
        assertThat(schema.validate(extra)).isNotEmpty();
    }

    @Test
    void aRecursiveClassIsDefinedOnceAndReferenced() {
        JsonNode root = ClassSchema.of(Node.class);
        assertThat(root.path("properties").path("children").path("items").path("$ref").asText()).isEqualTo("#");
        assertThat(root.has("$defs")).isFalse();

        JsonNode tree = ClassSchema.of(Tree.class);
        JsonNode inline = tree.path("properties").path("root");
        assertThat(inline.path("properties").path("children").path("items").path("$ref").asText()).isEqualTo("#/$defs/Node");
        assertThat(tree.path("$defs").path("Node").path("properties").path("children").path("items").path("$ref").asText())
                .isEqualTo("#/$defs/Node");
        StructuredSchema s = StructuredSchema.of(tree);
        JsonNode instance = JSON.valueToTree(new Tree(new Node("a", List.of(new Node("b", List.of()))), new Node("c", List.of())));
        assertThat(s.validate(instance)).isEmpty();
        assertThat(s.validate(JSON.valueToTree(Map.of("root", Map.of("label", "a", "children", List.of(Map.of("label", 1))),
                "other", Map.of("label", "c", "children", List.of()))))).isNotEmpty();
    }

    @Test
    void mapsAndFreeValuesAreOpenSoNotStrict() {
        JsonNode s = ClassSchema.of(Open.class);
        assertThat(s.path("properties").path("counts").path("additionalProperties").path("type").asText()).isEqualTo("integer");
        assertThat(s.path("properties").path("anything").isEmpty()).isTrue();
        assertThat(s.path("properties").path("raw").isEmpty()).isTrue();
        assertThat(ResponseFormat.jsonSchema("o", s).strictCompatible()).isFalse();
    }

    @Test
    void aPojoIsReadThroughItsSetters() {
        JsonNode s = ClassSchema.of(Pojo.class);
        assertThat(s.path("properties").path("name").path("type").asText()).isEqualTo("string");
        assertThat(s.path("properties").path("size").path("type").asText()).isEqualTo("integer");
    }

    @Test
    void whatIsNotARecordOrPojoIsAClearError() {
        for (Class<?> c : List.of(String.class, int.class, Priority.class, Runnable.class, int[].class)) {
            assertThatThrownBy(() -> ClassSchema.of(c)).as(c.getName()).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("record or POJO");
        }
        assertThatThrownBy(() -> ClassSchema.of(Empty.class)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("has no property Jackson can bind");
    }
}
