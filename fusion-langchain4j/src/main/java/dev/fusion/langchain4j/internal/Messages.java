package dev.fusion.langchain4j.internal;

import dev.fusion.FusionRequest;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;

import java.util.ArrayList;
import java.util.List;

/** Requests between LangChain4j and Fusion, both ways. Stateless. */
public final class Messages {

    private Messages() {
    }

    /**
     * A LangChain4j request as a Fusion request: system messages become the system prompt, user and
     * AI messages the conversation (an AI message's tool execution requests its tool calls, tool execution
     * results a user turn of tool results), tool specifications the request's tools (the fusion decides
     * the next step), a JSON response format the request's format (also stated after
     * the last user message, see {@link #instruction}). What Fusion cannot honour fails here, before
     * any call, with LangChain4j's {@link UnsupportedFeatureException} naming it.
     */
    public static FusionRequest toFusionRequest(ChatRequest request) {
        List<String> unsupported = new ArrayList<>();
        List<dev.fusion.model.ToolSpec> tools = new ArrayList<>();
        if (request.toolSpecifications() != null) {
            for (dev.langchain4j.agent.tool.ToolSpecification t : request.toolSpecifications()) {
                try {
                    tools.add(new dev.fusion.model.ToolSpec(t.name(), t.description(),
                            t.parameters() == null ? null : Schemas.toJson(t.parameters())));
                } catch (RuntimeException e) {
                    unsupported.add("tool '" + t.name() + "': " + e.getMessage());
                }
            }
        }
        if (request.stopSequences() != null && !request.stopSequences().isEmpty()) {
            unsupported.add("stopSequences");
        }
        if (request.topP() != null) {
            unsupported.add("topP");
        }
        if (request.topK() != null) {
            unsupported.add("topK");
        }
        if (request.frequencyPenalty() != null) {
            unsupported.add("frequencyPenalty");
        }
        if (request.presencePenalty() != null) {
            unsupported.add("presencePenalty");
        }
        StringBuilder system = new StringBuilder();
        List<ChatMessage> messages = new ArrayList<>();
        int i = 0;
        for (dev.langchain4j.data.message.ChatMessage m : request.messages()) {
            i++;
            if (m instanceof SystemMessage s) {
                if (!system.isEmpty()) {
                    system.append("\n\n");
                }
                system.append(s.text());
            } else if (m instanceof UserMessage u) {
                if (u.hasSingleText()) {
                    messages.add(ChatMessage.user(u.singleText()));
                } else {
                    List<dev.fusion.model.ContentPart> parts = new ArrayList<>();
                    for (dev.langchain4j.data.message.Content c : u.contents()) {
                        if (c instanceof dev.langchain4j.data.message.TextContent t) {
                            parts.add(dev.fusion.model.ContentPart.text(t.text()));
                        } else if (c instanceof dev.langchain4j.data.message.ImageContent img) {
                            dev.langchain4j.data.image.Image image = img.image();
                            if (image.base64Data() != null) {
                                parts.add(dev.fusion.model.ContentPart.image(java.util.Base64.getDecoder().decode(image.base64Data()),
                                        image.mimeType()));
                            } else if (image.url() != null) {
                                parts.add(dev.fusion.model.ContentPart.imageUrl(image.url().toString()));
                            } else {
                                unsupported.add("message " + i + ": an image with neither data nor URL");
                            }
                        } else {
                            unsupported.add("message " + i + ": " + c.type() + " content (text and images only)");
                        }
                    }
                    if (!parts.isEmpty()) {
                        messages.add(ChatMessage.user(parts));
                    }
                }
            } else if (m instanceof AiMessage a) {
                if (a.hasToolExecutionRequests()) {
                    List<dev.fusion.model.ToolCall> calls = new ArrayList<>();
                    for (dev.langchain4j.agent.tool.ToolExecutionRequest r : a.toolExecutionRequests()) {
                        String id = r.id() == null || r.id().isBlank() ? dev.fusion.model.ToolCall.SYNTHETIC_ID_PREFIX + calls.size() : r.id();
                        calls.add(new dev.fusion.model.ToolCall(id, r.name(), r.arguments()));
                    }
                    messages.add(ChatMessage.assistant(a.text(), calls));
                } else if (a.text() != null && !a.text().isBlank()) {
                    messages.add(ChatMessage.assistant(a.text()));
                }
            } else if (m instanceof dev.langchain4j.data.message.ToolExecutionResultMessage r) {
                // consecutive results (parallel calls) go back together, in one user turn
                dev.fusion.model.ToolResult result = new dev.fusion.model.ToolResult(
                        r.id() == null || r.id().isBlank() ? dev.fusion.model.ToolCall.SYNTHETIC_ID_PREFIX + "0" : r.id(),
                        r.toolName(), r.text() == null ? "" : r.text(), Boolean.TRUE.equals(r.isError()));
                ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                if (last != null && last.role() == dev.fusion.model.MessageRole.USER && !last.toolResults().isEmpty()) {
                    messages.set(messages.size() - 1, last.with(List.of(result)));
                } else {
                    messages.add(ChatMessage.toolResults(List.of(result)));
                }
            } else {
                unsupported.add("message " + i + ": a " + m.type() + " message");
            }
        }
        if (!unsupported.isEmpty()) {
            throw new UnsupportedFeatureException("Fusion cannot honour this LangChain4j request: "
                    + String.join("; ", unsupported));
        }
        dev.fusion.model.ResponseFormat format = Schemas.toFusion(request.responseFormat());
        if (format != null && !messages.isEmpty()) {
            int last = messages.size() - 1;
            ChatMessage question = messages.get(last);
            if (question.role() == dev.fusion.model.MessageRole.USER) {
                messages.set(last, ChatMessage.user(question.content() + instruction(format)));
            }
        }
        FusionRequest.Builder b = FusionRequest.builder().messages(messages);
        if (!system.isEmpty()) {
            b.system(system.toString());
        }
        if (request.maxOutputTokens() != null) {
            b.maxOutputTokens(request.maxOutputTokens());
        }
        if (request.temperature() != null) {
            b.temperature(request.temperature());
        }
        if (format != null) {
            b.responseFormat(format);
        }
        if (!tools.isEmpty()) {
            b.tools(tools);
            if (request.toolChoice() != null) {
                b.toolChoice(switch (request.toolChoice()) {
                    case AUTO -> dev.fusion.model.ToolChoice.auto();
                    case REQUIRED -> dev.fusion.model.ToolChoice.required();
                    case NONE -> dev.fusion.model.ToolChoice.none();
                });
            }
        }
        return b.build();
    }

