package dev.fusion.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The sample app on a real port, asking the sandbox over HTTP, then reading its Actuator metrics and info. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTest {

    private static final WireServer SANDBOX = Sandbox.start(0, 0);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    @DynamicPropertySource
    static void sandbox(DynamicPropertyRegistry registry) {
        registry.add("sample.sandbox-url", () -> SANDBOX.baseUrl(WireFormat.OPENAI));
    }

    @AfterAll
    static void stop() {
        SANDBOX.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ask"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double measurement(JsonNode metric) {
        double total = 0;
        for (JsonNode m : metric.get("measurements")) {
            if (m.get("statistic").asText().equals("TOTAL") || m.get("statistic").asText().equals("COUNT")) {
                total += m.get("value").asDouble();
            }
        }
        return total;
    }

    @Test
    void asksOnceThenTheActuatorShowsTokensCostAndSpend() throws Exception {
        HttpResponse<String> ask = post("{\"prompt\": \"Why is the sky blue?\"}");

        assertThat(ask.statusCode()).isEqualTo(200);
        JsonNode result = JSON.readTree(ask.body());
        assertThat(result.toString()).contains("What the answers agree on");

        JsonNode tokens = JSON.readTree(get("/actuator/metrics/gen_ai.client.token.usage").body());
        assertThat(tokens.get("name").asText()).isEqualTo("gen_ai.client.token.usage");
        assertThat(measurement(tokens)).isPositive();
        assertThat(tokens.get("availableTags").toString()).contains("gen_ai.token.type", "gen_ai.request.model", "sandbox-judge");

        JsonNode cost = JSON.readTree(get("/actuator/metrics/fusion.cost.usd").body());
        assertThat(measurement(cost)).isPositive();

        JsonNode info = JSON.readTree(get("/actuator/info").body()).get("fusion");
        assertThat(new BigDecimal(info.get("spentUsd").asText())).isPositive();
        assertThat(new BigDecimal(info.get("remainingUsd").asText())).isLessThan(new BigDecimal("1.00"));
    }

    @Test
    void aBlankOrOversizedPromptIsABadRequestBeforeAnyCall() throws Exception {
        long before = SANDBOX.requestCount();

        HttpResponse<String> blank = post("{\"prompt\": \"  \"}");
        HttpResponse<String> huge = post("{\"prompt\": \"" + "x".repeat(AskController.MAX_PROMPT_CHARS + 1) + "\"}");

        assertThat(blank.statusCode()).isEqualTo(400);
        assertThat(blank.body()).contains("non-blank");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).contains("at most " + AskController.MAX_PROMPT_CHARS);
        assertThat(SANDBOX.requestCount()).isEqualTo(before);
    }
}
