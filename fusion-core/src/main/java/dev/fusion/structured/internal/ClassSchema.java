package dev.fusion.structured.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.internal.ObjectMappers;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The JSON Schema (Draft 2020-12) of a record or POJO, read with Jackson 2's own bean introspection:
 * the properties are exactly those {@code ObjectMapper.treeToValue} (what {@code FusionResult.as}
 * uses) binds, under the names it binds them by ({@code @JsonProperty} included), with
 * {@code @JsonPropertyDescription} / {@code @JsonClassDescription} as descriptions. Every property is
 * required and no other is allowed, so a schema of records, enums, strings, numbers, booleans and
 * lists qualifies for OpenAI's strict mode.
 *
 * <p>Mapping: booleans; whole numbers ({@code int}, {@code long}, {@code BigInteger}, ...) as
 * {@code integer}; other numbers as {@code number}; {@code String}, {@code char}, {@code byte[]}
 * (base64, as Jackson writes it), {@code UUID}, {@code URI}/{@code URL}, other JDK value classes and
 * {@code java.time} values as strings (with {@code format} where one exists); enums as a string {@code enum} of their Jackson
 * names; arrays and collections as {@code array} of their element; {@code Map} as an object of its
 * values ({@code additionalProperties}: not strict-compatible); {@code Optional<T>} as {@code T};
 * {@code Object} and {@code JsonNode} as any value; any other class as a nested object, inline. A
 * class that contains itself (directly or not) is defined once under {@code $defs} and referenced.
 *
 * <p>Independent of any schema-generator library on the class path (Spring AI 2 brings victools 5,
 * built on Jackson 3). Stateless and thread-safe.
 */
public final class ClassSchema {

    /** The JSON Schema dialect of the generated schemas. */
    public static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";

    /** The mapper {@code FusionResult.as} binds with: the schema must describe what it reads. */
    private static final ObjectMapper MAPPER = ObjectMappers.DEFAULT;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final DeserializationConfig config = MAPPER.getDeserializationConfig();
    private final JavaType root;
    /** The bean types being generated, innermost last: meeting one again is a recursion. */
    private final Deque<JavaType> path = new ArrayDeque<>();
    /** Recursive bean types, by type, to their {@code $defs} name. */
    private final Map<JavaType, String> defNames = new LinkedHashMap<>();
    private final Map<String, Integer> namesTaken = new HashMap<>();

    private ClassSchema(JavaType root) {
        this.root = root;
    }

    /**
     * The schema of {@code type}.
     *
     * @throws InvalidConfigurationException when {@code type} is not a record or POJO with properties
     *         Jackson can bind (a primitive, array, enum, interface, JDK class, or a class without any
     *         settable property)
     */
    public static ObjectNode of(Class<?> type) {
        if (type.isPrimitive() || type.isArray() || type.isEnum() || type.isInterface()
                || java.lang.reflect.Modifier.isAbstract(type.getModifiers()) || type.getName().startsWith("java.")) {
            throw new InvalidConfigurationException("a schema class must be a record or POJO with fields, was "
                    + type.getName());
        }
        ClassSchema g = new ClassSchema(MAPPER.constructType(type));
        ObjectNode schema = NODES.objectNode();
        schema.put("$schema", DIALECT);
        schema.setAll(g.bean(g.root));
        // Definitions of the recursive types (defining one may reveal another).
        ObjectNode defs = NODES.objectNode();
        boolean added = true;
        while (added) {
            added = false;
            for (Map.Entry<JavaType, String> e : new LinkedHashMap<>(g.defNames).entrySet()) {
                if (!defs.has(e.getValue())) {
                    defs.set(e.getValue(), g.bean(e.getKey()));
                    added = true;
                }
            }
        }
        if (!defs.isEmpty()) {
            schema.set("$defs", defs);
        }
        return schema;
    }

