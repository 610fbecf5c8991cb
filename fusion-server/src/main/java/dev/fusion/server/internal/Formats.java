package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.CallRecord;
import dev.fusion.FusionResult;
import dev.fusion.cost.Usage;
import dev.fusion.model.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three APIs' answer shapes, whole and streamed, as the official SDKs parse them. One instance per
 * response; a streamed one is used by one stream at a time (the sequence number is its only state).
 */
public abstract sealed class Formats {

    final String askId;
    final String model;
    final long created;
    /** The client asked for at most one call per step: a decision of several reaches it as its first call. */
    boolean singleCall;

    Formats(String askId, String model, long created) {
        this.askId = askId;
        this.model = model;
        this.created = created;
    }

    public static Formats of(Api api, String askId, String model, long created, boolean includeUsage) {
        return of(api, askId, model, created, includeUsage, false);
    }

    /**
     * As {@link #of(Api, String, String, long, boolean, boolean)}; with {@code singleCall} a decision of several tool
     * calls is answered with its first call only (the client sent {@code parallel_tool_calls: false} or
     * {@code disable_parallel_tool_use: true}).
     */
    public static Formats of(Api api, String askId, String model, long created, boolean includeUsage, boolean tools,
                             boolean singleCall) {
        Formats f = of(api, askId, model, created, includeUsage, tools);
        f.singleCall = singleCall;
        return f;
    }

    /** The decided calls the client receives: all of them, or the first when it asked for one call per step. */
    List<ToolCall> calls(FusionResult r) {
        List<ToolCall> all = r.toolCalls();
        return singleCall && all.size() > 1 ? all.subList(0, 1) : all;
    }

    /**
     * @param tools whether the request offered tools: then a streamed answer opens its text block or item only
     *              when text arrives, so a step that only calls tools has no empty text block before its calls
     */
    public static Formats of(Api api, String askId, String model, long created, boolean includeUsage, boolean tools) {
        return switch (api) {
            case CHAT -> new Chat(askId, model, created, includeUsage);
            case MESSAGES -> new Messages(askId, model, created, tools);
            case RESPONSES -> new Responses(askId, model, created, tools);
        };
    }

    /** How many pieces a streamed call's arguments are sent in at most (clients concatenate them). */
    static final int ARGUMENT_PIECES = 3;

