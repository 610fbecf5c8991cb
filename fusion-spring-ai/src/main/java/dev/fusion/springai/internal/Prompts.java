package dev.fusion.springai.internal;

import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRequest;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

import java.util.ArrayList;
import java.util.List;

/** Prompts between Spring AI and Fusion, both ways. Stateless. */
public final class Prompts {

    private Prompts() {
    }

    /**
     * A Spring AI prompt as a Fusion request: system messages become the system prompt, user and
     * assistant messages the conversation. What Fusion cannot honour fails here, before any call,
     * with an {@link UnsupportedOperationException} naming it.
     */
    public static FusionRequest toFusionRequest(Prompt prompt) {
        List<String> unsupported = new ArrayList<>();
        ChatOptions options = prompt.getOptions();
        if (options instanceof ToolCallingChatOptions tools
                && tools.getToolCallbacks() != null && !tools.getToolCallbacks().isEmpty()) {
            unsupported.add("tools: a fusion does not call tools");
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
        FusionRequest.Builder b = FusionRequest.builder().messages(messages);
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
     * A Fusion model request as a Spring AI prompt. Max tokens and temperature are set on a copy of
     * the model's own default options ({@code mutate()}), since Spring AI models expect their own
     * options type at run time; the model name and everything else stay the model's. The seed has
     * no portable option and is dropped.
     */
    public static Prompt toPrompt(ModelRequest request, ChatOptions defaults) {
        List<Message> messages = new ArrayList<>();
        if (request.system() != null && !request.system().isBlank()) {
            messages.add(new SystemMessage(request.system()));
        }
        for (ChatMessage m : request.messages()) {
            messages.add(switch (m.role()) {
                case USER -> new UserMessage(m.content());
                case ASSISTANT -> new AssistantMessage(m.content());
            });
        }
        ChatOptions.Builder<?> options = defaults != null ? defaults.mutate() : ChatOptions.builder();
        options.maxTokens(request.maxOutputTokens());
        if (request.temperature() != null) {
            options.temperature(request.temperature());
        }
        return new Prompt(messages, options.build());
    }
}