    private ObjectNode bean(JavaType type) {
        BeanDescription desc = config.introspect(type);
        ObjectNode node = NODES.objectNode();
        node.put("type", "object");
        String classDescription = desc.findClassDescription();
        if (classDescription != null && !classDescription.isBlank()) {
            node.put("description", classDescription);
        }
        ObjectNode props = node.putObject("properties");
        ArrayNode required = NODES.arrayNode();
        path.addLast(type);
        try {
            for (BeanPropertyDefinition p : desc.findProperties()) {
                if (!p.couldDeserialize()) {
                    continue;
                }
                ObjectNode s = schema(p.getPrimaryType());
                String description = p.getMetadata().getDescription();
                if (description != null && !description.isBlank() && !s.has("$ref")) {
                    s.put("description", description);
                }
                props.set(p.getName(), s);
                required.add(p.getName());
            }
        } finally {
            path.removeLast();
        }
        if (props.isEmpty()) {
            throw new InvalidConfigurationException("schema class " + type.getRawClass().getName() + " has no property"
                    + " Jackson can bind (a record component, a public field or a setter); use a record or a POJO with"
                    + " setters");
        }
        node.set("required", required);
        node.put("additionalProperties", false);
        return node;
    }

    private ObjectNode schema(JavaType t) {
        Class<?> c = t.getRawClass();
        if (c == Optional.class) {
            return schema(t.containedTypeOrUnknown(0));
        }
        if (c == boolean.class || c == Boolean.class) {
            return type("boolean");
        }
        if (c == int.class || c == long.class || c == short.class || c == byte.class || c == Integer.class
                || c == Long.class || c == Short.class || c == Byte.class || c == BigInteger.class) {
            return type("integer");
        }
        if (c == double.class || c == float.class || Number.class.isAssignableFrom(c) || c == BigDecimal.class) {
            return type("number");
        }
        if (CharSequence.class.isAssignableFrom(c) || c == char.class || c == Character.class || c == byte[].class) {
            return type("string");
        }
        String format = format(c);
        if (format != null) {
            return type("string").put("format", format);
        }
        if (c.isEnum()) {
            ObjectNode n = type("string");
            ArrayNode values = n.putArray("enum");
            for (Object constant : c.getEnumConstants()) {
                values.add(MAPPER.convertValue(constant, String.class)); // its Jackson name (@JsonProperty, @JsonValue)
            }
            return n;
        }
        if (t.isArrayType() || t.isCollectionLikeType()) {
            ObjectNode n = type("array");
            n.set("items", schema(t.getContentType()));
            return n;
        }
        if (t.isMapLikeType()) {
            ObjectNode n = type("object");
            n.set("additionalProperties", schema(t.getContentType()));
            return n;
        }
        if (c == Object.class || JsonNode.class.isAssignableFrom(c) || c.isInterface()
                || java.lang.reflect.Modifier.isAbstract(c.getModifiers()) || c.getName().startsWith("java.")) {
            return NODES.objectNode(); // any value
        }
        if (path.contains(t)) {
            return NODES.objectNode().put("$ref", t.equals(root) ? "#" : "#/$defs/" + defName(t));
        }
        return bean(t);
    }

    private static String format(Class<?> c) {
        if (c == UUID.class) {
            return "uuid";
        }
        if (c == URI.class || c == URL.class) {
            return "uri";
        }
        if (c == LocalDate.class) {
            return "date";
        }
        if (c == LocalTime.class) {
            return "time";
        }
        if (c == OffsetDateTime.class || c == ZonedDateTime.class || c == Instant.class || c == java.util.Date.class) {
            return "date-time"; // RFC 3339: with an offset (a LocalDateTime has none: a plain string)
        }
        if (c == Duration.class) {
            return "duration";
        }
        return null;
    }

    private String defName(JavaType t) {
        return defNames.computeIfAbsent(t, k -> {
            String base = k.getRawClass().getSimpleName().replaceAll("[^A-Za-z0-9_.-]", "_");
            int n = namesTaken.merge(base, 1, Integer::sum);
            return n == 1 ? base : base + "_" + n;
        });
    }

    private static ObjectNode type(String name) {
        return NODES.objectNode().put("type", name);
    }
}
