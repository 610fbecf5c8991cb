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
     * Top-level fields (normalized, see {@link #normalize}) that ask the server for several answers
     * in one call: OpenAI's {@code n} and {@code best_of}, Gemini's {@code candidateCount}, and the
     * names OpenAI-compatible servers use for the same thing. Each multiplies the output billed
     * while the budget reserved one answer, so any value but 1 is refused.
     */
    private static final Set<String> OUTPUT_MULTIPLIERS = Set.of("n", "bestof", "candidatecount", "numgenerations",
            "numreturnsequences", "numcompletions", "numchoices", "numcandidates");
    /** Objects whose fields are generation settings (Gemini's {@code generationConfig}, Ollama's {@code options}). */
    private static final Set<String> SETTINGS_OBJECTS = Set.of("generationconfig", "options", "parameters");

    /**
     * Merges {@code providerExtra}, then {@code memberExtra} (which wins on a top-level key), into
     * {@code body}. Objects merge recursively; any other value may only land where Fusion set nothing,
     * and never on a {@code reserved} top-level key. Keys are compared as servers that are lenient about
     * them would read them: ignoring case, {@code _} and {@code -} ({@code Model}, {@code MAX_TOKENS} and
     * {@code maxTokens} all collide with {@code max_tokens}; Gemini's JSON takes both
     * {@code max_output_tokens} and {@code maxOutputTokens}). A field that multiplies the output (see
     * {@link #OUTPUT_MULTIPLIERS}) with any value but 1 is refused: the budget reserves one answer.
     *
     * @throws InvalidConfigurationException naming the first colliding or refused field (as a dotted path)
     */
    public static void merge(ObjectNode body, Map<String, Object> providerExtra, Map<String, Object> memberExtra,
                             Set<String> reserved, ModelRef ref) {
        if (providerExtra.isEmpty() && memberExtra.isEmpty()) {
            return;
        }
        Set<String> reservedKeys = new java.util.HashSet<>();
        reserved.forEach(k -> reservedKeys.add(normalize(k)));
        // The member's field replaces the provider's of the same (normalized) name.
        Map<String, Map.Entry<String, Object>> all = new LinkedHashMap<>();
        providerExtra.forEach((k, v) -> all.put(normalize(k), Map.entry(k, v == null ? NULL : v)));
        memberExtra.forEach((k, v) -> all.put(normalize(k), Map.entry(k, v == null ? NULL : v)));
        for (Map.Entry<String, Object> e : all.values()) {
            String key = e.getKey();
            JsonNode value = e.getValue() == NULL ? Json.MAPPER.nullNode() : Json.MAPPER.valueToTree(e.getValue());
            if (reservedKeys.contains(normalize(key))) {
                throw collision(key, ref);
            }
            refuseMultiplier(key, value, key, ref);
            if (value.isObject() && SETTINGS_OBJECTS.contains(normalize(key))) {
                Iterator<Map.Entry<String, JsonNode>> it = value.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> f = it.next();
                    refuseMultiplier(f.getKey(), f.getValue(), key + "." + f.getKey(), ref);
                }
            }
            mergeField(body, key, value, key, ref);
        }
    }

    private static final Object NULL = new Object();

    /** A key as lenient servers match it: lower case, without {@code _} and {@code -}. */
    static String normalize(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c != '_' && c != '-') {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    private static void refuseMultiplier(String key, JsonNode value, String path, ModelRef ref) {
        if (!OUTPUT_MULTIPLIERS.contains(normalize(key))) {
            return;
        }
        boolean one = value.isIntegralNumber() && value.canConvertToLong() && value.longValue() == 1
                || value.isNull();
        if (!one) {
            throw new InvalidConfigurationException("extra body field '" + path + "' for " + ref
                    + " asks the server for several answers in one call, which multiplies the output billed while"
                    + " the budget reserves one answer; remove it (add more panel members for more answers)");
        }
    }

    /** The key of {@code target} that names the same field as {@code key}, or null. */
    private static String sameField(ObjectNode target, String key) {
        if (target.has(key)) {
            return key;
        }
        String n = normalize(key);
        Iterator<String> names = target.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (normalize(name).equals(n)) {
                return name;
            }
        }
        return null;
    }

    private static void mergeField(ObjectNode target, String key, JsonNode value, String path, ModelRef ref) {
        String existingKey = sameField(target, key);
        if (existingKey == null) {
            target.set(key, value);
            return;
        }
        JsonNode existing = target.get(existingKey);
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
     * The headers that carry a credential in one of the three wire formats: a custom header may neither
     * set nor replace one (compared ignoring case), since it would override or shadow the key Fusion
     * sends and keeps out of every log and message.
     */
    public static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "x-api-key",
            "x-goog-api-key", "api-key");

    /**
     * Fails when a custom header names a credential header ({@link #CREDENTIAL_HEADERS}, any case).
     *
     * @param owner what the headers belong to, for the message (e.g. {@code provider 'oai'})
     * @throws InvalidConfigurationException naming the header (never its value)
     */
    public static void requireNoCredentialHeaders(Map<String, String> headers, String owner) {
        if (headers == null) {
            return;
        }
        for (String name : headers.keySet()) {
            if (name != null && CREDENTIAL_HEADERS.contains(name.trim().toLowerCase(java.util.Locale.ROOT))) {
                throw new InvalidConfigurationException("custom header '" + name + "' of " + owner
                        + " is a credential header; custom headers may not set or replace credentials:"
                        + " set the key with apiKeyEnv (or apiKey) instead");
            }
        }
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
