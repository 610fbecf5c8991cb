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
    GEMINI("/v1beta");

    private final String basePath;

    WireFormat(String basePath) {
        this.basePath = basePath;
    }

    /**
     * The path an SDK's "base URL" conventionally ends with for this format: {@code /v1} for
     * OpenAI-compatible clients, nothing for Anthropic (the client appends {@code /v1/messages}),
     * {@code /v1beta} for Gemini.
     */
    public String basePath() {
        return basePath;
    }
}
