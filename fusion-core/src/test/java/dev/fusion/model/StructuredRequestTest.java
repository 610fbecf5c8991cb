package dev.fusion.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.FusionRequest;
import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The issue-14 request values: schema, images, reasoning, extra body, and their build-time checks. */
class StructuredRequestTest {

    record LineItem(String sku, int quantity) {
    }

    record Invoice(String number, double total, List<LineItem> items) {
    }

    static final byte[] PNG_1x1 = java.util.Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC");

    @Test
    void aSchemaFromARecordIsDraft2020WithEveryPropertyRequiredAndStrictCompatible() {
        FusionRequest r = FusionRequest.builder().prompt("Extract the invoice").schema(Invoice.class).build();
        ResponseFormat f = r.responseFormat();
        assertThat(f.type()).isEqualTo(ResponseFormat.Type.JSON_SCHEMA);
        assertThat(f.name()).isEqualTo("Invoice");
        JsonNode s = f.schema();
        assertThat(s.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(s.path("properties").has("number")).isTrue();
        assertThat(s.path("properties").path("total").path("type").asText()).isEqualTo("number");
        assertThat(s.path("properties").path("items").path("items").path("properties").has("sku")).isTrue();
        assertThat(s.path("required")).extracting(JsonNode::asText).containsExactlyInAnyOrder("number", "total", "items");
        assertThat(s.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(f.strictCompatible()).isTrue();
    }

    @Test
    void aSchemaWithAnOptionalPropertyIsNotStrictCompatible() {
        ResponseFormat f = ResponseFormat.parse(null, """
                {"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},
                 "required":["a"],"additionalProperties":false}""");
        assertThat(f.strictCompatible()).isFalse();
        ResponseFormat open = ResponseFormat.parse(null, """
                {"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""");
        assertThat(open.strictCompatible()).isFalse();
        assertThat(f.name()).isEqualTo("answer");
    }

    @Test
    void badSchemaTextFailsAtBuildTimeNamingThePosition() {
        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").schema("{\"type\": \"object\",,}"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not valid JSON")
                .hasMessageContaining("line 1");
        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").schema("[1,2]"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").schema(String.class))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("record or POJO");
    }

    @Test
    void theSchemaIsACopyTheCallerCannotChange() {
        ResponseFormat f = ResponseFormat.parse("n", "{\"type\":\"object\"}");
        ((com.fasterxml.jackson.databind.node.ObjectNode) f.schema()).put("type", "array");
        assertThat(f.schema().path("type").asText()).isEqualTo("object");
    }

    @Test
    void imagesAttachToThePromptAndAreValidated() {
        FusionRequest r = FusionRequest.builder().prompt("What is in the picture?").image(PNG_1x1, "image/PNG")
                .imageUrl("https://example.com/a.jpg").build();
        ChatMessage last = r.messages().get(0);
        assertThat(last.content()).isEqualTo("What is in the picture?");
        assertThat(last.parts()).hasSize(3);
        assertThat(((ContentPart.Image) last.parts().get(1)).mediaType()).isEqualTo("image/png");
        assertThat(((ContentPart.Image) last.parts().get(1)).dimensions()).containsExactly(1, 1);
        assertThat(r.prompt()).isEqualTo("What is in the picture?");

        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").image(PNG_1x1, "image/tiff"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("image/tiff")
                .hasMessageContaining("image/png, image/jpeg, image/gif, image/webp");
        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").image(new byte[ContentPart.MAX_IMAGE_BYTES + 1], "image/png"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("5 MiB");
        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").imageUrl("file:///etc/passwd"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> new ChatMessage(MessageRole.ASSISTANT, List.of(ContentPart.image(PNG_1x1, "image/png"))))
                .isInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void imageBytesAreCopiedInAndOut() {
        byte[] b = PNG_1x1.clone();
        ContentPart.Image img = ContentPart.image(b, "image/png");
        b[0] = 0;
        img.bytes()[1] = 0;
        assertThat(img.bytes()).isEqualTo(PNG_1x1);
    }

    @Test
    void reasoningIsAnEffortOrAPositiveBudget() {
        assertThat(FusionRequest.builder().prompt("x").reasoning(Effort.HIGH).build().reasoning())
                .isEqualTo(Reasoning.of(Effort.HIGH));
        assertThat(FusionRequest.builder().prompt("x").reasoningTokens(2048).build().reasoning().budgetTokens())
                .isEqualTo(2048);
        assertThatThrownBy(() -> FusionRequest.builder().prompt("x").reasoningTokens(-1))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> new Reasoning(Effort.LOW, 100)).isInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void extraBodyIsDeeplyImmutableAndJsonOnly() {
        Map<String, Object> nested = new java.util.HashMap<>(Map.of("order", List.of("a", "b")));
        ModelRequest r = ModelRequest.builder().user("x").extraBody(Map.of("provider", nested, "top_k", 40)).build();
        nested.put("order", List.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> provider = (Map<String, Object>) r.extraBody().get("provider");
        assertThat(provider.get("order")).isEqualTo(List.of("a", "b"));
        assertThatThrownBy(() -> provider.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ModelRequest.builder().user("x").extraBody(Map.of("when", new Object())).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("'when'");
    }

    @Test
    void aMemberCarriesItsOwnReasoningAndAnImmutableExtraBody() {
        ChatModel model = new ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("p:m");
            }

            @Override
            public reactor.core.publisher.Mono<ModelResponse> call(ModelRequest request) {
                return reactor.core.publisher.Mono.error(new AssertionError("not called"));
            }
        };
        java.util.Map<String, Object> extra = new java.util.HashMap<>(Map.of("top_k", 40));
        dev.fusion.Member m = dev.fusion.Member.of(model).withReasoning(Effort.MEDIUM).withExtraBody(extra)
                .withTemperature(0.3);
        extra.put("top_k", 1);
        assertThat(m.reasoning()).isEqualTo(Reasoning.of(Effort.MEDIUM));
        assertThat(m.extraBody()).containsEntry("top_k", 40);
        assertThat(new dev.fusion.Member("x", model, null, null, null, null).extraBody()).isEmpty();
        assertThatThrownBy(() -> dev.fusion.Member.of(model).withExtraBody(Map.of("bad", new StringBuilder())))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("'bad'");
    }

    @Test
    void theOldConstructorsStillWork() {
        ChatMessage m = new ChatMessage(MessageRole.USER, "hi");
        assertThat(m.content()).isEqualTo("hi");
        assertThat(m).isEqualTo(ChatMessage.user("hi"));
        ModelRequest r = new ModelRequest(null, List.of(m), 10, null, null, false);
        assertThat(r.responseFormat()).isNull();
        assertThat(r.extraBody()).isEmpty();
    }
}
