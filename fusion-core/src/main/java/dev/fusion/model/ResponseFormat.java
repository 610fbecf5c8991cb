package dev.fusion.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.internal.ObjectMappers;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The shape an answer must take: any JSON object ({@link Type#JSON_OBJECT}, "JSON mode") or JSON
 * that validates against a JSON Schema ({@link Type#JSON_SCHEMA}). Immutable and thread-safe: the
 * schema is copied in, and {@link #schema()} returns a copy.
 *
 * @param type   JSON mode or a schema
 * @param name   the schema's name ({@code [A-Za-z0-9_-]{1,64}}, as OpenAI requires), null in JSON mode
 * @param schema the JSON Schema (an object), null in JSON mode
 * @param strictAllowed false when the schema must never be sent in a provider's strict mode
 *                      ({@link #nonStrict()}); true by default
 */
public record ResponseFormat(Type type, String name, JsonNode schema, boolean strictAllowed) {

    /** The longest schema text accepted by {@link #parse}, in characters. */
    public static final int MAX_SCHEMA_CHARS = 256 * 1024;
    /** The deepest nesting of a schema accepted. */
    public static final int MAX_SCHEMA_DEPTH = 64;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Nesting at most 256 ({@code MAX_SCHEMA_DEPTH * 4}) levels; strings bounded by {@link #MAX_SCHEMA_CHARS} through the whole text. */
    private static final ObjectMapper MAPPER = ObjectMappers.BOUNDED;

    /** Whether an answer is free JSON or schema-bound. */
    public enum Type {
        /** Any single JSON object. */
        JSON_OBJECT,
        /** JSON valid against {@link #schema()}. */
        JSON_SCHEMA
    }

    public ResponseFormat {
        Objects.requireNonNull(type, "type");
        if (type == Type.JSON_OBJECT) {
            if (schema != null) {
                throw new InvalidConfigurationException("JSON mode takes no schema; use ResponseFormat.jsonSchema");
            }
            name = null;
        } else {
            if (schema == null || !schema.isObject()) {
                throw new InvalidConfigurationException("a JSON Schema must be a JSON object, was "
                        + (schema == null ? "null" : schema.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
            }
            name = name == null || name.isBlank() ? "answer" : name.trim();
            if (!NAME.matcher(name).matches()) {
                throw new InvalidConfigurationException("schema name '" + name + "' is invalid; use 1 to 64 letters,"
                        + " digits, '_' or '-'");
            }
            int depth = depth(schema, 0);
            if (depth > MAX_SCHEMA_DEPTH) {
                throw new InvalidConfigurationException("the JSON Schema nests deeper than " + MAX_SCHEMA_DEPTH + " levels");
            }
            schema = schema.deepCopy();
        }
    }

    /** JSON mode: the answer is one JSON object, of no particular shape. */
    /** A format that may use strict mode when its schema qualifies ({@link #strictCompatible()}). */
    public ResponseFormat(Type type, String name, JsonNode schema) {
        this(type, name, schema, true);
    }

    /**
     * This format, never sent in strict mode (OpenAI {@code strict} left out): for schemas strict mode
     * may reject although they meet its structural rules, e.g. {@code enum}s of objects or arrays, as the
     * {@code vote} strategy's dispute schema has.
     */
    public ResponseFormat nonStrict() {
        return new ResponseFormat(type, name, schema, false);
    }

    public static ResponseFormat json() {
        return new ResponseFormat(Type.JSON_OBJECT, null, null);
    }

    /** Answers valid against {@code schema}, named {@code name} (null: {@code answer}). */
    public static ResponseFormat jsonSchema(String name, JsonNode schema) {
        return new ResponseFormat(Type.JSON_SCHEMA, name, schema);
    }

    /**
     * Answers valid against the JSON Schema in {@code jsonSchema} (JSON text).
     *
     * @throws InvalidConfigurationException when the text is not JSON, not an object, or too large or deep
     */
    public static ResponseFormat parse(String name, String jsonSchema) {
        if (jsonSchema == null || jsonSchema.isBlank()) {
            throw new InvalidConfigurationException("the JSON Schema is " + (jsonSchema == null ? "null" : "blank"));
        }
        if (jsonSchema.length() > MAX_SCHEMA_CHARS) {
            throw new InvalidConfigurationException("the JSON Schema is " + jsonSchema.length() + " characters; the limit is "
                    + MAX_SCHEMA_CHARS);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(jsonSchema);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigurationException("the JSON Schema is not valid JSON (line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ", column "
                    + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + "): " + e.getOriginalMessage(), e);
        }
        return jsonSchema(name, node);
    }

    /**
     * Answers shaped like {@code type} (a record or POJO): its JSON Schema (Draft 2020-12) is generated
     * from the properties Jackson binds (the names and types
     * {@code FusionResult.as(type)} reads, {@code @JsonProperty} and {@code @JsonPropertyDescription}
     * included); every property is required and no other property is allowed, so a schema of records,
     * enums, strings, numbers, booleans and lists qualifies for OpenAI's strict mode. The name is the
     * class's simple name. The generation needs no schema library: it works the same whichever victools
     * version another framework puts on the class path (Spring AI 2 brings victools 5, on Jackson 3).
     *
     * @throws InvalidConfigurationException when {@code type} is not a record or POJO with properties
     */
    public static ResponseFormat fromClass(Class<?> type) {
        Objects.requireNonNull(type, "type");
        JsonNode schema = dev.fusion.structured.internal.ClassSchema.of(type);
        String name = type.getSimpleName().replaceAll("[^A-Za-z0-9_-]", "_");
        return jsonSchema(name.isEmpty() ? "answer" : name.substring(0, Math.min(64, name.length())), schema);
    }

    /** A copy of the schema, or null in JSON mode. */
    @Override
    public JsonNode schema() {
        return schema == null ? null : schema.deepCopy();
    }

    /**
     * Whether the schema meets OpenAI's strict-mode rules: every object schema lists all its
     * properties in {@code required} and sets {@code additionalProperties: false}. False in JSON mode
     * and for a {@link #nonStrict()} format.
     */
    public boolean strictCompatible() {
        return strictAllowed && schema != null && strict(schema);
    }

    private static boolean strict(JsonNode node) {
        if (node == null || !node.isObject()) {
            return true;
        }
        JsonNode props = node.get("properties");
        boolean isObject = props != null || "object".equals(node.path("type").asText(null));
        if (isObject) {
            JsonNode additional = node.get("additionalProperties");
            if (additional == null || !additional.isBoolean() || additional.booleanValue()) {
                return false;
            }
            if (props != null && props.isObject()) {
                Set<String> required = new HashSet<>();
                node.path("required").forEach(r -> required.add(r.asText()));
                Iterator<String> names = props.fieldNames();
                while (names.hasNext()) {
                    if (!required.contains(names.next())) {
                        return false;
                    }
                }
                for (JsonNode p : props) {
                    if (!strict(p)) {
                        return false;
                    }
                }
            }
        }
        for (String key : new String[]{"items", "$defs", "definitions", "anyOf", "allOf", "oneOf", "prefixItems"}) {
            JsonNode child = node.get(key);
            if (child == null) {
                continue;
            }
            if (key.equals("$defs") || key.equals("definitions") || child.isArray()) {
                for (JsonNode c : child) {
                    if (!strict(c)) {
                        return false;
                    }
                }
            } else if (!strict(child)) {
                return false;
            }
        }
        return true;
    }

    private static int depth(JsonNode node, int d) {
        if (d > MAX_SCHEMA_DEPTH) {
            return d;
        }
        int max = d;
        if (node.isContainerNode()) {
            for (JsonNode c : node) {
                max = Math.max(max, depth(c, d + 1));
                if (max > MAX_SCHEMA_DEPTH) {
                    break;
                }
            }
        }
        return max;
    }

    /** The schema as compact JSON text, or null in JSON mode. */
    public String schemaText() {
        return schema == null ? null : schema.toString();
    }

    @Override
    public String toString() {
        return type == Type.JSON_OBJECT ? "ResponseFormat[json]" : "ResponseFormat[schema " + name + "]";
    }

    /** An {@link ObjectNode} copy of the schema; for wire mappers. */
    public ObjectNode schemaObject() {
        return schema == null ? null : (ObjectNode) schema.deepCopy();
    }
}
