package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolChoice;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.fusion.providers.TestSupport.body;
import static dev.fusion.providers.TestSupport.dataEvents;
import static dev.fusion.providers.TestSupport.json;
import static dev.fusion.providers.TestSupport.sse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calling over real HTTP on the three wire formats, streamed and not: the request bodies are
 * asserted whole (tools, tool choice, tool-call turns, tool results with their error flag), the answers'
 * calls parsed (parallel calls, arguments split over many deltas), Gemini's thought signatures sent back
 * byte for byte, and usage exact as for text answers. Fixtures follow the providers' function-calling docs.
 */
class ToolCallingWireTest {

    @StartStop
    final MockWebServer openai = new MockWebServer();
    @StartStop
    final MockWebServer anthropic = new MockWebServer();
    @StartStop
    final MockWebServer gemini = new MockWebServer();

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final String WEATHER_SCHEMA =
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"]}";
    private static final ToolSpec WEATHER = ToolSpec.of("get_weather", "Current weather for a city", WEATHER_SCHEMA);
    private static final ToolSpec TIME = new ToolSpec("get_time", null, null);
    /** A Gemini 3 signature: opaque base64 with '+', '/' and padding, which must come back unchanged. */
    private static final String SIG = "CiQBVKhc7m9+Fq/3Xz0RkH5a8uQy1l2b+v0/w3Q9ZmVkZXJhdGVkLXRob3VnaHQ=";

    private ChatModel model(String ref) {
        return TestSupport.providers(openai, anthropic, gemini).model(ref);
    }

    /** The conversation of a second step: the user asked, the model called two tools, one failed. */
    private static List<ChatMessage> secondStep() {
        ToolCall paris = new ToolCall("call_a1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}");
        ToolCall time = new ToolCall("call_b2", "get_time", "{}");
        return List.of(ChatMessage.user("Weather in Paris, and the time?"),
                ChatMessage.assistant("Let me look.", List.of(paris, time)),
                ChatMessage.toolResults(List.of(ToolResult.of(paris, "{\"temp\":18}"), ToolResult.error(time, "clock offline"))));
    }

    private static ModelRequest request(List<ChatMessage> messages, ToolChoice choice) {
        return ModelRequest.builder().messages(messages).maxOutputTokens(300).tools(List.of(WEATHER, TIME))
                .toolChoice(choice).build();
    }

    private static JsonNode tree(String json) throws Exception {
        return PLAIN.readTree(json);
    }

    private static void assertBody(RecordedRequest r, String expected) throws Exception {
        assertThat(tree(body(r))).isEqualTo(tree(expected));
    }

    // ------------------------------------------------------------------ OpenAI-compatible

