package dev.fusion.springai.internal;

import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ResponseFormat;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
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
     * assistant messages the conversation, an output schema on {@link StructuredOutputChatOptions}
     * the request's {@link ResponseFormat} (also stated after the last user message, see
     * {@link #instruction}). What Fusion cannot honour fails here, before any call,
     * with an {@link UnsupportedOperationException} naming it.
     */
    public static FusionRequest toFusionRequest(Prompt prompt) {
        List<String> unsupported = new ArrayList<>();
        ChatOptions options = prompt.getOptions();
        if (options instanceof ToolCallingChatOptions tools
                && tools.getToolCallbacks() != null && !tools.getToolCallbacks().isEmpty()) {
            unsupported.add("tools: the Spring AI adapter does not pass tools to a fusion yet (FusionRequest.tools(...) and the LangChain4j adapter do)");
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
                    unsupported.add("message " + i + ": a user message with media");
                } else {
                    messages.add(ChatMessage.user(u.getText() == null ? "" : u.getText()));
                }
            } else if (m instanceof AssistantMessage a) {
                if (a.hasToolCalls()) {
                    unsupported.add("message " + i + ": an assistant message with tool calls");
                } else if (a.getText() != null && !a.getText().isBlank()) {
                    messages.add(ChatMessage.assistant(a.getText()));
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
        FusionRequest.Builder b = FusionRequest.builder().messages(messages);
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
     * has no portable option) it is stated in words after the last user message.
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
            messages.add(switch (m.role()) {
                case USER -> new UserMessage(m.content());
                case ASSISTANT -> new AssistantMessage(m.content());
            });
        }
        options.maxTokens(request.maxOutputTokens());
        if (request.temperature() != null) {
            options.temperature(request.temperature());
        }
        return new Prompt(messages, options.build());
    }
}
