package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.OutputMode;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic Messages, following Anthropic's API reference: "Messages" (the message object:
 * {@code type: "message"}, {@code content[]} text blocks, {@code stop_reason}, {@code usage} with
 * {@code input_tokens} (uncached only), {@code cache_creation_input_tokens},
 * {@code cache_read_input_tokens}, {@code cache_creation.{ephemeral_5m_input_tokens,
 * ephemeral_1h_input_tokens}}, {@code output_tokens}), "Streaming Messages" (event flow
 * {@code message_start} → {@code content_block_start} → {@code ping} → {@code content_block_delta}
 * ({@code text_delta})… → {@code content_block_stop} → {@code message_delta} (cumulative usage) →
 * {@code message_stop}; {@code event: error} mid-stream, e.g. {@code overloaded_error}) and
 * "Errors" ({@code {"type":"error","error":{"type","message"},"request_id"}}, 529 overloaded).
 */
public final class AnthropicDialect implements Dialect {

    @Override
    public WireFormat format() {
        return WireFormat.ANTHROPIC;
    }

    @Override
    public WireRequest parse(JsonNode body, String pathModel, boolean pathStream, String apiKey) {
        String system = Dialect.contentText(body.get("system"));
        List<WireRequest.Message> messages = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            String role = m.path("role").asText("user");
            messages.add(new WireRequest.Message(role.equals("assistant") ? "assistant" : "user",
                    Dialect.contentText(m.get("content"))));
        }
        // GA: output_config: {"format": {"type": "json_schema", "schema": {...}}}; the earlier beta: output_format
        JsonNode format = body.path("output_config").path("format");
        if (format.isMissingNode()) {
            format = body.path("output_format");
        }
        JsonNode schema = format.path("type").asText("").equals("json_schema") ? format.get("schema") : null;
        boolean structured = schema != null && schema.isObject();
        return ToolWireSandbox.anthropic(new WireRequest(WireFormat.ANTHROPIC, body.path("model").asText(""), system, messages,
                Dialect.intOrNull(body.get("max_tokens")), body.path("stream").asBoolean(false), true, apiKey, 0,
                structured ? OutputMode.JSON_SCHEMA : OutputMode.TEXT, structured ? schema.toString() : null), body);
    }

    @Override
    public Usage normalize(Usage u) {
        // Thinking tokens are billed inside output_tokens; this format has no separate count for them.
        return new Usage(u.input(), u.cacheRead(), u.cacheWrite(), u.cacheWrite1h(), u.output() + u.reasoning(), 0);
    }

    private static ObjectNode usageNode(Usage u, long outputTokens, boolean withCacheSplit) {
        ObjectNode usage = Dialect.object();
        usage.put("input_tokens", u.input());
        usage.put("cache_creation_input_tokens", u.cacheWrite());
        usage.put("cache_read_input_tokens", u.cacheRead());
        if (withCacheSplit) {
            ObjectNode cc = usage.putObject("cache_creation");
            cc.put("ephemeral_5m_input_tokens", u.cacheWrite() - u.cacheWrite1h());
            cc.put("ephemeral_1h_input_tokens", u.cacheWrite1h());
        }
        usage.put("output_tokens", outputTokens);
        return usage;
    }

    private static String stopReason(Call call) {
        if (!call.toolCalls().isEmpty()) {
            return "tool_use";
        }
        return call.clipped() ? "max_tokens" : "end_turn";
    }

    private static ObjectNode message(Call call, boolean started) {
        ObjectNode root = Dialect.object();
        root.put("id", call.id());
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", call.request().model());
        var content = root.putArray("content");
        if (!started) {
            if (!call.text().isEmpty() || call.toolCalls().isEmpty()) {
                ObjectNode block = content.addObject();
                block.put("type", "text");
                block.put("text", call.text());
            }
            ToolWireSandbox.anthropicBlocks(content, call);
        }
        if (started) {
            root.putNull("stop_reason");
        } else {
            root.put("stop_reason", stopReason(call));
        }
        root.putNull("stop_sequence");
        ObjectNode usage = usageNode(call.usage(), started ? Math.min(1, call.usage().output()) : call.usage().output(),
                true);
        usage.put("service_tier", "standard");
        root.set("usage", usage);
        return root;
    }

    @Override
    public String body(Call call) {
        return Dialect.write(message(call, false));
    }

    private static Event event(String type, ObjectNode data) {
        ObjectNode root = Dialect.object();
        root.put("type", type);
        root.setAll(data);
        return new Event(type, Dialect.write(root));
    }

    @Override
    public Stream stream(Call call) {
        List<Event> head = new ArrayList<>();
        ObjectNode start = Dialect.object();
        start.set("message", message(call, true));
        head.add(event("message_start", start));
        ObjectNode blockStart = Dialect.object();
        blockStart.put("index", 0);
        ObjectNode block = blockStart.putObject("content_block");
        block.put("type", "text");
        block.put("text", "");
        head.add(event("content_block_start", blockStart));
        head.add(event("ping", Dialect.object()));

        List<Event> deltas = new ArrayList<>();
        for (String c : call.chunks()) {
            ObjectNode d = Dialect.object();
            d.put("index", 0);
            ObjectNode delta = d.putObject("delta");
            delta.put("type", "text_delta");
            delta.put("text", c);
            deltas.add(event("content_block_delta", d));
        }

        List<Event> tail = new ArrayList<>();
        ObjectNode stop = Dialect.object();
        stop.put("index", 0);
        tail.add(event("content_block_stop", stop));
        tail.addAll(ToolWireSandbox.anthropicEvents(call, 1));
        ObjectNode md = Dialect.object();
        ObjectNode delta = md.putObject("delta");
        delta.put("stop_reason", stopReason(call));
        delta.putNull("stop_sequence");
        md.set("usage", usageNode(call.usage(), call.usage().output(), false)); // cumulative counts
        tail.add(event("message_delta", md));
        tail.add(event("message_stop", Dialect.object()));
        return new Stream(head, deltas, tail);
    }

    private static String[] typeAndMessage(Call call, int status) {
        switch (status) {
            case 400: return new String[] {"invalid_request_error", "Invalid request (sandbox fault)."};
            case 401: return new String[] {"authentication_error", "invalid x-api-key"};
            case 402: return new String[] {"billing_error", "Your credit balance is too low (sandbox fault)."};
            case 403: return new String[] {"permission_error", "Your API key does not have permission to use the specified resource."};
            case 404: return new String[] {"not_found_error", "model: " + call.request().model()};
            case 413: return new String[] {"request_too_large", "Request exceeds the maximum allowed number of bytes."};
            case 429: return new String[] {"rate_limit_error", "Number of requests has exceeded your rate limit (sandbox fault)."};
            case 500: return new String[] {"api_error", "Internal server error"};
            case 504: return new String[] {"timeout_error", "Request timed out"};
            case 529: return new String[] {"overloaded_error", "Overloaded"};
            default:
                return status >= 500
                        ? new String[] {"api_error", "HTTP " + status + " (sandbox fault)."}
                        : new String[] {"invalid_request_error", "HTTP " + status + " (sandbox fault)."};
        }
    }

    private static ObjectNode error(String type, String message) {
        ObjectNode root = Dialect.object();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", type);
        error.put("message", message);
        return root;
    }

    @Override
    public String errorBody(Call call, int status, String message) {
        String[] tm = typeAndMessage(call, status);
        ObjectNode root = error(tm[0], message != null ? message : tm[1]);
        root.put("request_id", requestId(call));
        return Dialect.write(root);
    }

    @Override
    public Event streamError(Call call, String message) {
        ObjectNode root = error("overloaded_error", message != null ? message : "Overloaded");
        return new Event("error", Dialect.write(root));
    }

    private static String requestId(Call call) {
        return "req_" + call.id();
    }

    @Override
    public void headers(Call call, java.util.function.BiConsumer<String, String> header) {
        header.accept("request-id", requestId(call));
    }
}
