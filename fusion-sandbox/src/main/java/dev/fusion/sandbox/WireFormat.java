package dev.fusion.sandbox;

/**
 * The wire formats the {@link WireServer} speaks. Each renders answers, usage, streams and errors
 * the way the named provider documents them.
 */
public enum WireFormat {

    /**
     * OpenAI Chat Completions ({@code POST /v1/chat/completions}, also {@code /chat/completions}),
     * as in the OpenAI API reference: the chat completion object, the chat completion chunk object
     * with {@code stream_options.include_usage}, and the error object. OpenRouter extensions
     * (in-band {@code error} chunk with {@code finish_reason: "error"},
     * {@code prompt_tokens_details.cache_write_tokens}) are used where noted.
     */
    OPENAI("/v1"),

    /**
     * Anthropic Messages ({@code POST /v1/messages}), as in Anthropic's API reference
     * ("Messages", "Streaming Messages", "Errors").
     */
    ANTHROPIC(""),

    /**
     * Gemini API {@code models.generateContent} / {@code models.streamGenerateContent}
     * ({@code POST /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse}),
     * as in the Gemini API reference (GenerateContentResponse, UsageMetadata) and its error guide.
     */
    GEMINI("");

    private final String basePath;

    WireFormat(String basePath) {
        this.basePath = basePath;
    }

    /**
     * The path a client's "base URL" ends with for this format, exactly what Fusion's provider of
     * the same kind expects: {@code /v1} for OpenAI-compatible clients (they append
     * {@code /chat/completions}), nothing for Anthropic (the client appends {@code /v1/messages}) and
     * nothing for Gemini (the client appends {@code /v1beta/models/{model}:generateContent}, as
     * Google's own SDKs do with their base URL).
     */
    public String basePath() {
        return basePath;
    }
}
