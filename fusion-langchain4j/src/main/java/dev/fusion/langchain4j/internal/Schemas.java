package dev.fusion.langchain4j.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.langchain4j.exception.UnsupportedFeatureException;
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

import java.util.List;
import java.util.Map;

/**
 * Response formats between LangChain4j and Fusion, both ways: LangChain4j's {@link JsonSchemaElement}
 * tree becomes a JSON Schema object (the vocabulary LangChain4j itself sends to OpenAI: {@code type},
 * {@code properties}, {@code required}, {@code additionalProperties}, {@code items}, {@code enum},
 * {@code anyOf}, {@code $ref} into {@code $defs}); Fusion's schema goes back to LangChain4j as a
 * {@link JsonRawSchema}. Stateless.
 */
public final class Schemas {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String DEFS = "$defs";

    private Schemas() {
    }

    /**
     * LangChain4j's response format as Fusion's: null for text (or none), JSON mode for JSON without a
     * schema, a JSON Schema for JSON with one.
     *
     * @throws UnsupportedFeatureException when the schema holds an element type this converter does not know
     * @throws InvalidConfigurationException when the schema is too deep or large, or a raw schema is not a JSON object
     */
    public static dev.fusion.model.ResponseFormat toFusion(dev.langchain4j.model.chat.request.ResponseFormat format) {
        if (format == null || format.type() == null || format.type() == ResponseFormatType.TEXT) {
            return null;
        }
        JsonSchema schema = format.jsonSchema();
        if (schema == null || schema.rootElement() == null) {
            return dev.fusion.model.ResponseFormat.json();
        }
        return dev.fusion.model.ResponseFormat.jsonSchema(name(schema.name()), toJson(schema.rootElement()));
    }

    /** Fusion's response format as LangChain4j's (null stays null): JSON mode, or JSON with the schema as raw JSON. */
    public static dev.langchain4j.model.chat.request.ResponseFormat toLangChain4j(dev.fusion.model.ResponseFormat format) {
        if (format == null) {
            return null;
        }
        if (format.type() == dev.fusion.model.ResponseFormat.Type.JSON_OBJECT) {
            return dev.langchain4j.model.chat.request.ResponseFormat.JSON;
        }
        return dev.langchain4j.model.chat.request.ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name(format.name())
                        .rootElement(JsonRawSchema.from(format.schema().toString())).build())
                .build();
    }

    /**
     * A tool's parameter schema (a JSON Schema object) as LangChain4j's object schema: each property kept
     * as raw JSON, with the description, the required list and {@code additionalProperties}.
     */
    public static dev.langchain4j.model.chat.request.json.JsonObjectSchema toObjectSchema(ObjectNode schema) {
        var b = dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder();
        if (schema.path("description").isTextual()) {
            b.description(schema.path("description").asText());
        }
        var props = schema.path("properties").fields();
        while (props.hasNext()) {
            var e = props.next();
            b.addProperty(e.getKey(), JsonRawSchema.from(e.getValue().toString()));
        }
        List<String> required = new java.util.ArrayList<>();
        schema.path("required").forEach(n -> required.add(n.asText()));
        if (!required.isEmpty()) {
            b.required(required);
        }
        if (schema.path("additionalProperties").isBoolean()) {
            b.additionalProperties(schema.path("additionalProperties").asBoolean());
        }
        return b.build();
    }

    /** A JSON Schema object for one element tree. */
    public static ObjectNode toJson(JsonSchemaElement element) {
        return toJson(element, 0);
    }

    private static ObjectNode toJson(JsonSchemaElement element, int depth) {
        if (depth > dev.fusion.model.ResponseFormat.MAX_SCHEMA_DEPTH) {
            throw new InvalidConfigurationException("the LangChain4j JSON schema nests deeper than "
                    + dev.fusion.model.ResponseFormat.MAX_SCHEMA_DEPTH + " levels");
        }
        if (element == null) {
            throw new UnsupportedFeatureException("a LangChain4j JSON schema element is null");
        }
        ObjectNode node = NODES.objectNode();
        if (element instanceof JsonRawSchema raw) {
            JsonNode parsed = dev.fusion.model.ResponseFormat.parse(null, raw.schema()).schema();
            return (ObjectNode) parsed;
        } else if (element instanceof JsonObjectSchema object) {
            node.put("type", "object");
            description(node, element);
            ObjectNode properties = node.putObject("properties");
            if (object.properties() != null) {
                for (Map.Entry<String, JsonSchemaElement> p : object.properties().entrySet()) {
                    properties.set(p.getKey(), toJson(p.getValue(), depth + 1));
                }
            }
            if (object.required() != null && !object.required().isEmpty()) {
                ArrayNode required = node.putArray("required");
                object.required().forEach(required::add);
            }
            if (object.additionalProperties() != null) {
                node.put("additionalProperties", object.additionalProperties());
            }
            if (object.definitions() != null && !object.definitions().isEmpty()) {
                ObjectNode defs = node.putObject(DEFS);
                for (Map.Entry<String, JsonSchemaElement> d : object.definitions().entrySet()) {
                    defs.set(d.getKey(), toJson(d.getValue(), depth + 1));
                }
            }
            return node;
        } else if (element instanceof JsonStringSchema) {
            return simple(node, "string", element);
        } else if (element instanceof JsonIntegerSchema) {
            return simple(node, "integer", element);
        } else if (element instanceof JsonNumberSchema) {
            return simple(node, "number", element);
        } else if (element instanceof JsonBooleanSchema) {
            return simple(node, "boolean", element);
        } else if (element instanceof JsonNullSchema) {
            return simple(node, "null", element);
        } else if (element instanceof JsonEnumSchema e) {
            simple(node, "string", element);
            ArrayNode values = node.putArray("enum");
            List<String> enumValues = e.enumValues() == null ? List.of() : e.enumValues();
            enumValues.forEach(values::add);
            return node;
        } else if (element instanceof JsonArraySchema array) {
            simple(node, "array", element);
            if (array.items() != null) {
                node.set("items", toJson(array.items(), depth + 1));
            }
            return node;
        } else if (element instanceof JsonReferenceSchema ref) {
            if (ref.reference() == null || ref.reference().isBlank()) {
                throw new UnsupportedFeatureException("a LangChain4j JsonReferenceSchema without a reference");
            }
            node.put("$ref", "#/" + DEFS + "/" + ref.reference());
            description(node, element);
            return node;
        } else if (element instanceof JsonAnyOfSchema anyOf) {
            description(node, element);
            ArrayNode options = node.putArray("anyOf");
            if (anyOf.anyOf() != null) {
                for (JsonSchemaElement option : anyOf.anyOf()) {
                    options.add(toJson(option, depth + 1));
                }
            }
            return node;
        }
        throw new UnsupportedFeatureException("Fusion cannot translate the LangChain4j JSON schema element "
                + element.getClass().getName() + "; use JsonRawSchema to pass a JSON Schema as text");
    }

    private static ObjectNode simple(ObjectNode node, String type, JsonSchemaElement element) {
        node.put("type", type);
        description(node, element);
        return node;
    }

    private static void description(ObjectNode node, JsonSchemaElement element) {
        if (element.description() != null && !element.description().isBlank()) {
            node.put("description", element.description());
        }
    }

    /** A LangChain4j schema name as a valid Fusion (OpenAI) schema name: other characters become '_', at most 64. */
    static String name(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String cleaned = name.trim().replaceAll("[^A-Za-z0-9_-]", "_");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned;
    }
}
