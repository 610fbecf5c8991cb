package dev.fusion.providers;

import java.util.Objects;

/**
 * What a provider's API documents beyond plain text, so Fusion maps structured answers, images and
 * reasoning to what it actually takes, and fails fast (before any call) on what it cannot. The
 * presets' values and their sources are listed in {@code fusion-providers/CAPABILITIES.md}.
 * Immutable.
 *
 * @param structuredOutput how answers are constrained to JSON
 * @param images           whether the API takes images in prompts
 * @param reasoning        how an OpenAI-compatible API takes a reasoning setting (Anthropic and Gemini
 *                         have their own native fields and ignore this)
 */
public record Capabilities(StructuredOutput structuredOutput, ImageInput images, ReasoningControl reasoning) {

    /** How answers are constrained to JSON. */
    public enum StructuredOutput {
        /** Native JSON Schema ({@code response_format: json_schema}, Anthropic {@code output_config}, Gemini {@code responseJsonSchema}). */
        JSON_SCHEMA,
        /** JSON mode only ({@code response_format: json_object}); the schema travels in the system prompt. */
        JSON_OBJECT,
        /** Neither is documented: the JSON instruction and the schema travel in the system prompt only. */
        PROMPT_ONLY
    }

    /** Whether prompts may carry images. */
    public enum ImageInput {
        /** The API takes images (the model must still be a vision model). */
        SUPPORTED,
        /** The API is text-only: a request with images fails before any call. */
        UNSUPPORTED
    }

    /** How an OpenAI-compatible API takes a reasoning setting. */
    public enum ReasoningControl {
        /** {@code reasoning_effort: low|medium|high}; a token budget is not accepted. */
        EFFORT,
        /** OpenRouter's {@code reasoning: {effort}} or {@code reasoning: {max_tokens}}. */
        OPENROUTER,
        /** No documented control: a reasoning setting fails before any call (use extraBody for vendor fields). */
        NONE
    }

    public Capabilities {
        Objects.requireNonNull(structuredOutput, "structuredOutput");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(reasoning, "reasoning");
    }

    /**
     * The defaults for a provider of this kind that declares nothing: Anthropic and Gemini their native
     * support; an OpenAI-compatible server the OpenAI conventions ({@code json_schema},
     * images, {@code reasoning_effort}).
     */
    public static Capabilities defaults(ProviderKind kind) {
        return new Capabilities(StructuredOutput.JSON_SCHEMA, ImageInput.SUPPORTED, ReasoningControl.EFFORT);
    }
}
