package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;

import java.util.List;

/** One provider's wire format: how requests are read and answers, streams and errors are written. */
public interface Dialect {

    ObjectMapper JSON = new ObjectMapper();

    WireFormat format();

    /**
     * Reads a request body. {@code pathModel} is the model named by the path (Gemini), or null;
     * {@code pathStream} whether the path asks for a stream (Gemini {@code :streamGenerateContent}).
     */
    WireRequest parse(JsonNode body, String pathModel, boolean pathStream, String apiKey);

    /** The usage as this format can report it (buckets it cannot express folded the way the provider does). */
    Usage normalize(Usage usage);

    /** The complete non-streamed success body. */
    String body(Call call);

    /** The streamed answer in three parts, so faults can cut it at the right place. */
    Stream stream(Call call);

    /** The error body for an HTTP error status. {@code message} may be null (the standard message). */
    String errorBody(Call call, int status, String message);

    /** An error delivered in-band inside a 200 stream (one event). */
    Event streamError(Call call, String message);

    /** The separator after each SSE event. */
    default String eventEnd() {
        return "\n\n";
    }

    /** Extra response headers on every response of this format (e.g. a request id). */
    default void headers(Call call, java.util.function.BiConsumer<String, String> header) {
    }

    /**
     * One answered request as rendered: identifiers, the (possibly clipped) text and its chunks,
     * the usage reported and whether the answer was cut by the max-tokens limit.
     */
    record Call(WireRequest request, String id, long createdEpochSeconds, String text, List<String> chunks,
                Usage usage, boolean clipped, List<dev.fusion.sandbox.Reply.ToolCall> toolCalls) {

        public Call {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        /** A call without tool calls. */
        public Call(WireRequest request, String id, long createdEpochSeconds, String text, List<String> chunks,
                    Usage usage, boolean clipped) {
            this(request, id, createdEpochSeconds, text, chunks, usage, clipped, List.of());
        }
    }

    /** One server-sent event; {@code name} null for data-only events. */
    record Event(String name, String data) {
        public String render(String end) {
            return (name != null ? "event: " + name + "\n" : "") + "data: " + data + end;
        }
    }

    /**
     * A stream: {@code head} (before any text), {@code deltas} (one per text chunk) and
     * {@code tail} (finish, usage and terminal events).
     */
    record Stream(List<Event> head, List<Event> deltas, List<Event> tail) {
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text of a content value that is either a string or an array of parts with {@code text}. */
    static String contentText(JsonNode content) {
        if (content == null || content.isMissingNode() || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode part : content) {
                JsonNode t = part.isTextual() ? part : part.get("text");
                if (t != null && t.isTextual()) {
                    if (sb.length() > 0) {
                        sb.append('\n');
                    }
                    sb.append(t.asText());
                }
            }
        }
        return sb.toString();
    }

    static Integer intOrNull(JsonNode n) {
        return n != null && n.isNumber() ? n.asInt() : null;
    }
}
