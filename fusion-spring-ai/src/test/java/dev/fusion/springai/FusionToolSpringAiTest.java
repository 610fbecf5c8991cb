package dev.fusion.springai;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionListener;
import dev.fusion.RetryPolicy;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fusion as a Spring AI tool of an outer model, on the sandbox: a real {@link ChatClient} over a Spring AI
 * {@code OpenAiChatModel} talking HTTP to the sandbox decides to consult the panel through Spring AI's own tool
 * calling; the fusion's calls land in its own ledger and listeners.
 */
@Timeout(90)
class FusionToolSpringAiTest {

    @Test
    void aChatClientsModelDecidesToConsultThePanel() {
        List<WireRequest> outerRequests = new CopyOnWriteArrayList<>();
        Behaviour personas = Sandbox.behaviour(0);
        try (WireServer server = WireServer.start(Behaviour.builder().models(personas)
                .model("sandbox-terse", r -> {
                    outerRequests.add(r);
                    return personas.decide(r);
                }).build())) {
            Providers p = Providers.builder().env(Map.of())
                    .provider("sandbox-openai", ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl(WireFormat.OPENAI)))
                    .build();
            List<CallRecord> seen = new CopyOnWriteArrayList<>();
            Fusion fusion = Fusion.builder()
                    .panel(p.model("sandbox-openai:sandbox-swift"), p.model("sandbox-openai:sandbox-scholar"))
                    .judge(p.model("sandbox-openai:sandbox-judge")).priceBook(Sandbox.priceBook())
                    .listener(new FusionListener() {
                        @Override
                        public void onCallFinished(CallRecord record) {
                            seen.add(record);
                        }
                    })
                    .retry(RetryPolicy.NONE).build();
            OpenAiChatModel outer = OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                    .baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox").maxRetries(0)
                    .timeout(Duration.ofSeconds(20)).model("sandbox-terse").build()).build();

            String answer = ChatClient.create(outer).prompt().user("Why is the sky blue at noon?")
                    .toolCallbacks(FusionTool.of(fusion)).call().content();

            // Spring AI ran the tool and sent its result back: the outer model's answer quotes the fused answer
            assertThat(outerRequests).hasSize(2);
            assertThat(outerRequests.get(0).tools()).singleElement()
                    .satisfies(t -> assertThat(t.name()).isEqualTo("consult_panel"));
            assertThat(outerRequests.get(1).toolResults()).singleElement().satisfies(t -> {
                assertThat(t.content()).isNotBlank().doesNotStartWith("Error");
            });
            String fused = outerRequests.get(1).toolResults().get(0).content();
            assertThat(answer).contains(" returned ").contains(fused.strip().substring(0, 20));
            assertThat(server.requestCount(Sandbox.JUDGE)).isEqualTo(1);
            assertThat(seen).hasSize(3);
            BigDecimal cost = seen.stream().map(c -> c.cost().usd().orElseThrow()).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(fusion.spentUsd()).isPositive().isEqualByComparingTo(cost);
            assertThat(FusionTool.of(fusion).call("{\"question\": 3}")).startsWith("Error: no question");
        }
    }
}
