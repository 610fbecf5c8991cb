package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ContentPart;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ResponseFormat;
import dev.fusion.providers.Capabilities;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the three wire formats share for issue 14: merging extra body fields (a collision with a
 * field Fusion sets is an {@link InvalidConfigurationException} naming it, never an override), the
 * JSON instruction put in the system prompt where the API cannot constrain output natively, and the
 * image-capability check. Stateless and thread-safe.
 */
public final class WireExtras {

    private WireExtras() {
    }

    /**
     * Merges {@code providerExtra}, then {@code memberExtra} (which wins on a top-level key), into
     * {@code body}. Objects merge recursively; any other value may only land where Fusion set nothing,
     * and never on a {@code reserved} top-level key.
     *
     * @throws InvalidConfigurationException naming the first colliding field (as a dotted path)
     */
    public static void merge(ObjectNode body, Map<String, Object> providerExtra, Map<String, Object> memberExtra,
                             Set<String> reserved, ModelRef ref) {
        if (providerExtra.isEmpty() && memberExtra.isEmpty()) {
            return;
        }
        Map<String, Object> all = new LinkedHashMap<>(providerExtra);
        all.putAll(memberExtra);
        ObjectNode extra = Json.MAPPER.valueToTree(all);
        Iterator<Map.Entry<String, JsonNode>> it = extra.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (reserved.contains(e.getKey())) {
                throw collision(e.getKey(), ref);
            }
            mergeField(body, e.getKey(), e.getValue(), e.getKey(), ref);
        }
    }

    private static void mergeField(ObjectNode target, String key, JsonNode value, String path, ModelRef ref) {
        JsonNode existing = target.get(key);
        if (existing == null) {
            target.set(key, value);
            return;
        }
        if (!existing.isObject() || !value.isObject()) {
            throw collision(path, ref);
        }
        Iterator<Map.Entry<String, JsonNode>> it = value.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            mergeField((ObjectNode) existing, e.getKey(), e.getValue(), path + "." + e.getKey(), ref);
        }
    }

    private static InvalidConfigurationException collision(String path, ModelRef ref) {
        return new InvalidConfigurationException("extra body field '" + path + "' for " + ref
                + " collides with a field Fusion sets; remove it from extraBody and use the matching Fusion setting"
                + " (schema, reasoning, maxOutputTokens, temperature, ...) instead");
    }

    /**
     * The system-prompt text that asks for JSON where the API cannot enforce it: the schema itself
     * when there is one. Null when nothing needs saying ({@code mode} enforces the format natively).
     */
    public static String jsonInstruction(ResponseFormat format, boolean nativeSchema) {
        if (format == null || nativeSchema && format.type() == ResponseFormat.Type.JSON_SCHEMA) {
            return null;
        }
        if (format.type() == ResponseFormat.Type.JSON_OBJECT) {
            return "Answer with a single JSON object and nothing else.";
        }
        return "Answer with a single JSON object and nothing else. It must be valid against this JSON Schema:\n"
                + format.schemaText();
    }

    /** {@code system} with {@code addition} appended (either may be null). */
    public static String withInstruction(String system, String addition) {
        if (addition == null) {
            return system;
        }
        return system == null || system.isEmpty() ? addition : system + "\n\n" + addition;
    }

    /**
     * Fails before any call when the request carries images and the provider documents text-only input.
     *
     * @throws InvalidConfigurationException naming the model
     */
    public static void requireImages(ModelRequest request, Capabilities caps, ModelRef ref) {
        if (caps.images() == Capabilities.ImageInput.UNSUPPORTED && request.hasImages()) {
            throw new InvalidConfigurationException("model " + ref + " cannot take images (provider '" + ref.provider()
                    + "' documents text-only input); remove the images or use a vision model for this member");
        }
    }

    /** A {@code data:} URL of an image (RFC 2397). */
    public static String dataUrl(ContentPart.Image image) {
        return "data:" + image.mediaType() + ";base64," + image.base64();
    }
}
