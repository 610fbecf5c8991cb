package dev.fusion.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.FusionRequest;
import dev.fusion.model.ResponseFormat;
import dev.fusion.structured.StructuredSchema;
import org.junit.jupiter.api.Test;
import org.springframework.ai.converter.BeanOutputConverter;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code FusionRequest.schema(Class)} inside a Spring AI 2 application: Spring AI brings victools
 * {@code jsonschema-generator} 5 (Jackson 3) onto the class path, and Fusion's schema generation must
 * not depend on which victools version (if any) is there. Spring AI's own structured output keeps working beside it.
 */
class SchemaFromClassBesideSpringAiTest {

    enum Status { PAID, OPEN }

    record Line(String sku, int quantity) {
    }

    record Invoice(String number, BigDecimal total, Status status, List<Line> items) {
    }

    @Test
    void springAi2AndItsVictools5AreOnTheClassPath() throws Exception {
        Class<?> generator = Class.forName("com.github.victools.jsonschema.generator.SchemaGenerator");
        // victools 5 returns Jackson 3 trees: the version Fusion's code could not link against.
        assertThat(generator.getMethod("generateSchema", java.lang.reflect.Type.class, java.lang.reflect.Type[].class)
                .getReturnType().getName()).startsWith("tools.jackson.");
    }

    @Test
    void schemaFromARecordWorksBesideSpringAi2() throws Exception {
        FusionRequest request = FusionRequest.builder().prompt("Extract the invoice").schema(Invoice.class).build();
        ResponseFormat f = request.responseFormat();
        assertThat(f.name()).isEqualTo("Invoice");
        JsonNode s = f.schema();
        assertThat(s.path("properties").path("total").path("type").asText()).isEqualTo("number");
        assertThat(s.path("properties").path("status").path("enum")).extracting(JsonNode::asText)
                .containsExactly("PAID", "OPEN");
        assertThat(s.path("properties").path("items").path("items").path("properties").has("sku")).isTrue();
        assertThat(f.strictCompatible()).isTrue();

        // An answer valid against it binds to the record, as FusionResult.as does.
        String answer = "{\"number\":\"INV-7\",\"total\":12.50,\"status\":\"PAID\",\"items\":[{\"sku\":\"A-1\",\"quantity\":2}]}";
        StructuredSchema schema = StructuredSchema.of(s);
        assertThat(schema.validate(new ObjectMapper().readTree(answer))).isEmpty();
        assertThat(new ObjectMapper().readValue(answer, Invoice.class))
                .isEqualTo(new Invoice("INV-7", new BigDecimal("12.50"), Status.PAID, List.of(new Line("A-1", 2))));

        // Spring AI's structured output (victools 5) in the same JVM still works.
        BeanOutputConverter<Invoice> springAi = new BeanOutputConverter<>(Invoice.class);
        assertThat(springAi.getJsonSchema()).contains("\"sku\"");
        assertThat(springAi.convert(answer).number()).isEqualTo("INV-7");
    }
}
