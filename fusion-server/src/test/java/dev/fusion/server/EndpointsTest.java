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

/** The endpoints' shapes over real HTTP, in front of the offline sandbox. */
class EndpointsTest {

    static final ObjectMapper M = new ObjectMapper();
    static SandboxGateway gw;

    @BeforeAll
    static void start() {
        gw = new SandboxGateway(b -> { });
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void chatCompletionCarriesTheFusedAnswerUsageAndCost() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}",
                "x-fusion-ledger", "true");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = M.readTree(r.body());
        assertThat(b.path("object").asText()).isEqualTo("chat.completion");
        assertThat(b.path("model").asText()).isEqualTo("fusion/default");
        assertThat(b.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(b.at("/choices/0/message/content").asText()).isNotBlank();
        assertThat(b.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode ledger = b.path("fusion_ledger");
        long prompt = 0;
        long completion = 0;
        java.math.BigDecimal cost = java.math.BigDecimal.ZERO;
        for (JsonNode c : ledger.path("calls")) {
            prompt += c.path("input_tokens").asLong();
            completion += c.path("output_tokens").asLong();
            cost = cost.add(c.path("cost_usd").decimalValue());
        }
        assertThat(ledger.path("calls").size()).isEqualTo(5); // four members and the judge
        assertThat(b.at("/usage/prompt_tokens").asLong()).isEqualTo(prompt).isPositive();
        assertThat(b.at("/usage/completion_tokens").asLong()).isEqualTo(completion).isPositive();
        assertThat(b.at("/usage/total_tokens").asLong()).isEqualTo(prompt + completion);
        assertThat(b.at("/usage/cost").decimalValue()).isEqualByComparingTo(cost).isPositive();
        assertThat(new java.math.BigDecimal(r.headers().firstValue("x-fusion-cost-usd").orElseThrow())).isEqualByComparingTo(cost);
        assertThat(r.headers().firstValue("x-fusion-cost-complete")).hasValue("true");
        assertThat(r.headers().firstValue("x-fusion-ask-id").orElseThrow()).matches("[0-9a-f]{24}");
        assertThat(ledger.path("ask_id").asText()).isEqualTo(r.headers().firstValue("x-fusion-ask-id").orElseThrow());
    }

    @Test
    void ledgerIsOptIn() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(M.readTree(r.body()).has("fusion_ledger")).isFalse();
    }

    @Test
    void streamedChatHasRoleFirstFinishLastThenUsageThenDone() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"fusion/default\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        List<String> data = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            } else if (line.startsWith(":")) {
                comments.add(line);
            }
        }
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        JsonNode first = M.readTree(data.get(0));
        assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < data.size() - 3; i++) {
            JsonNode c = M.readTree(data.get(i));
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue();
            assertThat(c.get("usage").isNull()).isTrue();
            text.append(c.at("/choices/0/delta/content").asText(""));
        }
        JsonNode last = M.readTree(data.get(data.size() - 3));
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = M.readTree(data.get(data.size() - 2));
        assertThat(usage.path("choices").isArray()).isTrue();
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.at("/usage/total_tokens").asLong()).isPositive();
        assertThat(usage.at("/usage/cost").decimalValue()).isPositive();
        assertThat(text.toString()).isNotBlank();
        assertThat(comments).anyMatch(c -> c.matches(": member .* answered in \\d+ ms, \\d+\\+\\d+ tokens, \\$.*"));
        assertThat(comments).anyMatch(c -> c.startsWith(": judge "));
    }

    @Test
    void anthropicMessagesWholeAndStreamedInTheSdkOrder() throws Exception {
        String req = "{\"model\":\"fusion/default\",\"max_tokens\":512,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Why is the sky blue?\"}]}]}";
        HttpResponse<String> r = gw.post("/v1/messages", req, "anthropic-version", "2023-06-01");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = M.readTree(r.body());
        assertThat(b.path("type").asText()).isEqualTo("message");
        assertThat(b.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(b.at("/content/0/text").asText()).isNotBlank();
        assertThat(b.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(b.at("/usage/output_tokens").asLong()).isPositive();

        HttpResponse<String> s = gw.post("/v1/messages", req.replace("{\"model\"", "{\"stream\":true,\"model\""));
        List<String> names = new ArrayList<>();
        for (String line : s.body().split("\n")) {
            if (line.startsWith("event: ")) {
                String n = line.substring(7);
                if (names.isEmpty() || !names.get(names.size() - 1).equals(n)) {
                    names.add(n);
                }
            }
        }
        assertThat(names).containsExactly("message_start", "content_block_start", "ping", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop");
        assertThat(s.body()).containsPattern("\"output_tokens\":[1-9]");
    }

    @Test
    void responsesWholeAndStreamedWithSequenceNumbers() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"fusion/default\",\"input\":\"Why is the sky blue?\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = M.readTree(r.body());
        assertThat(b.path("object").asText()).isEqualTo("response");
        assertThat(b.path("status").asText()).isEqualTo("completed");
        assertThat(b.at("/output/0/content/0/text").asText()).isNotBlank();

        HttpResponse<String> s = gw.post("/v1/responses", "{\"model\":\"fusion/default\",\"stream\":true,\"input\":\"Why is the sky blue?\"}");
        int expected = 0;
        String lastType = null;
        for (String line : s.body().split("\n")) {
            if (line.startsWith("data: ")) {
                JsonNode e = M.readTree(line.substring(6));
                assertThat(e.path("sequence_number").asInt()).isEqualTo(expected++);
                lastType = e.path("type").asText();
            }
        }
        assertThat(lastType).isEqualTo("response.completed");
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        JsonNode models = M.readTree(gw.get("/v1/models").body());
        assertThat(models.at("/data/0/id").asText()).isEqualTo("fusion/default");
        assertThat(gw.get("/health").statusCode()).isEqualTo(200);
        gw.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        HttpResponse<String> m = gw.get("/metrics");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.body()).contains("fusion_server_requests_total{api=\"chat\",status=\"200\"}");
    }

    @Test
    void errorsInEachApisShape() throws Exception {
        HttpResponse<String> bad = gw.post("/v1/chat/completions", "{not json");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(M.readTree(bad.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        HttpResponse<String> unknown = gw.post("/v1/chat/completions",
                "{\"model\":\"fusion/nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(M.readTree(unknown.body()).at("/error/code").asText()).isEqualTo("model_not_found");
        HttpResponse<String> anth = gw.post("/v1/messages", "{\"model\":\"fusion/nope\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(anth.statusCode()).isEqualTo(404);
        JsonNode a = M.readTree(anth.body());
        assertThat(a.path("type").asText()).isEqualTo("error");
        assertThat(a.at("/error/type").asText()).isEqualTo("not_found_error");
        // a tool the gateway cannot honour (a hosted tool type) is refused by name, not dropped
        HttpResponse<String> tools = gw.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"web_search\",\"function\":{\"name\":\"f\"}}]}");
        assertThat(tools.statusCode()).isEqualTo(400);
        assertThat(tools.body()).contains("tools[].type must be 'function'");
        assertThat(bad.body()).doesNotContain("at dev.fusion").doesNotContain("Exception");
    }

    @Test
    void structuredOutputFollowsTheRequestSchema() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"},\"confidence\":{\"type\":\"number\"}},"
                + "\"required\":[\"answer\",\"confidence\"],\"additionalProperties\":false}";
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Is the sky blue?\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"verdict\","
                + "\"strict\":true,\"schema\":" + schema + "}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = M.readTree(M.readTree(r.body()).at("/choices/0/message/content").asText());
        assertThat(answer.has("answer")).isTrue();
        assertThat(answer.path("confidence").isNumber()).isTrue();
    }
}