    @Test
    void openAiSendsToolsTurnsAndResultsAndReadsParallelCalls() throws Exception {
        // OpenAI API reference, chat completion object with message.tool_calls (parallel function calling)
        openai.enqueue(json(200, """
                {"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-test",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Oslo\\"}"}},
                   {"id":"call_y","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\",\\"unit\\":\\"f\\"}"}}],
                   "refusal":null},"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160}}"""));

        ModelResponse r = model("oai:gpt-test").call(request(secondStep(), ToolChoice.auto())).block(Duration.ofSeconds(5));

        assertThat(r.toolCalls()).containsExactly(
                new ToolCall("call_x", "get_weather", "{\"city\": \"Oslo\"}"),
                new ToolCall("call_y", "get_weather", "{\"city\":\"Rome\",\"unit\":\"f\"}"));
        assertThat(r.text()).isEmpty();
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.usage()).isEqualTo(Usage.of(120, 40));
        assertBody(openai.takeRequest(), """
                {"model":"gpt-test","messages":[
                  {"role":"user","content":"Weather in Paris, and the time?"},
                  {"role":"assistant","content":"Let me look.","tool_calls":[
                    {"id":"call_a1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\",\\"unit\\":\\"c\\"}"}},
                    {"id":"call_b2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"call_a1","content":"{\\"temp\\":18}"},
                  {"role":"tool","tool_call_id":"call_b2","content":"Error: clock offline"}],
                 "max_tokens":300,
                 "tools":[
                   {"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":%s}},
                   {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}],
                 "tool_choice":"auto"}""".formatted(WEATHER_SCHEMA));
    }

    @Test
    void openAiNamedChoiceAndAnAssistantTurnWithoutText() throws Exception {
        openai.enqueue(json(200, """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"done"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":10,"completion_tokens":1}}"""));
        ToolCall c = new ToolCall("call_1", "get_time", "{}");
        List<ChatMessage> msgs = List.of(ChatMessage.user("time?"), ChatMessage.assistant("", List.of(c)),
                ChatMessage.toolResults(List.of(ToolResult.of(c, "12:00"))));

        model("oai:gpt-test").call(request(msgs, ToolChoice.named("get_time"))).block(Duration.ofSeconds(5));

        JsonNode sent = tree(body(openai.takeRequest()));
        assertThat(sent.get("messages").get(1)).isEqualTo(tree("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"""));
        assertThat(sent.get("tool_choice")).isEqualTo(tree("{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}"));
    }

    @Test
    void openAiStreamsParallelCallsWhoseArgumentsArriveInManyPieces() throws Exception {
        String args0 = "{\"city\":\"San Francisco, CA\",\"unit\":\"c\"}";
        String args1 = "{\"city\":\"Tokyo\"}";
        List<String> chunks = new ArrayList<>();
        chunks.add(chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_s0\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null));
        // the two calls' pieces interleave; each piece a few characters, as OpenAI sends them
        List<String> p0 = pieces(args0, 3);
        List<String> p1 = pieces(args1, 2);
        chunks.add(chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_s1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null));
        for (int i = 0; i < Math.max(p0.size(), p1.size()); i++) {
            if (i < p0.size()) {
                chunks.add(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + PLAIN.writeValueAsString(p0.get(i)) + "}}]}", null));
            }
            if (i < p1.size()) {
                chunks.add(chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":" + PLAIN.writeValueAsString(p1.get(i)) + "}}]}", null));
            }
        }
        chunks.add(chunk("{}", "\"tool_calls\""));
        chunks.add("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":77,\"completion_tokens\":31,\"total_tokens\":108,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":64}}}");
        chunks.add("[DONE]");
        openai.enqueue(sse(dataEvents(chunks.toArray(String[]::new))));

        List<ModelStreamEvent> events = model("oai:gpt-test").stream(request(List.of(ChatMessage.user("weather?")), ToolChoice.required()))
                .collectList().block(Duration.ofSeconds(5));

        assertThat(argumentsByIndex(events)).isEqualTo(Map.of(0, args0, 1, args1));
        assertThat(events.stream().filter(e -> e instanceof ModelStreamEvent.ToolCallDelta).count())
                .as("one delta per piece, plus the two starts").isEqualTo(p0.size() + p1.size() + 2);
        ModelResponse r = ((ModelStreamEvent.Completed) events.get(events.size() - 1)).response();
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call_s0", "get_weather", args0),
                new ToolCall("call_s1", "get_weather", args1));
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.usage()).isEqualTo(new Usage(13, 64, 0, 0, 31, 0));
        JsonNode sent = tree(body(openai.takeRequest()));
        assertThat(sent.get("tool_choice").asText()).isEqualTo("required");
        assertThat(sent.get("stream").asBoolean()).isTrue();
    }

    private static String chunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}],\"usage\":null}";
    }

    // ------------------------------------------------------------------ Anthropic

    @Test
    void anthropicSendsToolUseAndToolResultWithIsErrorAndReadsToolUseBlocks() throws Exception {
        // Anthropic Messages API, tool use: content with a text block and tool_use blocks, stop_reason tool_use
        anthropic.enqueue(json(200, """
                {"id":"msg_01A","type":"message","role":"assistant","model":"claude-test",
                 "content":[{"type":"text","text":"Checking both."},
                   {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Oslo","unit":"c"}},
                   {"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":410,"cache_creation_input_tokens":0,"cache_read_input_tokens":200,"output_tokens":96}}"""));

        ModelResponse r = model("ant:claude-test").call(request(secondStep(), ToolChoice.required())).block(Duration.ofSeconds(5));

        assertThat(r.text()).isEqualTo("Checking both.");
        assertThat(r.toolCalls()).containsExactly(new ToolCall("toolu_01", "get_weather", "{\"city\":\"Oslo\",\"unit\":\"c\"}"),
                new ToolCall("toolu_02", "get_time", "{}"));
        assertThat(r.finishReason()).isEqualTo("tool_use");
        assertThat(r.usage()).isEqualTo(new Usage(410, 200, 0, 0, 96, 0));
        assertBody(anthropic.takeRequest(), """
                {"model":"claude-test","max_tokens":300,"messages":[
                  {"role":"user","content":"Weather in Paris, and the time?"},
                  {"role":"assistant","content":[{"type":"text","text":"Let me look."},
                    {"type":"tool_use","id":"call_a1","name":"get_weather","input":{"city":"Paris","unit":"c"}},
                    {"type":"tool_use","id":"call_b2","name":"get_time","input":{}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"call_a1","content":"{\\"temp\\":18}"},
                    {"type":"tool_result","tool_use_id":"call_b2","content":"clock offline","is_error":true}]}],
                 "tools":[{"name":"get_weather","description":"Current weather for a city","input_schema":%s},
                          {"name":"get_time","input_schema":{"type":"object","properties":{}}}],
                 "tool_choice":{"type":"any"}}""".formatted(WEATHER_SCHEMA));
    }

    @Test
    void anthropicStreamsToolUseInputAsManyJsonDeltas() throws Exception {
        String input0 = "{\"city\": \"San Francisco, CA\", \"unit\": \"f\"}";
        String input1 = "{\"city\":\"Lima\"}";
        StringBuilder s = new StringBuilder();
        s.append(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"output_tokens\":2}}}"));
        s.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        s.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Okay\"}}"));
        s.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        s.append(event("ping", "{\"type\":\"ping\"}"));
        int pieces = 0;
        String[][] calls = {{"toolu_s1", "get_weather", input0}, {"toolu_s2", "get_weather", input1}};
        for (int i = 0; i < calls.length; i++) {
            int index = i + 1;
            s.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"" + calls[i][0] + "\",\"name\":\"" + calls[i][1] + "\",\"input\":{}}}"));
            s.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}"));
            for (String p : pieces(calls[i][2], 4)) {
                s.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" + PLAIN.writeValueAsString(p) + "}}"));
                pieces++;
            }
            s.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
        }
        s.append(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}"));
        s.append(event("message_stop", "{\"type\":\"message_stop\"}"));
        anthropic.enqueue(sse(s.toString()));

        List<ModelStreamEvent> events = model("ant:claude-test").stream(request(List.of(ChatMessage.user("weather?")), ToolChoice.named("get_weather")))
                .collectList().block(Duration.ofSeconds(5));

        assertThat(argumentsByIndex(events)).isEqualTo(Map.of(0, input0, 1, input1));
        assertThat(events.stream().filter(e -> e instanceof ModelStreamEvent.ToolCallDelta).count()).isEqualTo(pieces + 2);
        ModelResponse r = ((ModelStreamEvent.Completed) events.get(events.size() - 1)).response();
        assertThat(r.text()).isEqualTo("Okay");
        assertThat(r.toolCalls()).containsExactly(new ToolCall("toolu_s1", "get_weather", input0),
                new ToolCall("toolu_s2", "get_weather", input1));
        assertThat(r.toolCalls().get(0).arguments().get("unit").asText()).isEqualTo("f");
        assertThat(r.usage()).isEqualTo(Usage.of(472, 89));
        assertThat(tree(body(anthropic.takeRequest())).get("tool_choice"))
                .isEqualTo(tree("{\"type\":\"tool\",\"name\":\"get_weather\"}"));
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    // ------------------------------------------------------------------ Gemini

    private static final String GEMINI_CALLS = """
            {"candidates":[{"content":{"role":"model","parts":[
               {"functionCall":{"name":"get_weather","args":{"city":"Paris","unit":"c"}},"thoughtSignature":"%s"},
               {"functionCall":{"name":"get_time","args":{}}}]},
              "finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":300,"candidatesTokenCount":25,"thoughtsTokenCount":70,"totalTokenCount":395},
             "modelVersion":"gemini-3-test"}""".formatted(SIG);

    @Test
    void geminiReadsFunctionCallsAndSendsTheThoughtSignatureBackByteForByte() throws Exception {
        gemini.enqueue(json(200, GEMINI_CALLS));
        gemini.enqueue(json(200, """
                {"candidates":[{"content":{"role":"model","parts":[{"text":"18 C, and the clock is offline."}]},"finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":340,"candidatesTokenCount":12,"totalTokenCount":352}}"""));
        ChatModel m = model("gem:gemini-3-test");
        ChatMessage ask = ChatMessage.user("Weather in Paris, and the time?");

        ModelResponse first = m.call(request(List.of(ask), ToolChoice.auto())).block(Duration.ofSeconds(5));

        assertThat(first.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "get_time");
        assertThat(first.toolCalls().get(0).thoughtSignature()).isEqualTo(SIG);
        assertThat(first.toolCalls().get(1).thoughtSignature()).isNull();
        assertThat(first.toolCalls()).allMatch(ToolCall::hasSyntheticId);
        assertThat(first.toolCalls().get(0).arguments()).isEqualTo(tree("{\"city\":\"Paris\",\"unit\":\"c\"}"));
        assertThat(first.usage()).isEqualTo(new Usage(300, 0, 0, 0, 25, 70));
        assertThat(first.finishReason()).isEqualTo("STOP");
        assertBody(gemini.takeRequest(), """
                {"contents":[{"role":"user","parts":[{"text":"Weather in Paris, and the time?"}]}],
                 "tools":[{"functionDeclarations":[
                   {"name":"get_weather","description":"Current weather for a city","parametersJsonSchema":%s},
                   {"name":"get_time","parametersJsonSchema":{"type":"object","properties":{}}}]}],
                 "toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},
                 "generationConfig":{"maxOutputTokens":300}}""".formatted(WEATHER_SCHEMA));

        ToolCall w = first.toolCalls().get(0);
        ToolCall t = first.toolCalls().get(1);
        List<ChatMessage> next = List.of(ask, ChatMessage.assistant(first.text(), first.toolCalls()),
                ChatMessage.toolResults(List.of(ToolResult.of(w, "{\"temp\":18}"), ToolResult.error(t, "clock offline"))));
        ModelResponse second = m.call(request(next, null)).block(Duration.ofSeconds(5));

        assertThat(second.text()).isEqualTo("18 C, and the clock is offline.");
        String raw = body(gemini.takeRequest());
        assertThat(raw).contains("\"thoughtSignature\":\"" + SIG + "\"");
        assertThat(tree(raw).get("contents")).isEqualTo(tree("""
                [{"role":"user","parts":[{"text":"Weather in Paris, and the time?"}]},
                 {"role":"model","parts":[
                   {"functionCall":{"name":"get_weather","args":{"city":"Paris","unit":"c"}},"thoughtSignature":"%s"},
                   {"functionCall":{"name":"get_time","args":{}}}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"get_weather","response":{"temp":18}}},
                   {"functionResponse":{"name":"get_time","response":{"error":"clock offline"}}}]}]""".formatted(SIG)));
    }

    @Test
    void geminiStreamsFunctionCallsWithIdsAndSignatures() throws Exception {
        gemini.enqueue(sse(dataEvents(
                "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"id\":\"fc-1\",\"name\":\"get_weather\",\"args\":{\"city\":\"Oslo\"}},\"thoughtSignature\":\"" + SIG + "\"}]}}],\"modelVersion\":\"gemini-3-test\"}",
                "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"id\":\"fc-2\",\"name\":\"get_weather\",\"args\":{\"city\":\"Bergen\"}}}]},\"finishReason\":\"STOP\"}],"
                        + "\"usageMetadata\":{\"promptTokenCount\":90,\"cachedContentTokenCount\":40,\"candidatesTokenCount\":20,\"totalTokenCount\":110}}")));

        List<ModelStreamEvent> events = model("gem:gemini-3-test").stream(request(List.of(ChatMessage.user("weather?")), ToolChoice.named("get_weather")))
                .collectList().block(Duration.ofSeconds(5));

        assertThat(argumentsByIndex(events)).isEqualTo(Map.of(0, "{\"city\":\"Oslo\"}", 1, "{\"city\":\"Bergen\"}"));
        ModelResponse r = ((ModelStreamEvent.Completed) events.get(events.size() - 1)).response();
        assertThat(r.toolCalls()).containsExactly(new ToolCall("fc-1", "get_weather", "{\"city\":\"Oslo\"}", SIG),
                new ToolCall("fc-2", "get_weather", "{\"city\":\"Bergen\"}"));
        assertThat(r.usage()).isEqualTo(new Usage(50, 40, 0, 0, 20, 0));
        assertThat(tree(body(gemini.takeRequest())).get("toolConfig")).isEqualTo(tree(
                "{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_weather\"]}}"));

        // the ids Gemini 3 gave go back on the call and its result, the signature unchanged
        ToolCall c = r.toolCalls().get(0);
        gemini.enqueue(json(200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"ok\"}]},\"finishReason\":\"STOP\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":1}}"));
        model("gem:gemini-3-test").call(request(List.of(ChatMessage.user("weather?"), ChatMessage.assistant("", List.of(c)),
                ChatMessage.toolResults(List.of(ToolResult.of(c, "sunny")))), null)).block(Duration.ofSeconds(5));
        String raw = body(gemini.takeRequest());
        assertThat(tree(raw).get("contents").get(1)).isEqualTo(tree("""
                {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Oslo"},"id":"fc-1"},"thoughtSignature":"%s"}]}""".formatted(SIG)));
        assertThat(tree(raw).get("contents").get(2)).isEqualTo(tree("""
                {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"sunny"},"id":"fc-1"}}]}"""));
    }

    // ------------------------------------------------------------------ helpers

    /** Splits {@code s} into pieces of {@code n} characters. */
    private static List<String> pieces(String s, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i += n) {
            out.add(s.substring(i, Math.min(s.length(), i + n)));
        }
        return out;
    }

    /** Each call's argument pieces from the stream, concatenated by index. */
    private static Map<Integer, String> argumentsByIndex(List<ModelStreamEvent> events) {
        Map<Integer, StringBuilder> by = new TreeMap<>();
        for (ModelStreamEvent e : events) {
            if (e instanceof ModelStreamEvent.ToolCallDelta d) {
                by.computeIfAbsent(d.index(), i -> new StringBuilder()).append(d.argumentsDelta());
            }
        }
        Map<Integer, String> out = new TreeMap<>();
        by.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }
}
