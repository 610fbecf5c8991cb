package dev.fusion.sandbox;

/** What kind of answer a request asks for, as read from its wire body. */
public enum OutputMode {
    /** Free text (no response format asked for). */
    TEXT,
    /**
     * JSON without a native schema: OpenAI {@code response_format: {"type":"json_object"}}, Gemini
     * {@code responseMimeType: application/json} without a schema. The schema, if any, is in the system prompt.
     */
    JSON,
    /**
     * JSON constrained by a schema sent natively: OpenAI {@code response_format.json_schema.schema},
     * Anthropic {@code output_config.format.schema}, Gemini {@code generationConfig.responseJsonSchema}
     * (or {@code responseSchema}).
     */
    JSON_SCHEMA
}
