package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.OutputMode;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI Chat Completions, following the OpenAI API reference: "The chat completion object"
 * ({@code object: "chat.completion"}, {@code choices[].message}, {@code finish_reason},
 * {@code usage} with {@code prompt_tokens_details.cached_tokens} and
 * {@code completion_tokens_details.reasoning_tokens}), "The chat completion chunk object"
 * ({@code object: "chat.completion.chunk"}, {@code choices[].delta}; with
 * {@code stream_options.include_usage} every chunk carries {@code "usage": null} and one extra chunk
 * with {@code "choices": []} and the full usage precedes {@code data: [DONE]}), and the error
 * object {@code {"error":{"message","type","param","code"}}} from the API's error responses.
 * Two OpenRouter extensions of this format (openrouter.ai docs, "Usage accounting",
 * "Errors"/"Streaming"): {@code prompt_tokens_details.cache_write_tokens}, and the in-band
 * mid-stream error chunk with a top-level {@code error} and {@code finish_reason: "error"}.
 */
public final class OpenAiDialect implements Dialect {

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public WireRequest parse(JsonNode body, String pathModel, boolean pathStream, String apiKey) {
        StringBuilder system = new StringBuilder();
        List<WireRequest.Message> messages = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            String role = m.path("role").asText("user");
            String text = Dialect.contentText(m.get("content"));
            if (role.equals("system") || role.equals("developer")) {
                if (system.length() > 0) {
                    system.append('\n');
                }
                system.append(text);
            } else {
                messages.add(new WireRequest.Message(role.equals("assistant") ? "assistant" : "user", text));
            }
        }
        Integer max = Dialect.intOrNull(body.get("max_completion_tokens"));
        if (max == null) {
            max = Dialect.intOrNull(body.get("max_tokens"));
        }
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        // response_format: {"type":"json_schema","json_schema":{"name","schema","strict"}} or {"type":"json_object"}
        JsonNode rf = body.path("response_format");
        String type = rf.path("type").asText("");
        JsonNode schema = rf.path("json_schema").get("schema");
        OutputMode mode = type.equals("json_schema") && schema != null && schema.isObject() ? OutputMode.JSON_SCHEMA
                : type.equals("json_object") || type.equals("json_schema") ? OutputMode.JSON : OutputMode.TEXT;
        return ToolWireSandbox.openAi(new WireRequest(WireFormat.OPENAI, body.path("model").asText(""), system.toString(), messages, max,
                stream, !stream || includeUsage, apiKey, 0, mode, mode == OutputMode.JSON_SCHEMA ? schema.toString() : null), body);
    }

    @Override
    public Usage normalize(Usage u) {
        // No 1-hour split in this format; cache writes are reported (OpenRouter) as one number.
        return new Usage(u.input(), u.cacheRead(), u.cacheWrite(), 0, u.output(), u.reasoning());
    }

    private static ObjectNode usageNode(Usage u) {
        ObjectNode usage = Dialect.object();
        usage.put("prompt_tokens", u.promptTokens());
        usage.put("completion_tokens", u.completionTokens());
        usage.put("total_tokens", u.totalTokens());
        ObjectNode pd = usage.putObject("prompt_tokens_details");
        pd.put("cached_tokens", u.cacheRead());
        pd.put("audio_tokens", 0);
        if (u.cacheWrite() > 0) {
            pd.put("cache_write_tokens", u.cacheWrite());
        }
        ObjectNode cd = usage.putObject("completion_tokens_details");
        cd.put("reasoning_tokens", u.reasoning());
        cd.put("audio_tokens", 0);
        cd.put("accepted_prediction_tokens", 0);
        cd.put("rejected_prediction_tokens", 0);
        return usage;
    }

    private static String finish(Call call) {
        if (!call.toolCalls().isEmpty()) {
            return "tool_calls";
        }
        return call.clipped() ? "length" : "stop";
    }

    @Override
    public String body(Call call) {
        ObjectNode root = Dialect.object();
        root.put("id", call.id());
        root.put("object", "chat.completion");
        root.put("created", call.createdEpochSeconds());
        root.put("model", call.request().model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", call.text());
        message.putNull("refusal");
        message.putArray("annotations");
        ToolWireSandbox.openAiMessage(message, call);
        choice.putNull("logprobs");
        choice.put("finish_reason", finish(call));
        root.set("usage", usageNode(call.usage()));
        root.put("service_tier", "default");
        root.put("system_fingerprint", "fp_sandbox");
        return Dialect.write(root);
    }

    private static ObjectNode chunk(Call call) {
        ObjectNode root = Dialect.object();
        root.put("id", call.id());
        root.put("object", "chat.completion.chunk");
        root.put("created", call.createdEpochSeconds());
        root.put("model", call.request().model());
        root.put("service_tier", "default");
        root.put("system_fingerprint", "fp_sandbox");
        return root;
    }

    private static Event choiceChunk(Call call, ObjectNode delta, String finishReason) {
        ObjectNode root = chunk(call);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (call.request().includeUsage()) {
            root.putNull("usage");
        }
        return new Event(null, Dialect.write(root));
    }

    @Override
    public Stream stream(Call call) {
        ObjectNode first = Dialect.object();
        first.put("role", "assistant");
        first.put("content", "");
        first.putNull("refusal");
        List<Event> head = List.of(choiceChunk(call, first, null));
        List<Event> deltas = new ArrayList<>();
        for (String c : call.chunks()) {
            ObjectNode d = Dialect.object();
            d.put("content", c);
            deltas.add(choiceChunk(call, d, null));
        }
        List<Event> tail = new ArrayList<>();
        for (ObjectNode d : ToolWireSandbox.openAiDeltas(call)) {
            tail.add(choiceChunk(call, d, null));
        }
        tail.add(choiceChunk(call, Dialect.object(), finish(call)));
        if (call.request().includeUsage()) {
            ObjectNode usageChunk = chunk(call);
            usageChunk.putArray("choices");
            usageChunk.set("usage", usageNode(call.usage()));
            tail.add(new Event(null, Dialect.write(usageChunk)));
        }
        tail.add(new Event(null, "[DONE]"));
        return new Stream(head, deltas, tail);
    }

    @Override
    public String errorBody(Call call, int status, String message) {
        String type;
        String code;
        String text;
        switch (status) {
            case 400:
                type = "invalid_request_error"; code = null; text = "Invalid request (sandbox fault).";
                break;
            case 401:
                type = "invalid_request_error"; code = "invalid_api_key";
                text = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.";
                break;
            case 403:
                type = "invalid_request_error"; code = "permission_denied"; text = "You are not allowed to use this model.";
                break;
            case 404:
                type = "invalid_request_error"; code = "model_not_found";
                text = "The model `" + call.request().model() + "` does not exist or you do not have access to it.";
                break;
            case 429:
                type = "requests"; code = "rate_limit_exceeded";
                text = "Rate limit reached for requests (sandbox fault). Please try again later.";
                break;
            case 500:
                type = "server_error"; code = null;
                text = "The server had an error while processing your request. Sorry about that!";
                break;
            case 503:
                type = "server_error"; code = null; text = "The engine is currently overloaded, please try again later.";
                break;
            default:
                type = status >= 500 ? "server_error" : "invalid_request_error"; code = null;
                text = "HTTP " + status + " (sandbox fault).";
        }
        ObjectNode root = Dialect.object();
        ObjectNode error = root.putObject("error");
        error.put("message", message != null ? message : text);
        error.put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return Dialect.write(root);
    }

    @Override
    public Event streamError(Call call, String message) {
        // OpenRouter's mid-stream error: a chunk with a top-level error and finish_reason "error", under HTTP 200.
        ObjectNode root = chunk(call);
        root.put("provider", "sandbox");
        ObjectNode error = root.putObject("error");
        error.put("code", "server_error");
        error.put("message", message != null ? message : "Provider disconnected unexpectedly (sandbox fault).");
        ArrayNode choices = root.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.putObject("delta").put("content", "");
        choice.put("finish_reason", "error");
        return new Event(null, Dialect.write(root));
    }

    @Override
    public void headers(Call call, java.util.function.BiConsumer<String, String> header) {
        header.accept("x-request-id", "req_" + call.id());
    }
}
