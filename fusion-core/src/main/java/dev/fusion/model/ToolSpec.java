package dev.fusion.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tool a model may call: its name, what it does, and a JSON Schema for its arguments. Sent as
 * OpenAI's {@code tools[].function}, Anthropic's {@code tools[]} ({@code input_schema}) and Gemini's
 * {@code functionDeclarations[]}. Immutable and thread-safe: the schema is copied in, and
 * {@link #parameters()} returns a copy.
 *
 * <pre>{@code
 * ToolSpec weather = ToolSpec.of("get_weather", "Current weather for a city",
 *         "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
 * }</pre>
 *
 * @param name        {@link #NAME}: starts with a letter or {@code _}, then letters, digits, {@code _}
 *                    or {@code -}, at most 64 characters (what all three wire formats accept)
 * @param description what the tool does and when to use it (may be empty, never null); models choose
 *                    tools by it
 * @param parameters  the JSON Schema of the arguments: an object schema ({@code "type": "object"});
 *                    null means no arguments ({@code {"type":"object","properties":{}}})
 */
public record ToolSpec(String name, String description, JsonNode parameters) {

    /** The names every wire format accepts. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");
    /** The longest description accepted, in characters. */
    public static final int MAX_DESCRIPTION_CHARS = 16 * 1024;

    public ToolSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigurationException("tool name '" + clip(name) + "' is invalid; start with a letter"
                    + " or '_', then use letters, digits, '_' or '-', at most 64 characters");
        }
        description = description == null ? "" : description;
        if (description.length() > MAX_DESCRIPTION_CHARS) {
            throw new InvalidConfigurationException("the description of tool '" + name + "' is " + description.length()
                    + " characters; the limit is " + MAX_DESCRIPTION_CHARS);
        }
        if (parameters == null || parameters.isNull()) {
            ObjectNode empty = JsonNodeFactory.instance.objectNode();
            empty.put("type", "object");
            empty.putObject("properties");
            parameters = empty;
        } else {
            if (!parameters.isObject()) {
                throw new InvalidConfigurationException("the parameters of tool '" + name + "' must be a JSON Schema"
                        + " object, was " + parameters.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            JsonNode type = parameters.get("type");
            if (type != null && !(type.isTextual() && type.asText().equals("object"))) {
                throw new InvalidConfigurationException("the parameters of tool '" + name + "' must be an object"
                        + " schema (\"type\": \"object\"): arguments are always a JSON object");
            }
            // parsing checks size, depth and the schema itself (a bad schema fails here, before any call)
            dev.fusion.structured.StructuredSchema.of(parameters);
            parameters = parameters.deepCopy();
        }
    }

    /** A tool whose schema is given as JSON text. */
    public static ToolSpec of(String name, String description, String parametersJson) {
        Objects.requireNonNull(parametersJson, "parametersJson");
        return new ToolSpec(name, description, dev.fusion.structured.StructuredSchema.parse(parametersJson).node());
    }

    /** A tool whose schema is given as a tree (copied). */
    public static ToolSpec of(String name, String description, JsonNode parameters) {
        return new ToolSpec(name, description, parameters);
    }

    /** A copy of the argument schema. */
    @Override
    public JsonNode parameters() {
        return parameters.deepCopy();
    }

    /** The argument schema without copying; callers must not change it. */
    public ObjectNode parametersObject() {
        return (ObjectNode) parameters;
    }

    private static String clip(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    @Override
    public String toString() {
        return "ToolSpec[" + name + ", " + description.length() + " chars]";
    }
}
