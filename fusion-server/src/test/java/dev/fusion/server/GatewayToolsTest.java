package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller's tools through the three endpoints, over real HTTP in front of the offline sandbox: the fused
 * decision comes back in each API's own shape, whole and streamed, and the follow-up request carrying the
 * tool's result continues the conversation to a final answer that uses it.
 */
class GatewayToolsTest {

    static final ObjectMapper M = new ObjectMapper();
    static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},"
            + "\"required\":[\"expression\"],\"additionalProperties\":false}";
    static final String CHAT_TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"calculator\",\"description\":"
            + "\"Evaluates arithmetic\",\"parameters\":" + SCHEMA + "}}]";
    static final String ANTHROPIC_TOOLS = "[{\"name\":\"calculator\",\"description\":\"Evaluates arithmetic\",\"input_schema\":"
            + SCHEMA + "}]";
    static final String RESPONSES_TOOLS = "[{\"type\":\"function\",\"name\":\"calculator\",\"description\":\"Evaluates arithmetic\","
            + "\"parameters\":" + SCHEMA + "}]";
    static final String QUESTION = "What is 17 * 23?";

    static SandboxGateway gw;

    @BeforeAll
    static void start() {
        gw = new SandboxGateway(0.0, (sandbox, b) -> {
            // "strict": a quorum of 3 of the four members, so a dispute about which calls to make goes to the judge
            dev.fusion.Fusion.Builder f = dev.fusion.Fusion.builder().priceBook(sandbox.priceBook()).quorum(3);
            sandbox.panel().forEach(m -> f.panel(sandbox.model(m)));
            b.fusion("strict", f.judge(sandbox.model(sandbox.judge())).build());
        });
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    // ------------------------------------------------------------------ OpenAI chat completions

    @Test
    void chatCompletionReturnsTheDecidedCallsAndContinuesWithTheToolMessage() throws Exception {
        String first = "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}],"
                + "\"tools\":" + CHAT_TOOLS + ",\"tool_choice\":\"auto\"}";
        HttpResponse<String> r = gw.post("/v1/chat/completions", first);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = M.readTree(r.body());
        assertThat(b.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = b.at("/choices/0/message/tool_calls/0");
        assertThat(b.at("/choices/0/message/tool_calls").size()).isEqualTo(1);
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("id").asText()).isNotBlank();
        assertThat(call.at("/function/name").asText()).isEqualTo("calculator");
        assertThat(M.readTree(call.at("/function/arguments").asText()).path("expression").asText()).isEqualTo("17*23");
        assertThat(b.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(b.at("/usage/total_tokens").asInt()).isPositive();
        assertThat(r.headers().firstValue("x-fusion-cost-usd").orElseThrow()).isNotEqualTo("unknown");

        String id = call.path("id").asText();
        String second = "{\"model\":\"fusion/default\",\"tools\":" + CHAT_TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"" + QUESTION + "\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + id + "\",\"type\":\"function\","
                + "\"function\":{\"name\":\"calculator\",\"arguments\":" + M.writeValueAsString(call.at("/function/arguments").asText()) + "}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":\"391\"}]}";
        HttpResponse<String> r2 = gw.post("/v1/chat/completions", second);
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        JsonNode b2 = M.readTree(r2.body());
        assertThat(b2.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(b2.at("/choices/0/message/tool_calls").isMissingNode()).isTrue();
        assertThat(b2.at("/choices/0/message/content").asText()).contains("391");
    }

    @Test
    void streamedChatCompletionDeliversTheCallsAsIndexedDeltas() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}],"
                + "\"tools\":" + CHAT_TOOLS + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<Integer, StringBuilder> args = new TreeMap<>();
        Map<Integer, String> names = new TreeMap<>();
        List<String> finishes = new ArrayList<>();
        JsonNode usage = null;
        int argumentChunks = 0;
        for (JsonNode chunk : dataLines(r.body())) {
            if (chunk.path("choices").isEmpty()) {
                usage = chunk.path("usage");
                continue;
            }
            JsonNode c = chunk.at("/choices/0");
            if (!c.path("finish_reason").isNull()) {
                finishes.add(c.path("finish_reason").asText());
            }
            for (JsonNode tc : c.path("delta").path("tool_calls")) {
                int i = tc.path("index").asInt(-1);
                assertThat(i).isZero();
                if (tc.has("id")) {
                    assertThat(tc.path("type").asText()).isEqualTo("function");
                    names.put(i, tc.at("/function/name").asText());
                }
                String piece = tc.at("/function/arguments").asText("");
                if (!piece.isEmpty()) {
                    argumentChunks++;
                }
                args.computeIfAbsent(i, k -> new StringBuilder()).append(piece);
            }
        }
        assertThat(names).containsExactly(Map.entry(0, "calculator"));
        assertThat(argumentChunks).as("arguments split over several deltas").isGreaterThan(1);
        assertThat(M.readTree(args.get(0).toString()).path("expression").asText()).isEqualTo("17*23");
        assertThat(finishes).containsExactly("tool_calls");
        assertThat(usage).isNotNull();
        assertThat(usage.path("total_tokens").asInt()).isPositive();
        assertThat(r.body()).contains(": cost $").endsWith("data: [DONE]\n\n");
    }

    // ------------------------------------------------------------------ Anthropic messages

    @Test
    void messagesReturnToolUseBlocksAndContinueWithToolResult() throws Exception {
        String first = "{\"model\":\"fusion/default\",\"max_tokens\":256,\"tools\":" + ANTHROPIC_TOOLS + ",\"tool_choice\":"
                + "{\"type\":\"any\"},\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}]}";
        HttpResponse<String> r = gw.post("/v1/messages", first, "anthropic-version", "2023-06-01");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = M.readTree(r.body());
        assertThat(b.path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(b.path("content").size()).isEqualTo(1);
        JsonNode use = b.at("/content/0");
        assertThat(use.path("type").asText()).isEqualTo("tool_use");
        assertThat(use.path("name").asText()).isEqualTo("calculator");
        assertThat(use.at("/input/expression").asText()).isEqualTo("17*23");

        String second = "{\"model\":\"fusion/default\",\"max_tokens\":256,\"tools\":" + ANTHROPIC_TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"" + QUESTION + "\"},"
                + "{\"role\":\"assistant\",\"content\":[" + M.writeValueAsString(use) + "]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"" + use.path("id").asText()
                + "\",\"content\":[{\"type\":\"text\",\"text\":\"391\"}]}]}]}";
        HttpResponse<String> r2 = gw.post("/v1/messages", second);
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        JsonNode b2 = M.readTree(r2.body());
        assertThat(b2.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(b2.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(b2.at("/content/0/text").asText()).contains("391");
    }

    @Test
    void streamedMessagesOpenAToolUseBlockAndSendItsInputAsJsonDeltas() throws Exception {
        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"fusion/default\",\"max_tokens\":256,\"stream\":true,"
                + "\"tools\":" + ANTHROPIC_TOOLS + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        StringBuilder input = new StringBuilder();
        String stopReason = null;
        String blockType = null;
        for (String frame : r.body().split("\n\n")) {
            String name = null;
            JsonNode data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = M.readTree(line.substring(6));
                }
            }
            if (name == null) {
                continue;
            }
            events.add(name);
            assertThat(data.path("type").asText()).isEqualTo(name);
            if (name.equals("content_block_start")) {
                blockType = data.at("/content_block/type").asText();
                assertThat(data.path("index").asInt()).isZero();
                assertThat(data.at("/content_block/name").asText()).isEqualTo("calculator");
                assertThat(data.at("/content_block/input").isObject()).isTrue();
            } else if (name.equals("content_block_delta")) {
                assertThat(data.at("/delta/type").asText()).isEqualTo("input_json_delta");
                input.append(data.at("/delta/partial_json").asText());
            } else if (name.equals("message_delta")) {
                stopReason = data.at("/delta/stop_reason").asText();
                assertThat(data.at("/usage/output_tokens").asInt()).isPositive();
            }
        }
        assertThat(blockType).isEqualTo("tool_use");
        assertThat(M.readTree(input.toString()).path("expression").asText()).isEqualTo("17*23");
        assertThat(stopReason).isEqualTo("tool_use");
        assertThat(events.get(0)).isEqualTo("message_start");
        assertThat(events.subList(events.indexOf("content_block_start"), events.size()))
                .startsWith("content_block_start", "content_block_delta")
                .endsWith("content_block_stop", "message_delta", "message_stop");
        assertThat(events).doesNotContain("error");
    }

    @Test
    void anAnthropicToolResultWithIsErrorReachesThePanelAsAnError() throws Exception {
        String req = "{\"model\":\"fusion/default\",\"max_tokens\":256,\"tools\":" + ANTHROPIC_TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"" + QUESTION + "\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"calculator\","
                + "\"input\":{\"expression\":\"17*23\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"is_error\":true,"
                + "\"content\":\"calculator offline\"}]}]}";
        HttpResponse<String> r = gw.post("/v1/messages", req);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(M.readTree(r.body()).at("/content/0/text").asText()).contains("calculator offline");
    }

    // ------------------------------------------------------------------ OpenAI responses

    @Test
    void responsesReturnFunctionCallItemsAndContinueWithTheirOutput() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"fusion/default\",\"input\":\"" + QUESTION + "\","
                + "\"tools\":" + RESPONSES_TOOLS + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = M.readTree(r.body());
        assertThat(b.path("output").size()).isEqualTo(1);
        JsonNode item = b.at("/output/0");
        assertThat(item.path("type").asText()).isEqualTo("function_call");
        assertThat(item.path("name").asText()).isEqualTo("calculator");
        assertThat(item.path("status").asText()).isEqualTo("completed");
        assertThat(M.readTree(item.path("arguments").asText()).path("expression").asText()).isEqualTo("17*23");

        String second = "{\"model\":\"fusion/default\",\"tools\":" + RESPONSES_TOOLS + ",\"input\":["
                + "{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}," + M.writeValueAsString(item) + ","
                + "{\"type\":\"function_call_output\",\"call_id\":\"" + item.path("call_id").asText() + "\",\"output\":\"391\"}]}";
        HttpResponse<String> r2 = gw.post("/v1/responses", second);
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        JsonNode b2 = M.readTree(r2.body());
        assertThat(b2.at("/output/0/type").asText()).isEqualTo("message");
        assertThat(b2.at("/output/0/content/0/text").asText()).contains("391");
    }

    @Test
    void streamedResponsesAddAFunctionCallItemWithArgumentDeltas() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"fusion/default\",\"stream\":true,\"input\":\""
                + QUESTION + "\",\"tools\":" + RESPONSES_TOOLS + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> types = new ArrayList<>();
        StringBuilder args = new StringBuilder();
        int seq = 0;
        JsonNode completed = null;
        for (JsonNode e : dataLines(r.body())) {
            assertThat(e.path("sequence_number").asInt()).isEqualTo(seq++);
            String type = e.path("type").asText();
            types.add(type);
            if (type.equals("response.function_call_arguments.delta")) {
                args.append(e.path("delta").asText());
            } else if (type.equals("response.completed")) {
                completed = e.path("response");
            }
        }
        assertThat(types).doesNotContain("response.output_text.delta", "response.content_part.added");
        assertThat(types).containsSubsequence("response.created", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done", "response.completed");
        assertThat(M.readTree(args.toString()).path("expression").asText()).isEqualTo("17*23");
        assertThat(completed.at("/output/0/type").asText()).isEqualTo("function_call");
        assertThat(completed.at("/usage/total_tokens").asInt()).isPositive();
    }

    // ------------------------------------------------------------------ parallel calls, judged

    static final String TWO_TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"calculator\",\"parameters\":" + SCHEMA + "}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"subject\":{\"type\":\"string\"}},\"required\":[\"subject\"]}}}]";

    @Test
    void aJudgedStepWithParallelCallsStreamsEachCallUnderItsOwnIndex() throws Exception {
        // quorum 3 of the four sandbox members: the terse one calls only the calculator and the contrarian looks up
        // another word, so no three agree and the judge decides (both calls, as the swift persona would)
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"fusion/strict\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 17 * 23, and who painted the Mona Lisa?\"}],"
                + "\"tools\":" + TWO_TOOLS + "}", "x-fusion-ledger", "true");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<Integer, String> names = new TreeMap<>();
        Map<Integer, StringBuilder> args = new TreeMap<>();
        String finish = null;
        for (JsonNode chunk : dataLines(r.body())) {
            JsonNode c = chunk.at("/choices/0");
            if (c.has("finish_reason") && !c.path("finish_reason").isNull()) {
                finish = c.path("finish_reason").asText();
            }
            for (JsonNode tc : c.path("delta").path("tool_calls")) {
                int i = tc.path("index").asInt();
                if (tc.has("id")) {
                    names.put(i, tc.at("/function/name").asText());
                }
                args.computeIfAbsent(i, k -> new StringBuilder()).append(tc.at("/function/arguments").asText(""));
            }
        }
        assertThat(finish).isEqualTo("tool_calls");
        assertThat(r.body()).as("the judge decided").contains(": judge ");
        assertThat(names).hasSize(2).containsValues("calculator", "lookup");
        for (var e : names.entrySet()) {
            JsonNode a = M.readTree(args.get(e.getKey()).toString());
            if (e.getValue().equals("calculator")) {
                assertThat(a.path("expression").asText()).isEqualTo("17*23");
            } else {
                assertThat(a.path("subject").asText()).isEqualTo("Lisa");
            }
        }
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void malformedToolRequestsAreRefusedNamingTheField() throws Exception {
        HttpResponse<String> unknownCall = gw.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"tools\":" + CHAT_TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"tool\",\"tool_call_id\":\"nope\",\"content\":\"1\"}]}");
        assertThat(unknownCall.statusCode()).isEqualTo(400);
        assertThat(unknownCall.body()).contains("answers no tool call");
        HttpResponse<String> notOffered = gw.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"tools\":" + CHAT_TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(notOffered.statusCode()).isEqualTo(400);
        assertThat(notOffered.body()).contains("lookup");
        HttpResponse<String> hosted = gw.post("/v1/messages", "{\"model\":\"fusion/default\",\"max_tokens\":5,"
                + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(hosted.statusCode()).isEqualTo(400);
        assertThat(M.readTree(hosted.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        HttpResponse<String> badSchema = gw.post("/v1/responses", "{\"model\":\"fusion/default\",\"input\":\"hi\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"calc\",\"parameters\":[1,2]}]}");
        assertThat(badSchema.statusCode()).isEqualTo(400);
        assertThat(badSchema.body()).doesNotContain("Exception").doesNotContain("at dev.fusion");
    }

    static List<JsonNode> dataLines(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(M.readTree(line.substring(6)));
            }
        }
        return out;
    }
}