    /** A call's arguments cut in up to {@link #ARGUMENT_PIECES} pieces, as providers stream them. */
    static List<String> argumentPieces(String arguments) {
        List<String> out = new ArrayList<>();
        int n = arguments.length();
        int size = Math.max(1, (n + ARGUMENT_PIECES - 1) / ARGUMENT_PIECES);
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + size);
            if (end < n && Character.isHighSurrogate(arguments.charAt(end - 1))) {
                end++;
            }
            out.add(arguments.substring(i, end));
            i = end;
        }
        return out;
    }

    /** The whole answer. */
    public abstract ObjectNode whole(FusionResult r);

    /** Frames sent before the first event. */
    public abstract List<String> start();

    /** A piece of the answer. */
    public abstract String delta(String text);

    /** Frames that end a successful stream. */
    public abstract List<String> finish(FusionResult r, String fullText);

    /** Frames that end a failed stream. */
    public abstract List<String> error(ApiError e);

    /** {@code text} as a JSON string literal, quotes included, escaped as Jackson writes it. */
    static String quoted(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        appendQuoted(sb, text);
        return sb.toString();
    }

    static void appendQuoted(StringBuilder sb, String text) {
        sb.append('"');
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text, sb);
        sb.append('"');
    }

    static String data(ObjectNode n) {
        return "data: " + Json.write(n) + "\n\n";
    }

    static String event(String name, ObjectNode n) {
        return "event: " + name + "\ndata: " + Json.write(n) + "\n\n";
    }

    static String finishReason(FusionResult r, String stop, String length) {
        return finishReason(r, stop, length, stop);
    }

    /** {@code tools} when the fusion decided tool calls, else {@code length} or {@code stop} as the answer ended. */
    static String finishReason(FusionResult r, String stop, String length, String tools) {
        if (r.hasToolCalls()) {
            return tools;
        }
        String f = r.judge().map(CallRecord::finishReason).orElse(null);
        if (f == null && !r.judged()) {
            f = r.panel().stream().filter(CallRecord::isOk).map(CallRecord::finishReason).findFirst().orElse(null);
        }
        f = f == null ? "" : f.toLowerCase(Locale.ROOT);
        return f.equals("length") || f.equals("max_tokens") || f.equals("max_output_tokens") ? length : stop;
    }

    // ------------------------------------------------------------------ OpenAI chat completions

    static final class Chat extends Formats {
        private final boolean includeUsage;
        private String head;
        private String deltaPrefix;
        private String deltaSuffix;

        Chat(String askId, String model, long created, boolean includeUsage) {
            super("chatcmpl-" + askId, model, created);
            this.includeUsage = includeUsage;
        }

        static ObjectNode usage(FusionResult r) {
            Usage u = r.totalUsage();
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("prompt_tokens", u.promptTokens());
            n.put("completion_tokens", u.completionTokens());
            n.put("total_tokens", u.totalTokens());
            n.putObject("prompt_tokens_details").put("cached_tokens", u.cacheRead()).put("cache_write_tokens", u.cacheWrite());
            n.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoning());
            Json.putUsd(n, "cost", Ledger.usageCost(r));
            return n;
        }

        @Override
        public ObjectNode whole(FusionResult r) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", askId);
            o.put("object", "chat.completion");
            o.put("created", created);
            o.put("model", model);
            ObjectNode c = o.putArray("choices").addObject();
            c.put("index", 0);
            ObjectNode m = c.putObject("message");
            m.put("role", "assistant");
            if (r.hasToolCalls() && r.answer().isEmpty()) {
                m.putNull("content");
            } else {
                m.put("content", r.answer());
            }
            m.putNull("refusal");
            m.putArray("annotations");
            if (r.hasToolCalls()) {
                ArrayNode calls = m.putArray("tool_calls");
                for (ToolCall call : calls(r)) {
                    ObjectNode tc = calls.addObject().put("id", call.id()).put("type", "function");
                    tc.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
                }
            }
            c.putNull("logprobs");
            c.put("finish_reason", finishReason(r, "stop", "length", "tool_calls"));
            o.set("usage", usage(r));
            o.putNull("system_fingerprint");
            return o;
        }

        private ObjectNode chunk() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", askId);
            o.put("object", "chat.completion.chunk");
            o.put("created", created);
            o.put("model", model);
            o.putNull("system_fingerprint");
            return o;
        }

        private ObjectNode choiceChunk(ObjectNode delta, String finish) {
            ObjectNode o = chunk();
            ObjectNode c = o.putArray("choices").addObject();
            c.put("index", 0);
            c.set("delta", delta);
            c.putNull("logprobs");
            if (finish == null) {
                c.putNull("finish_reason");
            } else {
                c.put("finish_reason", finish);
            }
            if (includeUsage) {
                o.putNull("usage");
            }
            return o;
        }

        /**
         * The frames of a stream are written from text made once per stream ({@code data: {"id":…,"system_fingerprint":null,}}),
         * byte for byte what the tree of each chunk writes (pinned by {@code StreamDeltaEncodingTest}): a chunk's tree
         * and its serialization cost more than the rest of the event's work.
         */
        private String head() {
            if (head == null) {
                head = "data: {\"id\":" + quoted(askId) + ",\"object\":\"chat.completion.chunk\",\"created\":" + created
                        + ",\"model\":" + quoted(model) + ",\"system_fingerprint\":null,";
                deltaPrefix = head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":";
                deltaSuffix = "}" + choiceEnd(null);
            }
            return head;
        }

        /** What follows a choice's delta: its logprobs and finish reason, the usage placeholder, the frame's end. */
        private String choiceEnd(String finish) {
            return ",\"logprobs\":null,\"finish_reason\":" + (finish == null ? "null" : quoted(finish)) + "}]"
                    + (includeUsage ? ",\"usage\":null" : "") + "}\n\n";
        }

        @Override
        public List<String> start() {
            return List.of(head() + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"
                    + choiceEnd(null));
        }

        /** The last choice chunk: an empty delta and the finish reason. */
        String finishChunk(String finish) {
            return head() + "\"choices\":[{\"index\":0,\"delta\":{}" + choiceEnd(finish);
        }

        /** The usage chunk: no choices, the fusion's usage. */
        String usageChunk(ObjectNode usage) {
            return head() + "\"choices\":[],\"usage\":" + Json.write(usage) + "}\n\n";
        }

        /**
         * A text piece is the most frequent frame of a stream: written straight from a prefix and suffix made once
         * per stream around the escaped text, byte for byte what {@code data(choiceChunk({content}, null))} writes.
         */
        @Override
        public String delta(String text) {
            head();
            StringBuilder sb = new StringBuilder(deltaPrefix.length() + deltaSuffix.length() + text.length() + 8);
            sb.append(deltaPrefix);
            appendQuoted(sb, text);
            return sb.append(deltaSuffix).toString();
        }

        @Override
        public List<String> finish(FusionResult r, String fullText) {
            List<String> out = new ArrayList<>();
            int index = 0;
            for (ToolCall call : calls(r)) {
                // the first piece names the call, the rest carry its arguments, as OpenAI streams them
                ObjectNode d = Json.MAPPER.createObjectNode();
                ObjectNode tc = d.putArray("tool_calls").addObject().put("index", index).put("id", call.id()).put("type", "function");
                tc.putObject("function").put("name", call.name()).put("arguments", "");
                out.add(data(choiceChunk(d, null)));
                for (String piece : argumentPieces(call.argumentsJson())) {
                    ObjectNode a = Json.MAPPER.createObjectNode();
                    a.putArray("tool_calls").addObject().put("index", index).putObject("function").put("arguments", piece);
                    out.add(data(choiceChunk(a, null)));
                }
                index++;
            }
            out.add(finishChunk(finishReason(r, "stop", "length", "tool_calls")));
            if (includeUsage) {
                out.add(usageChunk(usage(r)));
            }
            out.add("data: [DONE]\n\n");
            return out;
        }

        @Override
        public List<String> error(ApiError e) {
            return List.of(data(e.openAi()), "data: [DONE]\n\n");
        }
    }

    // ------------------------------------------------------------------ Anthropic messages

    static final class Messages extends Formats {
        private final boolean lazyText;
        private boolean textOpen;

        Messages(String askId, String model, long created, boolean tools) {
            super("msg_" + askId, model, created);
            this.lazyText = tools;
        }

        static ObjectNode usage(FusionResult r) {
            Usage u = r.totalUsage();
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("input_tokens", u.input());
            n.put("cache_creation_input_tokens", u.cacheWrite());
            n.put("cache_read_input_tokens", u.cacheRead());
            n.put("output_tokens", u.completionTokens());
            Json.putUsd(n, "cost", Ledger.usageCost(r));
            return n;
        }

        private ObjectNode message() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", askId);
            o.put("type", "message");
            o.put("role", "assistant");
            o.put("model", model);
            return o;
        }

        @Override
        public ObjectNode whole(FusionResult r) {
            ObjectNode o = message();
            ArrayNode content = o.putArray("content");
            if (!r.hasToolCalls() || !r.answer().isEmpty()) {
                content.addObject().put("type", "text").put("text", r.answer());
            }
            for (ToolCall call : calls(r)) {
                content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
                        .set("input", call.hasObjectArguments() ? call.arguments() : Json.MAPPER.createObjectNode());
            }
            o.put("stop_reason", finishReason(r, "end_turn", "max_tokens", "tool_use"));
            o.putNull("stop_sequence");
            o.set("usage", usage(r));
            return o;
        }

        @Override
        public List<String> start() {
            ObjectNode m = message();
            m.putArray("content");
            m.putNull("stop_reason");
            m.putNull("stop_sequence");
            m.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
            ObjectNode start = Json.MAPPER.createObjectNode().put("type", "message_start");
            start.set("message", m);
            ObjectNode ping = Json.MAPPER.createObjectNode().put("type", "ping");
            if (lazyText) {
                return List.of(event("message_start", start), event("ping", ping));
            }
            textOpen = true;
            return List.of(event("message_start", start), textBlockStart(), event("ping", ping));
        }

        private static String textBlockStart() {
            ObjectNode block = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", 0);
            block.putObject("content_block").put("type", "text").put("text", "");
            return event("content_block_start", block);
        }

        private static final String DELTA_PREFIX = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":";

        /** Written directly around the escaped text, byte for byte what the tree of the event writes. */
        @Override
        public String delta(String text) {
            StringBuilder sb = new StringBuilder(DELTA_PREFIX.length() + text.length() + 16);
            if (!textOpen) {
                textOpen = true;
                sb.append(textBlockStart());
            }
            sb.append(DELTA_PREFIX);
            appendQuoted(sb, text);
            return sb.append("}}\n\n").toString();
        }

        @Override
        public List<String> finish(FusionResult r, String fullText) {
            List<String> out = new ArrayList<>();
            int index = 0;
            if (!textOpen && !r.hasToolCalls()) {
                textOpen = true;
                out.add(textBlockStart());
            }
            if (textOpen) {
                out.add(event("content_block_stop", Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", 0)));
                index = 1;
            }
            for (ToolCall call : calls(r)) {
                ObjectNode block = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
                block.putObject("content_block").put("type", "tool_use").put("id", call.id()).put("name", call.name())
                        .putObject("input");
                out.add(event("content_block_start", block));
                for (String piece : argumentPieces(call.argumentsJson())) {
                    ObjectNode d = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
                    d.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
                    out.add(event("content_block_delta", d));
                }
                out.add(event("content_block_stop", Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", index)));
                index++;
            }
            ObjectNode md = Json.MAPPER.createObjectNode().put("type", "message_delta");
            md.putObject("delta").put("stop_reason", finishReason(r, "end_turn", "max_tokens", "tool_use")).putNull("stop_sequence");
            md.set("usage", usage(r));
            out.add(event("message_delta", md));
            out.add(event("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop")));
            return out;
        }

        @Override
        public List<String> error(ApiError e) {
            return List.of(event("error", e.anthropic()));
        }
    }

    // ------------------------------------------------------------------ OpenAI responses

    static final class Responses extends Formats {
        private int seq;
        private final String itemId;
        private final boolean lazyText;
        private boolean textOpen;

        Responses(String askId, String model, long created, boolean tools) {
            super("resp_" + askId, model, created);
            this.itemId = "msg_" + askId;
            this.lazyText = tools;
        }

        private String callItemId(int i) {
            return "fc_" + askId.substring("resp_".length()) + "_" + i;
        }

        private ObjectNode callItem(int i, ToolCall call, String status, String arguments) {
            return Json.MAPPER.createObjectNode().put("type", "function_call").put("id", callItemId(i)).put("call_id", call.id())
                    .put("name", call.name()).put("arguments", arguments).put("status", status);
        }

        static ObjectNode usage(FusionResult r) {
            Usage u = r.totalUsage();
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("input_tokens", u.promptTokens());
            n.putObject("input_tokens_details").put("cached_tokens", u.cacheRead());
            n.put("output_tokens", u.completionTokens());
            n.putObject("output_tokens_details").put("reasoning_tokens", u.reasoning());
            n.put("total_tokens", u.totalTokens());
            Json.putUsd(n, "cost", Ledger.usageCost(r));
            return n;
        }

        private ObjectNode response(String status) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", askId);
            o.put("object", "response");
            o.put("created_at", created);
            o.put("status", status);
            o.putNull("error");
            o.putNull("incomplete_details");
            o.putNull("instructions");
            o.putNull("max_output_tokens");
            o.put("model", model);
            o.putArray("output");
            o.put("parallel_tool_calls", false);
            o.putNull("previous_response_id");
            o.putNull("temperature");
            o.put("tool_choice", "none");
            o.putArray("tools");
            o.putNull("top_p");
            o.putObject("text").putObject("format").put("type", "text");
            o.putNull("usage");
            o.putObject("metadata");
            return o;
        }

        private ObjectNode item(String status, String text) {
            ObjectNode i = Json.MAPPER.createObjectNode();
            i.put("type", "message");
            i.put("id", itemId);
            i.put("status", status);
            i.put("role", "assistant");
            ArrayNode content = i.putArray("content");
            if (text != null) {
                content.add(part(text));
            }
            return i;
        }

        private static ObjectNode part(String text) {
            ObjectNode p = Json.MAPPER.createObjectNode().put("type", "output_text").put("text", text);
            p.putArray("annotations");
            return p;
        }

        @Override
        public ObjectNode whole(FusionResult r) {
            ObjectNode o = response("completed");
            ArrayNode output = (ArrayNode) o.get("output");
            if (!r.hasToolCalls() || !r.answer().isEmpty()) {
                output.add(item("completed", r.answer()));
            }
            int i = 0;
            for (ToolCall call : calls(r)) {
                output.add(callItem(i++, call, "completed", call.argumentsJson()));
            }
            if (r.hasToolCalls()) {
                o.put("tool_choice", "auto");
            }
            o.set("usage", usage(r));
            return o;
        }

        private String ev(String type, ObjectNode n) {
            ObjectNode e = Json.MAPPER.createObjectNode().put("type", type).put("sequence_number", seq++);
            e.setAll(n);
            return event(type, e);
        }

        private ObjectNode obj() {
            return Json.MAPPER.createObjectNode();
        }

        @Override
        public List<String> start() {
            ObjectNode created = obj();
            created.set("response", response("in_progress"));
            ObjectNode progress = obj();
            progress.set("response", response("in_progress"));
            if (lazyText) {
                return List.of(ev("response.created", created), ev("response.in_progress", progress));
            }
            textOpen = true;
            List<String> out = new ArrayList<>(List.of(ev("response.created", created), ev("response.in_progress", progress)));
            out.addAll(openText());
            return out;
        }

        private List<String> openText() {
            ObjectNode added = obj().put("output_index", 0);
            added.set("item", item("in_progress", null));
            ObjectNode part = obj().put("item_id", itemId).put("output_index", 0).put("content_index", 0);
            part.set("part", part(""));
            return List.of(ev("response.output_item.added", added), ev("response.content_part.added", part));
        }

        @Override
        public String delta(String text) {
            String open = "";
            if (!textOpen) {
                textOpen = true;
                open = String.join("", openText());
            }
            // written directly around the escaped text, byte for byte what the tree of the event writes
            StringBuilder sb = new StringBuilder(open.length() + text.length() + 200).append(open)
                    .append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":")
                    .append(seq++).append(",\"item_id\":");
            appendQuoted(sb, itemId);
            sb.append(",\"output_index\":0,\"content_index\":0,\"delta\":");
            appendQuoted(sb, text);
            return sb.append(",\"logprobs\":[]}\n\n").toString();
        }

        @Override
        public List<String> finish(FusionResult r, String fullText) {
            List<String> out = new ArrayList<>();
            if (!textOpen && !r.hasToolCalls()) {
                textOpen = true;
                out.addAll(openText());
            }
            int outputIndex = 0;
            if (textOpen) {
                out.addAll(textDone(fullText));
                outputIndex = 1;
            }
            int i = 0;
            for (ToolCall call : calls(r)) {
                ObjectNode added = obj().put("output_index", outputIndex);
                added.set("item", callItem(i, call, "in_progress", ""));
                out.add(ev("response.output_item.added", added));
                for (String piece : argumentPieces(call.argumentsJson())) {
                    out.add(ev("response.function_call_arguments.delta", obj().put("item_id", callItemId(i))
                            .put("output_index", outputIndex).put("delta", piece)));
                }
                out.add(ev("response.function_call_arguments.done", obj().put("item_id", callItemId(i))
                        .put("output_index", outputIndex).put("name", call.name()).put("arguments", call.argumentsJson())));
                ObjectNode itemDone = obj().put("output_index", outputIndex);
                itemDone.set("item", callItem(i, call, "completed", call.argumentsJson()));
                out.add(ev("response.output_item.done", itemDone));
                i++;
                outputIndex++;
            }
            ObjectNode completed = obj();
            completed.set("response", whole(r));
            out.add(ev("response.completed", completed));
            return out;
        }

        private List<String> textDone(String fullText) {
            ObjectNode done = obj().put("item_id", itemId).put("output_index", 0).put("content_index", 0).put("text", fullText);
            done.putArray("logprobs");
            ObjectNode partDone = obj().put("item_id", itemId).put("output_index", 0).put("content_index", 0);
            partDone.set("part", part(fullText));
            ObjectNode itemDone = obj().put("output_index", 0);
            itemDone.set("item", item("completed", fullText));
            return List.of(ev("response.output_text.done", done), ev("response.content_part.done", partDone),
                    ev("response.output_item.done", itemDone));
        }

        @Override
        public List<String> error(ApiError e) {
            ObjectNode n = obj().put("code", e.code()).put("message", e.message()).putNull("param");
            return List.of(ev("error", n));
        }
    }

    /** Which API a request came in on. */
    public enum Api { CHAT, MESSAGES, RESPONSES }

    /** Renders an error in the API's own shape. */
    public static ObjectNode errorBody(Api api, ApiError e) {
        return api == Api.MESSAGES ? e.anthropic() : e.openAi();
    }
}
