package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.sandbox.providers.SandboxProviders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cost on streams: the headers go out before the cost is known, so they carry what is known at the start
 * (ask id, the per-ask budget, where the cost will be); the final cost is the last {@code : cost} comment and
 * the usage of each API's closing event, and both agree with what the same ask costs whole.
 */
class StreamCostTest {

    static final ObjectMapper M = new ObjectMapper();
    static final Pattern COST = Pattern.compile("(?m)^: cost \\$([0-9.]+) \\(complete: (true|false)\\)$");
    static SandboxProviders sandbox;

    @BeforeAll
    static void start() {
        sandbox = SandboxProviders.start(0, 0.0);
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    /** A gateway whose default fusion has a per-ask budget of $0.50 (or none). */
    private static Served serve(BigDecimal budget) {
        Fusion.Builder b = Fusion.builder().priceBook(sandbox.priceBook()).quorum(2).budgetUsd(budget);
        for (String m : sandbox.panel()) {
            b.panel(sandbox.model(m));
        }
        FusionServer server = FusionServer.builder().port(0).fusion("default", b.judge(sandbox.model(sandbox.judge())).build()).start();
        return new Served(server, new SandboxGateway.Client(server.baseUrl()));
    }

    record Served(FusionServer server, SandboxGateway.Client client) implements AutoCloseable {
        HttpResponse<String> post(String path, String body) throws Exception {
            return client.post(path, body);
        }

        @Override
        public void close() {
            server.shutdown(java.time.Duration.ZERO);
        }
    }

    private static Served budgeted() {
        return serve(new BigDecimal("0.50"));
    }

    private static BigDecimal lastCostComment(String body) {
        Matcher m = COST.matcher(body);
        String last = null;
        while (m.find()) {
            last = m.group(1);
            assertThat(m.group(2)).isEqualTo("true");
        }
        assertThat(last).as("a ': cost' comment in " + body).isNotNull();
        return new BigDecimal(last);
    }

    @Test
    void streamedChatCarriesStartHeadersAndTheFinalCostInTheCommentAndTheUsageChunk() throws Exception {
        try (Served g = budgeted()) {
            HttpResponse<String> s = g.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}");
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(s.headers().firstValue("x-fusion-ask-id")).isPresent();
            assertThat(s.headers().firstValue("x-fusion-budget-usd")).hasValue("0.5");
            assertThat(s.headers().firstValue("x-fusion-cost-usd-in")).hasValue("stream-end");
            assertThat(s.headers().firstValue("x-fusion-cost-usd")).as("not known when headers are sent").isEmpty();
            BigDecimal comment = lastCostComment(s.body());
            assertThat(comment).isPositive();
            JsonNode usage = null;
            for (JsonNode chunk : GatewayToolsTest.dataLines(s.body())) {
                if (chunk.path("choices").isEmpty()) {
                    usage = chunk.path("usage");
                }
            }
            assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo(comment);
            int lastComment = s.body().lastIndexOf("\n: ");
            assertThat(s.body().substring(lastComment)).startsWith("\n: cost $");

            HttpResponse<String> whole = g.post("/v1/chat/completions",
                    "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}");
            assertThat(new BigDecimal(whole.headers().firstValue("x-fusion-cost-usd").orElseThrow()))
                    .as("the sandbox is deterministic: the same ask costs the same whole").isEqualByComparingTo(comment);
            assertThat(whole.headers().firstValue("x-fusion-budget-usd")).hasValue("0.5");
        }
    }

    @Test
    void streamedMessagesAndResponsesCarryTheFinalCostInTheirClosingUsage() throws Exception {
        try (Served g = budgeted()) {
            HttpResponse<String> a = g.post("/v1/messages", "{\"model\":\"fusion/default\",\"max_tokens\":256,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}");
            assertThat(a.statusCode()).isEqualTo(200);
            assertThat(a.headers().firstValue("x-fusion-budget-usd")).hasValue("0.5");
            BigDecimal cost = lastCostComment(a.body());
            JsonNode delta = null;
            for (JsonNode e : GatewayToolsTest.dataLines(a.body())) {
                if (e.path("type").asText().equals("message_delta")) {
                    delta = e;
                }
            }
            assertThat(delta.at("/usage/cost").decimalValue()).isEqualByComparingTo(cost);

            HttpResponse<String> r = g.post("/v1/responses", "{\"model\":\"fusion/default\",\"stream\":true,\"input\":\"Why is the sky blue?\"}");
            BigDecimal rc = lastCostComment(r.body());
            JsonNode completed = null;
            for (JsonNode e : GatewayToolsTest.dataLines(r.body())) {
                if (e.path("type").asText().equals("response.completed")) {
                    completed = e;
                }
            }
            assertThat(completed.at("/response/usage/cost").decimalValue()).isEqualByComparingTo(rc);
        }
    }

    @Test
    void aFusionWithoutBudgetSendsNoBudgetHeader() throws Exception {
        try (Served g = serve(null)) {
            HttpResponse<String> s = g.post("/v1/chat/completions", "{\"model\":\"fusion/default\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}");
            assertThat(s.headers().firstValue("x-fusion-budget-usd")).isEmpty();
            assertThat(lastCostComment(s.body())).isPositive();
        }
    }
}
