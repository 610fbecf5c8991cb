package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Gemini's older {@code responseSchema} (an OpenAPI 3.0 subset: {@code "type": "STRING"}, {@code nullable})
 * rewritten as JSON Schema, so the sandbox answers both forms alike. Stateless.
 */
final class OpenApiSchemas {

    private OpenApiSchemas() {
    }

    static JsonNode toJsonSchema(JsonNode openApi) {
        if (openApi == null || !openApi.isObject()) {
            return openApi;
        }
        ObjectNode out = Dialect.object();
        boolean nullable = openApi.path("nullable").asBoolean(false);
        for (Iterator<Map.Entry<String, JsonNode>> it = openApi.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "nullable", "propertyOrdering" -> { }
                case "type" -> {
                    String t = e.getValue().asText("").toLowerCase(Locale.ROOT);
                    if (nullable) {
                        out.putArray("type").add(t).add("null");
                    } else {
                        out.put("type", t);
                    }
                }
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    e.getValue().fields().forEachRemaining(p -> props.set(p.getKey(), toJsonSchema(p.getValue())));
                }
                case "items" -> out.set("items", toJsonSchema(e.getValue()));
                case "anyOf" -> {
                    ArrayNode any = out.putArray("anyOf");
                    e.getValue().forEach(s -> any.add(toJsonSchema(s)));
                }
                default -> out.set(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
