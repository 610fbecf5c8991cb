package dev.fusion.consumer.springai;

import dev.fusion.FusionResult;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.fusion.springai.FusionChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ResponseEntity;
import org.springframework.ai.chat.model.ChatResponse;
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
    ChatClient chat;

    @Test
    void theRecordIsVotedFieldByField() {
        ResponseEntity<ChatResponse, SupportDesk.Ticket> response = chat.prompt(SpringAiConsumerTest.MESSAGE)
                .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                .call()
                .responseEntity(SupportDesk.Ticket.class);

        SupportDesk.Ticket ticket = response.entity();
        assertThat(ticket.customer()).isEqualTo("Ada Lovelace");
        FusionResult fused = FusionChatModel.fusionResult(response.response()).orElseThrow();
        assertThat(fused.strategy()).isEqualTo("vote");
        assertThat(fused.agreement().get("/customer")).as(fused.agreement().toString()).isGreaterThan(0.5);
        assertThat(fused.json()).isPresent();
    }
}
