package dev.fusion.consumer.springai;

import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** The same application with {@code fusion.strategy=vote}: the record is voted field by field. */
@SpringBootTest(properties = "fusion.strategy=vote")
class VoteConsumerTest {

    static final WireServer SANDBOX = Sandbox.start(0, 0);

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

    @Test
    void theRecordIsVotedFieldByField() {
        SupportDesk.Ticket ticket = desk.triage(SpringAiConsumerTest.MESSAGE);

        assertThat(ticket.customer()).isEqualTo("Ada Lovelace");
        assertThat(ticket.email()).isEqualTo("ada@example.com");
        assertThat(ticket.priority()).isBetween(1, 5);
    }
}
