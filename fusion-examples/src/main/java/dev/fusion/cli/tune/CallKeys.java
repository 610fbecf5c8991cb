package dev.fusion.cli.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Content addresses of calls: SHA-256 (hex) of the canonical JSON of (provider, model, request
 * parameters, system prompt, messages, schema, tools). Canonical: object keys sorted, no whitespace,
 * numbers as written. Two calls with the same address would get the same answer from a deterministic
 * provider, so the cache may replay one for the other. Stateless and thread-safe.
 */
public final class CallKeys {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private CallKeys() {
    }

    /** The content address of sending {@code request} to {@code ref}. */
    public static String key(ModelRef ref, ModelRequest request) {
        return sha256(canonicalJson(ref, request));
    }

    /** The canonical JSON the address is the hash of (for inspection and tests). */
    public static String canonicalJson(ModelRef ref, ModelRequest r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("provider", ref.provider());
        n.put("model", ref.model());
        if (r.system() != null) {
            n.put("system", r.system());
        }
        n.put("maxOutputTokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            n.put("temperature", r.temperature());
        }
        if (r.seed() != null) {
            n.put("seed", r.seed());
        }
        if (r.responseFormat() != null) {
            ObjectNode f = n.putObject("responseFormat");
            f.put("type", r.responseFormat().type().name());
            if (r.responseFormat().name() != null) {
                f.put("name", r.responseFormat().name());
            }
            if (r.responseFormat().schema() != null) {
                f.set("schema", r.responseFormat().schema());
            }
        }
        if (r.reasoning() != null) {
            ObjectNode re = n.putObject("reasoning");
            if (r.reasoning().effort() != null) {
                re.put("effort", r.reasoning().effort().name());
            }
            if (r.reasoning().budgetTokens() != null) {
                re.put("budgetTokens", r.reasoning().budgetTokens());
            }
        }
        if (!r.extraBody().isEmpty()) {
            n.set("extraBody", JSON.valueToTree(new TreeMap<>(r.extraBody())));
        }
        ArrayNode msgs = n.putArray("messages");
        for (ChatMessage m : r.messages()) {
            ObjectNode mn = msgs.addObject();
            mn.put("role", m.role().name());
            ArrayNode parts = mn.putArray("parts");
            for (ContentPart p : m.parts()) {
                parts.add(part(p));
            }
        }
        if (!r.tools().isEmpty()) {
            ArrayNode tools = n.putArray("tools");
            for (ToolSpec t : r.tools()) {
                ObjectNode tn = tools.addObject();
                tn.put("name", t.name());
                tn.put("description", t.description());
                tn.set("parameters", t.parameters());
            }
        }
        if (r.toolChoice() != null) {
            n.put("toolChoice", r.toolChoice().toString());
        }
        try {
            return JSON.writeValueAsString(JSON.treeToValue(sorted(n), Object.class));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode part(ContentPart p) {
        ObjectNode n = JSON.createObjectNode();
        if (p instanceof ContentPart.Text t) {
            n.put("text", t.text());
        } else if (p instanceof ContentPart.ImageUrl u) {
            n.put("imageUrl", u.url());
        } else if (p instanceof ContentPart.Image i) {
            n.put("imageSha256", sha256Bytes(i.bytes()));
            n.put("mediaType", i.mediaType());
        } else if (p instanceof ToolCall c) {
            n.put("toolCall", c.name());
            n.put("id", c.id());
            n.put("arguments", c.argumentsJson());
        } else if (p instanceof ToolResult tr) {
            n.put("toolResult", tr.name());
            n.put("callId", tr.callId());
            n.put("content", tr.content());
            n.put("error", tr.error());
        } else {
            n.put("part", p.toString());
        }
        return n;
    }

    /** A deep copy with every object's keys in sorted order. */
    private static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            Map<String, JsonNode> m = new TreeMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), sorted(e.getValue())));
            ObjectNode out = JSON.createObjectNode();
            m.forEach(out::set);
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            n.forEach(c -> out.add(sorted(c)));
            return out;
        }
        return n;
    }

    /** SHA-256 of UTF-8 text, lower-case hex. */
    public static String sha256(String text) {
        return sha256Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256Bytes(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