    /**
     * The format stated in words after the question. The panel gets the format natively; the judge
     * merges answers to the question, so the words are what tell it the shape its own answer must
     * take (as AiServices does for models without native structured output).
     */
    static String instruction(dev.fusion.model.ResponseFormat format) {
        return format.type() == dev.fusion.model.ResponseFormat.Type.JSON_OBJECT
                ? "\n\nAnswer with one JSON object only, no other text."
                : "\n\nAnswer with JSON only, no other text, valid against this JSON Schema:\n" + format.schema();
    }

    /**
     * A Fusion model request as a LangChain4j request (the seed has no LangChain4j counterpart and is
     * dropped); a response format goes along (a schema as LangChain4j's {@code JsonRawSchema}).
     */
    public static ChatRequest toChatRequest(ModelRequest request) {
        // tools go as tool specifications (their schemas as raw JSON, property by property), assistant tool calls
        // as tool execution requests, tool results as tool execution result messages (the error flag kept); a
        // named tool choice has no LangChain4j form and becomes REQUIRED (the fusion still checks the name)
        List<dev.langchain4j.data.message.ChatMessage> messages = new ArrayList<>();
        if (request.system() != null && !request.system().isBlank()) {
            messages.add(SystemMessage.from(request.system()));
        }
        for (ChatMessage m : request.messages()) {
            if (m.role() == dev.fusion.model.MessageRole.ASSISTANT && !m.toolCalls().isEmpty()) {
                List<dev.langchain4j.agent.tool.ToolExecutionRequest> calls = new ArrayList<>();
                for (dev.fusion.model.ToolCall c : m.toolCalls()) {
                    calls.add(dev.langchain4j.agent.tool.ToolExecutionRequest.builder().id(c.id()).name(c.name())
                            .arguments(c.argumentsJson()).build());
                }
                messages.add(m.content().isBlank() ? AiMessage.from(calls) : AiMessage.from(m.content(), calls));
            } else if (m.role() == dev.fusion.model.MessageRole.USER && !m.toolResults().isEmpty()) {
                for (dev.fusion.model.ToolResult r : m.toolResults()) {
                    messages.add(dev.langchain4j.data.message.ToolExecutionResultMessage.builder().id(r.callId())
                            .toolName(r.name()).text(r.content()).isError(r.error()).build());
                }
                if (!m.content().isBlank()) {
                    messages.add(UserMessage.from(m.content()));
                }
            } else if (m.role() == dev.fusion.model.MessageRole.USER && m.hasImages()) {
                List<dev.langchain4j.data.message.Content> contents = new ArrayList<>();
                for (dev.fusion.model.ContentPart p : m.parts()) {
                    if (p instanceof dev.fusion.model.ContentPart.Text t) {
                        contents.add(dev.langchain4j.data.message.TextContent.from(t.text()));
                    } else if (p instanceof dev.fusion.model.ContentPart.Image img) {
                        contents.add(dev.langchain4j.data.message.ImageContent.from(img.base64(), img.mediaType()));
                    } else if (p instanceof dev.fusion.model.ContentPart.ImageUrl url) {
                        contents.add(dev.langchain4j.data.message.ImageContent.from(java.net.URI.create(url.url())));
                    }
                }
                messages.add(UserMessage.from(contents));
            } else {
                messages.add(switch (m.role()) {
                    case USER -> UserMessage.from(m.content());
                    case ASSISTANT -> AiMessage.from(m.content());
                });
            }
        }
        ChatRequest.Builder b = ChatRequest.builder().messages(messages).maxOutputTokens(request.maxOutputTokens())
                .temperature(request.temperature())
                .responseFormat(Schemas.toLangChain4j(request.responseFormat()));
        if (request.hasTools()) {
            List<dev.langchain4j.agent.tool.ToolSpecification> specs = new ArrayList<>();
            for (dev.fusion.model.ToolSpec t : request.tools()) {
                specs.add(dev.langchain4j.agent.tool.ToolSpecification.builder().name(t.name()).description(t.description())
                        .parameters(Schemas.toObjectSchema(t.parametersObject())).build());
            }
            b.toolSpecifications(specs);
            dev.fusion.model.ToolChoice choice = request.toolChoice();
            if (choice != null) {
                b.toolChoice(switch (choice.mode()) {
                    case AUTO -> dev.langchain4j.model.chat.request.ToolChoice.AUTO;
                    case REQUIRED, NAMED -> dev.langchain4j.model.chat.request.ToolChoice.REQUIRED;
                    case NONE -> dev.langchain4j.model.chat.request.ToolChoice.NONE;
                });
            }
        }
        return b.build();
    }
}
