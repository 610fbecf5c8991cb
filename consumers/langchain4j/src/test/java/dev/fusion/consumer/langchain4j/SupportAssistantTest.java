package dev.fusion.consumer.langchain4j;

import dev.fusion.sandbox.providers.SandboxProviders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The AiServices interface against the offline sandbox over real HTTP. */
class SupportAssistantTest {

    static SandboxProviders sandbox;
    static SupportAssistant assistant;

    @BeforeAll
    static void start() {
        sandbox = SandboxProviders.start();
        assistant = SupportAssistant.on(sandbox);
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @Test
    void aPlainAnswer() {
        assertThat(assistant.answer("What is the CAP theorem?"))
                .contains("consistency, availability and partition tolerance");
    }

    @Test
    void aRecordThroughTheSchemaLangChain4jDerives() {
        SupportAssistant.Ticket ticket = assistant.triage(
                "Customer: Ada Lovelace. My keyboard KB-201 arrived two weeks late. I want a refund.");

        assertThat(ticket.customer()).isEqualTo("Ada Lovelace");
        assertThat(ticket.category()).isNotBlank();
    }
}
