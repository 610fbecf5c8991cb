package dev.fusion.springai.internal;

import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ResponseFormat;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

import java.util.ArrayList;
import java.util.List;

/** Prompts between Spring AI and Fusion, both ways. Stateless. */
public final class Prompts {

    private Prompts() {
    }

    /**
     * A Spring AI prompt as a Fusion request: system messages become the system prompt, user and
     * assistant messages the conversation (assistant tool calls and tool response messages included), the
     * tool callbacks of {@link ToolCallingChatOptions} the offered tools, an output schema on {@link StructuredOutputChatOptions}
     * the request's {@link ResponseFormat} (also stated after the last user message, see
     * {@link #instruction}). What Fusion cannot honour fails here, before any call,
     * with an {@link UnsupportedOperationException} naming it.
     */
    public static FusionRequest toFusionRequest(Prompt prompt) {
        List<String> unsupported = new ArrayList<>();
        ChatOptions options = prompt.getOptions();
        List<ToolSpec> toolSpecs = new ArrayList<>();
        if (options instanceof ToolCallingChatOptions tools && tools.getToolCallbacks() != null) {
            for (ToolCallback callback : tools.getToolCallbacks()) {
                ToolDefinition d = callback.getToolDefinition();
                String schema = d.inputSchema() == null || d.inputSchema().isBlank() ? null : d.inputSchema();
                toolSpecs.add(ToolSpec.of(d.name(), d.description() == null ? "" : d.description(), schema));
            }
        }
        if (options != null) {
            if (options.getStopSequences() != null && !options.getStopSequences().isEmpty()) {
                unsupported.add("stopSequences");
            }
            if (options.getTopP() != null) {
                unsupported.add("topP");
            }
            if (options.getTopK() != null) {
                unsupported.add("topK");
            }
            if (options.getFrequencyPenalty() != null) {
                unsupported.add("frequencyPenalty");
            }
            if (options.getPresencePenalty() != null) {
                unsupported.add("presencePenalty");
            }
        }
        StringBuilder system = new StringBuilder();
        List<ChatMessage> messages = new ArrayList<>();
        int i = 0;
        for (Message m : prompt.getInstructions()) {
            i++;
            if (m instanceof SystemMessage s) {
                if (!system.isEmpty()) {
                    system.append("\n\n");
                }
                system.append(s.getText());
            } else if (m instanceof UserMessage u) {
                if (u.getMedia() != null && !u.getMedia().isEmpty()) {
                    List<dev.fusion.model.ContentPart> parts = new ArrayList<>();
                    if (u.getText() != null && !u.getText().isEmpty()) {
                        parts.add(dev.fusion.model.ContentPart.text(u.getText()));
                    }
                    for (org.springframework.ai.content.Media media : u.getMedia()) {
                        dev.fusion.model.ContentPart image = image(media);
                        if (image == null) {
                            unsupported.add("message " + i + ": " + media.getMimeType() + " media (images only)");
                        } else {
                            parts.add(image);
                        }
                    }
                    if (!parts.isEmpty()) {
                        messages.add(ChatMessage.user(parts));
                    }
                } else {
                    messages.add(ChatMessage.user(u.getText() == null ? "" : u.getText()));
                }
            } else if (m instanceof AssistantMessage a) {
                if (a.hasToolCalls()) {
                    List<ToolCall> calls = new ArrayList<>();
                    for (AssistantMessage.ToolCall c : a.getToolCalls()) {
                        calls.add(new ToolCall(c.id(), c.name(), c.arguments() == null || c.arguments().isBlank() ? "{}" : c.arguments()));
                    }
                    messages.add(ChatMessage.assistant(a.getText(), calls));
                } else if (a.getText() != null && !a.getText().isBlank()) {
                    messages.add(ChatMessage.assistant(a.getText()));
                }
            } else if (m instanceof ToolResponseMessage t) {
                List<ToolResult> results = new ArrayList<>();
                for (ToolResponseMessage.ToolResponse r : t.getResponses()) {
                    results.add(new ToolResult(r.id(), r.name(), r.responseData() == null ? "" : r.responseData(), false));
                }
                if (!results.isEmpty()) {
                    messages.add(ChatMessage.toolResults(results));
                }
            } else {
                unsupported.add("message " + i + ": a " + m.getMessageType() + " message");
            }
        }
        if (!unsupported.isEmpty()) {
            throw new UnsupportedOperationException("Fusion cannot honour this Spring AI prompt: " + String.join("; ", unsupported));
        }
        ResponseFormat format = null;
        if (options instanceof StructuredOutputChatOptions structured && structured.getOutputSchema() != null
                && !structured.getOutputSchema().isBlank()) {
            format = ResponseFormat.parse(null, structured.getOutputSchema());
            stateAfterLastQuestion(messages, format);
        }
        FusionRequest.Builder b = FusionRequest.builder().messages(messages).tools(toolSpecs);
        if (format != null) {
            b.responseFormat(format);
        }
        if (!system.isEmpty()) {
            b.system(system.toString());
        }
        if (options != null && options.getMaxTokens() != null) {
            b.maxOutputTokens(options.getMaxTokens());
        }
        if (options != null && options.getTemperature() != null) {
            b.temperature(options.getTemperature());
        }
        return b.build();
    }

    /** The media type an image URL's extension names (JPEG when it names none). */
    private static String guessImageType(String url) {
        String path = url.toLowerCase(java.util.Locale.ROOT).replaceAll("[?#].*$", "");
        if (path.endsWith(".png")) {
            return "image/png";
        }
        if (path.endsWith(".gif")) {
            return "image/gif";
        }
        if (path.endsWith(".webp")) {
            return "image/webp";
        }
        return "image/jpeg";
    }

