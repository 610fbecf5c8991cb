package dev.fusion.langchain4j.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.InvalidConfigurationException;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResponseFormat json(String name, JsonSchemaElement root) {
        return ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name(name).rootElement(root).build()).build();
    }

    @Test
    void everyElementTypeBecomesItsJsonSchemaKeywords() throws Exception {
        JsonObjectSchema node = JsonObjectSchema.builder()
                .addProperty("value", new JsonIntegerSchema())
                .addProperty("next", JsonAnyOfSchema.builder()
                        .anyOf(JsonReferenceSchema.builder().reference("Node").build(), new JsonNullSchema()).build())
                .required("value", "next").additionalProperties(false).build();
        JsonObjectSchema root = JsonObjectSchema.builder().description("a report")
                .addProperty("title", JsonStringSchema.builder().description("the title").build())
                .addProperty("score", new JsonNumberSchema())
                .addProperty("ok", new JsonBooleanSchema())
                .addProperty("colour", JsonEnumSchema.builder().enumValues("RED", "GREEN").build())
                .addProperty("tags", JsonArraySchema.builder().items(new JsonStringSchema()).build())
                .addProperty("head", JsonReferenceSchema.builder().reference("Node").build())
                .required("title", "score").additionalProperties(false)
                .definitions(Map.of("Node", node)).build();

        dev.fusion.model.ResponseFormat format = Schemas.toFusion(json("Report", root));

        assertThat(format.type()).isEqualTo(dev.fusion.model.ResponseFormat.Type.JSON_SCHEMA);
        assertThat(format.name()).isEqualTo("Report");
        JsonNode expected = JSON.readTree("""
                {"type":"object","description":"a report","properties":{
                  "title":{"type":"string","description":"the title"},
                  "score":{"type":"number"},
                  "ok":{"type":"boolean"},
                  "colour":{"type":"string","enum":["RED","GREEN"]},
                  "tags":{"type":"array","items":{"type":"string"}},
                  "head":{"$ref":"#/$defs/Node"}},
                 "required":["title","score"],"additionalProperties":false,
                 "$defs":{"Node":{"type":"object","properties":{"value":{"type":"integer"},
                   "next":{"anyOf":[{"$ref":"#/$defs/Node"},{"type":"null"}]}},
                   "required":["value","next"],"additionalProperties":false}}}
                """);
        assertThat(format.schema()).isEqualTo(expected);
    }

    @Test
    void textIsNoFormatAndJsonWithoutASchemaIsJsonMode() {
        assertThat(Schemas.toFusion(null)).isNull();
        assertThat(Schemas.toFusion(ResponseFormat.TEXT)).isNull();
        assertThat(Schemas.toFusion(ResponseFormat.JSON)).isEqualTo(dev.fusion.model.ResponseFormat.json());
    }

    @Test
    void aRawSchemaIsParsedAndBoundedAndMustBeAnObject() {
        assertThat(Schemas.toFusion(json("raw", JsonRawSchema.from("{\"type\":\"object\"}"))).schema().path("type").asText())
                .isEqualTo("object");
        assertThatThrownBy(() -> Schemas.toFusion(json("raw", JsonRawSchema.from("[1]"))))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> Schemas.toFusion(json("raw", JsonRawSchema.from("{\"type\":"))))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void aSchemaNestedTooDeepIsRefusedBeforeItCanOverflowTheStack() {
        JsonSchemaElement e = new JsonStringSchema();
        for (int i = 0; i < 10_000; i++) {
            e = JsonArraySchema.builder().items(e).build();
        }
        JsonSchemaElement deep = e;
        assertThatThrownBy(() -> Schemas.toFusion(json("deep", deep)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("deeper than");
    }

    @Test
    void aNameOutsideOpenAisAlphabetIsCleanedAndAMissingNameIsTheDefault() {
        assertThat(Schemas.toFusion(json("my schema.v2", new JsonObjectSchema.Builder().build())).name())
                .isEqualTo("my_schema_v2");
        assertThat(Schemas.name("x".repeat(100))).hasSize(64);
        assertThat(Schemas.toFusion(json(null, new JsonObjectSchema.Builder().build())).name()).isEqualTo("answer");
    }

    @Test
    void fusionsFormatGoesBackToLangChain4jAsARawSchemaOrJsonMode() throws Exception {
        dev.fusion.model.ResponseFormat schema = dev.fusion.model.ResponseFormat.parse("Verdict",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}");
        ResponseFormat back = Schemas.toLangChain4j(schema);
        assertThat(back.type()).isEqualTo(ResponseFormatType.JSON);
        assertThat(back.jsonSchema().name()).isEqualTo("Verdict");
        assertThat(JSON.readTree(((JsonRawSchema) back.jsonSchema().rootElement()).schema())).isEqualTo(schema.schema());
        assertThat(Schemas.toLangChain4j(dev.fusion.model.ResponseFormat.json())).isEqualTo(ResponseFormat.JSON);
        assertThat(Schemas.toLangChain4j(null)).isNull();
    }
}
