package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code parallel_tool_calls: false} (Chat Completions, Responses) and Anthropic's
 * {@code tool_choice.disable_parallel_tool_use: true} over real HTTP in front of the sandbox, whose members all
 * propose two calls (a calculation and a lookup) for the question asked here: without the flag the decision of two
 * calls reaches the client, with it only the decision's first call does, whole and streamed, in every API.
 */
class ParallelToolCallsTest {

    static final ObjectMapper M = new ObjectMapper();
    static final String QUESTION = "What is 17 * 23, and who painted the Mona Lisa?";
    static final String CALC = "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}";
    static final String LOOKUP = "{\"type\":\"object\",\"properties\":{\"subject\":{\"type\":\"string\"}},\"required\":[\"subject\"]}";
    static final String CHAT_TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"calculator\",\"parameters\":" + CALC + "}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":" + LOOKUP + "}}]";
    static final String ANTHROPIC_TOOLS = "[{\"name\":\"calculator\",\"input_schema\":" + CALC + "},"
            + "{\"name\":\"lookup\",\"input_schema\":" + LOOKUP + "}]";
    static final String RESPONSES_TOOLS = "[{\"type\":\"function\",\"name\":\"calculator\",\"parameters\":" + CALC + "},"
            + "{\"type\":\"function\",\"name\":\"lookup\",\"parameters\":" + LOOKUP + "}]";

    static SandboxGateway gw;

    @BeforeAll
    static void start() {
        gw = new SandboxGateway(0.0, b -> { });
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static String chat(String extra) {
        return "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}],\"tools\":"
                + CHAT_TOOLS + extra + "}";
    }

    @Test
    void chatCompletionWithoutParallelCallsGetsTheDecisionsFirstCallOnly() throws Exception {
        JsonNode both = M.readTree(ok(gw.post("/v1/chat/completions", chat(""))).body());
        JsonNode allowed = M.readTree(ok(gw.post("/v1/chat/completions", chat(",\"parallel_tool_calls\":true"))).body());
        JsonNode one = M.readTree(ok(gw.post("/v1/chat/completions", chat(",\"parallel_tool_calls\":false"))).body());
        // the same decision every time (the sandbox is deterministic): two calls, unless the client asked for one
        assertThat(names(both.at("/choices/0/message/tool_calls"), "/function/name")).hasSize(2).contains("calculator", "lookup");
        // call ids are made per ask; the calls themselves are the same
        assertThat(functions(allowed.at("/choices/0/message/tool_calls"))).isEqualTo(functions(both.at("/choices/0/message/tool_calls")));
        JsonNode calls = one.at("/choices/0/message/tool_calls");
        assertThat(calls.size()).isEqualTo(1);
        JsonNode first = both.at("/choices/0/message/tool_calls/0");
        assertThat(calls.at("/0/function")).isEqualTo(first.path("function"));
        assertThat(one.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void streamedChatCompletionWithoutParallelCallsStreamsOneCall() throws Exception {
        String body = ok(gw.post("/v1/chat/completions", chat(",\"stream\":true,\"parallel_tool_calls\":false"))).body();
        List<Integer> indexes = new ArrayList<>();
        StringBuilder args = new StringBuilder();
        String name = null;
        for (JsonNode chunk : GatewayToolsTest.dataLines(body)) {
            for (JsonNode tc : chunk.at("/choices/0/delta/tool_calls")) {
                indexes.add(tc.path("index").asInt());
                if (tc.has("id")) {
                    name = tc.at("/function/name").asText();
                }
                args.append(tc.at("/function/arguments").asText(""));
            }
        }
        assertThat(indexes).isNotEmpty().containsOnly(0);
        JsonNode whole = M.readTree(ok(gw.post("/v1/chat/completions", chat(""))).body()).at("/choices/0/message/tool_calls/0/function");
        assertThat(name).isEqualTo(whole.path("name").asText());
        assertThat(M.readTree(args.toString())).isEqualTo(M.readTree(whole.path("arguments").asText()));
    }

    @Test
    void anthropicDisableParallelToolUseGetsOneToolUseBlock() throws Exception {
        String base = "{\"model\":\"fusion/default\",\"max_tokens\":256,\"tools\":" + ANTHROPIC_TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}]";
        JsonNode both = M.readTree(ok(gw.post("/v1/messages", base + ",\"tool_choice\":{\"type\":\"auto\"}}")).body());
        JsonNode one = M.readTree(ok(gw.post("/v1/messages", base
                + ",\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":true}}")).body());
        assertThat(toolUses(both.path("content"))).hasSize(2);
        List<JsonNode> uses = toolUses(one.path("content"));
        assertThat(uses).hasSize(1);
        assertThat(uses.get(0).path("name")).isEqualTo(toolUses(both.path("content")).get(0).path("name"));
        assertThat(uses.get(0).path("input")).isEqualTo(toolUses(both.path("content")).get(0).path("input"));
        assertThat(one.path("stop_reason").asText()).isEqualTo("tool_use");

        String stream = ok(gw.post("/v1/messages", base + ",\"stream\":true,"
                + "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true}}")).body();
        int blocks = 0;
        for (JsonNode e : GatewayToolsTest.dataLines(stream)) {
            if (e.path("type").asText().equals("content_block_start") && e.at("/content_block/type").asText().equals("tool_use")) {
                blocks++;
            }
        }
        assertThat(blocks).isEqualTo(1);
    }

    @Test
    void responsesWithoutParallelCallsGetOneFunctionCallItem() throws Exception {
        String base = "{\"model\":\"fusion/default\",\"input\":\"" + QUESTION + "\",\"tools\":" + RESPONSES_TOOLS;
        JsonNode both = M.readTree(ok(gw.post("/v1/responses", base + "}")).body());
        JsonNode one = M.readTree(ok(gw.post("/v1/responses", base + ",\"parallel_tool_calls\":false}")).body());
        assertThat(functionCalls(both.path("output"))).hasSize(2);
        assertThat(functionCalls(one.path("output"))).hasSize(1);
        String stream = ok(gw.post("/v1/responses", base + ",\"stream\":true,\"parallel_tool_calls\":false}")).body();
        int added = 0;
        JsonNode completed = null;
        for (JsonNode e : GatewayToolsTest.dataLines(stream)) {
            if (e.path("type").asText().equals("response.output_item.added") && e.at("/item/type").asText().equals("function_call")) {
                added++;
            }
            if (e.path("type").asText().equals("response.completed")) {
                completed = e.path("response");
            }
        }
        assertThat(added).isEqualTo(1);
        assertThat(completed).isNotNull();
        assertThat(functionCalls(completed.path("output"))).hasSize(1);
    }

    @Test
    void aParallelToolCallsThatIsNotABooleanIsRefused() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat(",\"parallel_tool_calls\":\"no\""));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("parallel_tool_calls");
    }

    private static HttpResponse<String> ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    private static List<String> names(JsonNode calls, String pointer) {
        List<String> out = new ArrayList<>();
        calls.forEach(c -> out.add(c.at(pointer).asText()));
        return out;
    }

    private static List<JsonNode> functions(JsonNode calls) {
        List<JsonNode> out = new ArrayList<>();
        calls.forEach(c -> out.add(c.path("function")));
        return out;
    }

    private static List<JsonNode> toolUses(JsonNode content) {
        List<JsonNode> out = new ArrayList<>();
        content.forEach(b -> {
            if (b.path("type").asText().equals("tool_use")) {
                out.add(b);
            }
        });
        return out;
    }

    private static List<JsonNode> functionCalls(JsonNode output) {
        List<JsonNode> out = new ArrayList<>();
        output.forEach(i -> {
            if (i.path("type").asText().equals("function_call")) {
                out.add(i);
            }
        });
        return out;
    }
}
