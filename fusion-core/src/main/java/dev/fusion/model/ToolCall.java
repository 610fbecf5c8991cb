package dev.fusion.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.internal.ObjectMappers;

import java.util.Objects;

/**
 * A model's request to call a tool: the call's id, the tool's name and its arguments as JSON text.
 * In a conversation it is a content part of an assistant message (the turn that asked for the call);
 * its result goes back as a {@link ToolResult} with the same {@link #id()}. Immutable and thread-safe.
 *
 * <p>{@link #argumentsJson()} is kept exactly as the model sent it (OpenAI sends a JSON string, which
 * may in rare cases be invalid JSON); {@link #arguments()} parses it. Anthropic and Gemini send an
 * object, kept as its compact JSON text.
 *
 * @param id               the call's id (OpenAI {@code tool_calls[].id}, Anthropic {@code tool_use.id},
 *                         Gemini {@code functionCall.id}, or one Fusion made up when Gemini sends none:
 *                         {@link #SYNTHETIC_ID_PREFIX}); never blank
 * @param name             the tool's name
 * @param argumentsJson    the arguments as JSON text ({@code "{}"} when the model sent none)
 * @param thoughtSignature Gemini 3's opaque {@code thoughtSignature} of the part that carried the call,
 *                         sent back unchanged with the call; null for other providers or when absent
 */
public record ToolCall(String id, String name, String argumentsJson, String thoughtSignature) implements ContentPart {

    /** Ids Fusion gives calls whose provider sent none (Gemini before version 3); never sent back. */
    public static final String SYNTHETIC_ID_PREFIX = "fusion-call-";
    /** The longest id accepted, in characters. */
    public static final int MAX_ID_CHARS = 512;
    /** The longest arguments text accepted, in characters. */
    public static final int MAX_ARGUMENTS_CHARS = 1024 * 1024;

    /** Nesting at most 256 levels; strings are bounded by {@link #MAX_ARGUMENTS_CHARS} through the whole text. */
    private static final ObjectMapper MAPPER = ObjectMappers.BOUNDED;

    public ToolCall {
        if (id == null || id.isBlank() || id.length() > MAX_ID_CHARS) {
            throw new IllegalArgumentException("a tool call id must be 1 to " + MAX_ID_CHARS + " characters, was "
                    + (id == null ? "null" : id.length() + " characters"));
        }
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > 256) {
            throw new IllegalArgumentException("a tool call's name must be 1 to 256 characters, was " + name.length());
        }
        argumentsJson = argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson;
        if (argumentsJson.length() > MAX_ARGUMENTS_CHARS) {
            throw new IllegalArgumentException("a tool call's arguments are " + argumentsJson.length()
                    + " characters; the limit is " + MAX_ARGUMENTS_CHARS);
        }
    }

    /** A call without a thought signature. */
    public ToolCall(String id, String name, String argumentsJson) {
        this(id, name, argumentsJson, null);
    }

    /** A call with arguments given as a tree. */
    public static ToolCall of(String id, String name, JsonNode arguments) {
        return new ToolCall(id, name, arguments == null ? "{}" : arguments.toString(), null);
    }

    /**
     * The arguments parsed (a fresh tree on every call).
     *
     * @throws IllegalStateException when {@link #argumentsJson()} is not valid JSON
     */
    public JsonNode arguments() {
        try {
            return MAPPER.readTree(argumentsJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the arguments of tool call " + id + " (" + name + ") are not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Whether {@link #argumentsJson()} is one JSON object. */
    public boolean hasObjectArguments() {
        try {
            JsonNode n = MAPPER.readTree(argumentsJson);
            return n != null && n.isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** Whether {@link #id()} was made up by Fusion (the provider sent none). */
    public boolean hasSyntheticId() {
        return id.startsWith(SYNTHETIC_ID_PREFIX);
    }

    /** This call with another id. */
    public ToolCall withId(String newId) {
        return new ToolCall(newId, name, argumentsJson, thoughtSignature);
    }

    @Override
    public String toString() {
        return "ToolCall[" + id + ", " + name + ", " + argumentsJson.length() + " chars"
                + (thoughtSignature != null ? ", signed" : "") + "]";
    }
}
