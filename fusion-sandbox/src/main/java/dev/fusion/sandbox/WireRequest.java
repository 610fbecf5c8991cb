package dev.fusion.sandbox;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A chat request as the server parsed it, whatever the wire format. Scripts decide their
 * {@link Reply} from it. Immutable.
 *
 * @param format       the endpoint's wire format
 * @param model        the model id (the body's {@code model}; for Gemini, the path's {@code {model}})
 * @param system       the system prompt (OpenAI {@code system}/{@code developer} messages, Anthropic
 *                     {@code system}, Gemini {@code systemInstruction}), joined; empty when none
 * @param messages     the conversation, text parts only, in order
 * @param maxTokens    the output limit asked for ({@code max_completion_tokens}/{@code max_tokens},
 *                     {@code max_tokens}, {@code generationConfig.maxOutputTokens}), or null
 * @param stream       whether a streamed (SSE) response was asked for
 * @param includeUsage whether the response reports usage: for an OpenAI stream, its
 *                     {@code stream_options.include_usage}; true otherwise (non-streamed OpenAI
 *                     responses and both other formats always report usage)
 * @param apiKey       the key presented ({@code Authorization: Bearer}, {@code x-api-key},
 *                     {@code x-goog-api-key} or {@code ?key=}), or null
 * @param sequence     1-based number of this request among the requests for this model on this server
 * @param outputMode   the kind of answer asked for (text, JSON, or JSON with a native schema)
 * @param schema       the JSON Schema sent natively (compact JSON text) when {@code outputMode} is
 *                     {@link OutputMode#JSON_SCHEMA}, else null
 * @param tools        the tools offered (OpenAI {@code tools[].function}, Anthropic {@code tools}, Gemini
 *                     {@code functionDeclarations}), in order; empty when none
 * @param toolResults  the tool results the conversation ends with (OpenAI trailing {@code role: tool}
 *                     messages, Anthropic {@code tool_result} blocks, Gemini {@code functionResponse} parts
 *                     of the last user turn); empty when it ends otherwise
 */
public record WireRequest(WireFormat format, String model, String system, List<Message> messages,
                          Integer maxTokens, boolean stream, boolean includeUsage, String apiKey, long sequence,
                          OutputMode outputMode, String schema, List<Tool> tools, List<ToolOutput> toolResults) {

    /** A request without tools. */
    public WireRequest(WireFormat format, String model, String system, List<Message> messages,
                       Integer maxTokens, boolean stream, boolean includeUsage, String apiKey, long sequence,
                       OutputMode outputMode, String schema) {
        this(format, model, system, messages, maxTokens, stream, includeUsage, apiKey, sequence, outputMode, schema,
                List.of(), List.of());
    }

    /**
     * An offered tool.
     *
     * @param name           its name
     * @param parametersJson its argument schema, compact JSON text ({@code {}} when none was sent)
     */
    public record Tool(String name, String parametersJson) {
        public Tool {
            Objects.requireNonNull(name, "name");
            parametersJson = parametersJson == null ? "{}" : parametersJson;
        }
    }

    /**
     * A tool's result sent back to the model.
     *
     * @param name    the tool's name (null when the format does not say it: OpenAI)
     * @param content the result as text (a JSON result as compact JSON text)
     * @param error   whether it is marked as an error (Anthropic {@code is_error})
     */
    public record ToolOutput(String name, String content, boolean error) {
        public ToolOutput {
            content = content == null ? "" : content;
        }
    }

    /** A text request (no response format). */
    public WireRequest(WireFormat format, String model, String system, List<Message> messages,
                       Integer maxTokens, boolean stream, boolean includeUsage, String apiKey, long sequence) {
        this(format, model, system, messages, maxTokens, stream, includeUsage, apiKey, sequence, OutputMode.TEXT, null);
    }

    /**
     * One message of the conversation.
     *
     * @param role {@code user} or {@code assistant} (Gemini's {@code model} role is reported as {@code assistant})
     * @param text the message's text parts, joined
     */
    public record Message(String role, String text) {
        public Message {
            Objects.requireNonNull(role, "role");
            text = text == null ? "" : text;
        }
    }

    public WireRequest {
        Objects.requireNonNull(format, "format");
        model = model == null ? "" : model;
        system = system == null ? "" : system;
        messages = messages == null ? List.of() : List.copyOf(messages);
        outputMode = outputMode == null ? OutputMode.TEXT : outputMode;
        if (outputMode == OutputMode.JSON_SCHEMA && schema == null) {
            throw new IllegalArgumentException("a JSON_SCHEMA request needs its schema");
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
        toolResults = toolResults == null ? List.of() : List.copyOf(toolResults);
    }

    /** This request with the tools offered and the tool results it ends with. */
    public WireRequest withTools(List<Tool> tools, List<ToolOutput> toolResults) {
        return new WireRequest(format, model, system, messages, maxTokens, stream, includeUsage, apiKey, sequence,
                outputMode, schema, tools, toolResults);
    }

    /** This request with another sequence number. */
    public WireRequest withSequence(long sequence) {
        return new WireRequest(format, model, system, messages, maxTokens, stream, includeUsage, apiKey, sequence,
                outputMode, schema, tools, toolResults);
    }

    /** The text of the first {@code user} message (the question, before any repair turn), or empty. */
    public String firstUserText() {
        for (Message m : messages) {
            if (m.role().equals("user")) {
                return m.text();
            }
        }
        return "";
    }

    /** The text of the last {@code user} message, or empty. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return messages.get(i).text();
            }
        }
        return "";
    }

    /** Everything the model reads: the system prompt and every message, one per line. */
    public String promptText() {
        StringBuilder sb = new StringBuilder(system);
        for (Message m : messages) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(m.text());
        }
        return sb.toString();
    }

    public OptionalInt maxTokensLimit() {
        return maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens);
    }
}
