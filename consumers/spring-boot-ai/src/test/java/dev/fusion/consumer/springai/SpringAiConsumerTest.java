package dev.fusion.consumer.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application as a user runs it, against the offline sandbox over real HTTP: ChatClient text, a
 * record through native structured output, then the Actuator's GenAI metrics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringAiConsumerTest {

    static final WireServer SANDBOX = Sandbox.start(0, 0);

    static final String MESSAGE = """
            Customer: Ada Lovelace (ada@example.com). Order: A-10442.
            My keyboard KB-201 and two mice MS-7 arrived two weeks late, and the mice were missing from the box.
            This is the second late delivery this month. I want a refund for the mice, please.""";

    @DynamicPropertySource
    static void sandbox(DynamicPropertyRegistry registry) {
        registry.add("consumer.sandbox-url", () -> SANDBOX.baseUrl(WireFormat.OPENAI));
    }

    @AfterAll
    static void stop() {
        SANDBOX.close();
    }

    @Autowired
    SupportDesk desk;

    @Value("${local.server.port}")
    int port;

    @Test
    void aPlainAnswerIsTheJudgesMergeOfThePanel() {
        String answer = desk.explain("What is the CAP theorem?");

        assertThat(answer).contains("consistency, availability and partition tolerance");
    }

    @Test
    void aRecordComesBackThroughNativeStructuredOutput() {
        SupportDesk.Ticket ticket = desk.triage(MESSAGE);

        assertThat(ticket.customer()).isEqualTo("Ada Lovelace");
        assertThat(ticket.category()).isNotNull();
    }

    @Test
    void theActuatorShowsTokensAndCost() throws Exception {
        desk.explain("Why is the sky blue?");

        JsonNode tokens = metric("gen_ai.client.token.usage");
        assertThat(tokens.get("availableTags").toString()).contains("gen_ai.token.type", "sandbox-judge");
        assertThat(total(tokens)).isPositive();
        assertThat(total(metric("fusion.cost.usd"))).isPositive();
    }

    private JsonNode metric(String name) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/metrics/" + name)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }

    private static double total(JsonNode metric) {
        double total = 0;
        for (JsonNode m : metric.get("measurements")) {
            String statistic = m.get("statistic").asText();
            if (statistic.equals("TOTAL") || statistic.equals("COUNT")) {
                total += m.get("value").asDouble();
            }
        }
        return total;
    }
}