    /** A Spring AI image as Fusion's (its bytes, or its http(s) URL); null for media that is not an image. */
    private static dev.fusion.model.ContentPart image(org.springframework.ai.content.Media media) {
        org.springframework.util.MimeType type = media.getMimeType();
        if (type == null || !"image".equals(type.getType())) {
            return null;
        }
        Object data = media.getData();
        if (data instanceof java.net.URI || data instanceof java.net.URL
                || (data instanceof String url && (url.startsWith("http://") || url.startsWith("https://")))) {
            return dev.fusion.model.ContentPart.imageUrl(data.toString());
        }
        return dev.fusion.model.ContentPart.image(media.getDataAsByteArray(), type.getType() + "/" + type.getSubtype());
    }

    /**
     * The format stated in words after the question. The panel gets the format natively; the judge
     * merges answers to the question, so the words are what tell it the shape its own answer must
     * take (as ChatClient does for models without native structured output).
     */
    static String instruction(ResponseFormat format) {
        return format.type() == ResponseFormat.Type.JSON_OBJECT
                ? "\n\nAnswer with one JSON object only, no other text."
                : "\n\nAnswer with JSON only, no other text, valid against this JSON Schema:\n" + format.schema();
    }

    private static void stateAfterLastQuestion(List<ChatMessage> messages, ResponseFormat format) {
        int last = messages.size() - 1;
        if (last >= 0 && messages.get(last).role() == MessageRole.USER) {
            messages.set(last, ChatMessage.user(messages.get(last).content() + instruction(format)));
        }
    }

    /**
     * A Fusion model request as a Spring AI prompt. Max tokens and temperature are set on a copy of
     * the model's own default options ({@code mutate()}), since Spring AI models expect their own
     * options type at run time; the model name and everything else stay the model's. The seed has
     * no portable option and is dropped. A JSON Schema response format becomes the options' output
     * schema when they are {@link StructuredOutputChatOptions}; otherwise (and for JSON mode, which
     * has no portable option) it is stated in words after the last user message. The request's tools are
     * declared to the model as tool callbacks that never run ({@link DeclaredTool}; Spring AI 2 models return
     * the calls they want, the fusion decides), unless the tool choice is {@code none}; assistant tool calls
     * and tool results become {@code AssistantMessage} tool calls and a {@code ToolResponseMessage} (an error
     * result's text starts with {@code Error: }). A required or named tool choice has no portable option and
     * is left to the model.
     */
    public static Prompt toPrompt(ModelRequest request, ChatOptions defaults) {
        List<Message> messages = new ArrayList<>();
        if (request.system() != null && !request.system().isBlank()) {
            messages.add(new SystemMessage(request.system()));
        }
        List<ChatMessage> conversation = new ArrayList<>(request.messages());
        ChatOptions.Builder<?> options = defaults != null ? defaults.mutate() : ChatOptions.builder();
        ResponseFormat format = request.responseFormat();
        if (format != null) {
            if (format.type() == ResponseFormat.Type.JSON_SCHEMA
                    && options instanceof StructuredOutputChatOptions.Builder<?> structured) {
                structured.outputSchema(format.schema().toString());
            } else {
                // no portable option for this format on this model: the words carry it
                stateAfterLastQuestion(conversation, format);
            }
        }
        for (ChatMessage m : conversation) {
            if (m.role() == MessageRole.ASSISTANT && !m.toolCalls().isEmpty()) {
                messages.add(AssistantMessage.builder().content(m.content()).toolCalls(m.toolCalls().stream()
                        .map(c -> new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.argumentsJson())).toList()).build());
            } else if (m.role() == MessageRole.USER && !m.toolResults().isEmpty()) {
                messages.add(ToolResponseMessage.builder().responses(m.toolResults().stream()
                        .map(r -> new ToolResponseMessage.ToolResponse(r.callId(), r.name(), r.error() ? "Error: " + r.content() : r.content()))
                        .toList()).build());
                if (!m.content().isBlank()) {
                    messages.add(new UserMessage(m.content()));
                }
            } else if (m.role() == MessageRole.USER && m.hasImages()) {
                List<org.springframework.ai.content.Media> media = new ArrayList<>();
                for (dev.fusion.model.ContentPart p : m.images()) {
                    if (p instanceof dev.fusion.model.ContentPart.Image img) {
                        media.add(org.springframework.ai.content.Media.builder()
                                .mimeType(org.springframework.util.MimeType.valueOf(img.mediaType())).data(img.bytes()).build());
                    } else if (p instanceof dev.fusion.model.ContentPart.ImageUrl url) {
                        media.add(org.springframework.ai.content.Media.builder()
                                .mimeType(org.springframework.util.MimeType.valueOf(guessImageType(url.url())))
                                .data(java.net.URI.create(url.url())).build());
                    }
                }
                messages.add(UserMessage.builder().text(m.content()).media(media).build());
            } else {
                messages.add(switch (m.role()) {
                    case USER -> new UserMessage(m.content());
                    case ASSISTANT -> new AssistantMessage(m.content());
                });
            }
        }
        if (request.hasTools() && (request.toolChoice() == null || request.toolChoice().mode() != dev.fusion.model.ToolChoice.Mode.NONE)) {
            if (!(options instanceof ToolCallingChatOptions.Builder<?> tooling)) {
                throw new UnsupportedOperationException("this Spring AI model's options (" + options.getClass().getSimpleName()
                        + ") take no tool callbacks, so it cannot be offered the request's tools");
            }
            tooling.toolCallbacks(request.tools().stream().<ToolCallback>map(DeclaredTool::new).toList());
        }
        options.maxTokens(request.maxOutputTokens());
        if (request.temperature() != null) {
            options.temperature(request.temperature());
        }
        return new Prompt(messages, options.build());
    }
}
