package dev.fusion.langchain4j;

import dev.fusion.Fusion;
import dev.fusion.FusionListener;
import dev.fusion.CallRecord;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ToolSpec;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fusion as a tool of an outer LangChain4j model, on the sandbox: a real {@code AiServices} agent whose own
 * model (a LangChain4j {@code OpenAiChatModel} talking HTTP to the sandbox) decides to consult the panel; the
 * fusion's calls land in its own ledger and listeners; a fusion reached through the tool does not consult itself.
 */
@Timeout(90)
class FusionToolTest {

    interface Agent {
        Result<String> chat(String question);
    }

    private static Providers providers(WireServer server) {
        return Providers.builder().env(Map.of())
                .provider("sandbox-openai", ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl(WireFormat.OPENAI)))
                .provider("sandbox-anthropic", ProviderSpec.keyless(ProviderKind.ANTHROPIC, server.baseUrl(WireFormat.ANTHROPIC)))
                .build();
    }

    @Test
    void anAgentsOwnModelDecidesToConsultThePanel() {
        try (WireServer server = WireServer.start(Sandbox.behaviour(0))) {
            Providers p = providers(server);
            List<CallRecord> seen = new CopyOnWriteArrayList<>();
            Fusion fusion = Fusion.builder()
                    .panel(p.model("sandbox-openai:sandbox-swift"), p.model("sandbox-anthropic:sandbox-scholar"))
                    .judge(p.model("sandbox-openai:sandbox-judge")).priceBook(Sandbox.priceBook())
                    .listener(new FusionListener() {
                        @Override
                        public void onCallFinished(CallRecord record) {
                            seen.add(record);
                        }
                    })
                    .retry(RetryPolicy.NONE).build();
            OpenAiChatModel outer = OpenAiChatModel.builder().baseUrl(server.baseUrl(WireFormat.OPENAI)).apiKey("sandbox")
                    .modelName("sandbox-terse").maxRetries(0).timeout(Duration.ofSeconds(20)).build();
            Agent agent = AiServices.builder(Agent.class).chatModel(outer).tools(FusionTool.of(fusion)).build();

            Result<String> answer = agent.chat("Why is the sky blue at noon?");

            assertThat(answer.toolExecutions()).singleElement().satisfies(t -> {
                assertThat(t.request().name()).isEqualTo("consult_panel");
                assertThat(t.request().arguments()).isEqualTo("{\"question\":\"Why is the sky blue at noon?\"}");
                assertThat(t.result()).isNotBlank().doesNotStartWith("Error");
            });
            String fused = answer.toolExecutions().get(0).result();
            assertThat(answer.content()).contains(" returned ").contains(fused.strip().substring(0, 20));
            // the fusion ran once: two members and a judge, in its own ledger and its listener (metrics)
            assertThat(server.requestCount(Sandbox.JUDGE)).isEqualTo(1);
            assertThat(seen).hasSize(3);
            BigDecimal cost = seen.stream().map(c -> c.cost().usd().orElseThrow()).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(fusion.spentUsd()).isPositive().isEqualByComparingTo(cost);
        }
    }

    @Test
    void theSpecificationAndExecutorFormWorksAndTheFusionNeverConsultsItself() {
        try (WireServer server = WireServer.start(Sandbox.behaviour(0))) {
            Providers p = providers(server);
            FusionTool[] self = new FusionTool[1];
            List<String> inner = new CopyOnWriteArrayList<>();
            // The fusion's members may research with... the fusion itself: the depth guard stops the second level.
            Fusion fusion = Fusion.builder()
                    .panel(p.model("sandbox-openai:sandbox-swift"))
                    .judge(p.model("sandbox-openai:sandbox-judge")).priceBook(Sandbox.priceBook())
                    .researchTool(ToolSpec.of(FusionTool.NAME, "Consult a panel", "{\"type\":\"object\",\"properties\":"
                            + "{\"question\":{\"type\":\"string\"}},\"required\":[\"question\"]}"), call -> {
                        String r = self[0].execute(ToolExecutionRequest.builder().id(call.id()).name(call.name())
                                .arguments(call.argumentsJson()).build());
                        inner.add(r);
                        return r;
                    })
                    .retry(RetryPolicy.NONE).build();
            self[0] = FusionTool.of(fusion);
            assertThat(self[0].specification().name()).isEqualTo("consult_panel");
            assertThat(self[0].specification().parameters().required()).containsExactly("question");

            String answer = self[0].execute(ToolExecutionRequest.builder().id("c1").name("consult_panel")
                    .arguments("{\"question\":\"Why is the sky blue?\"}").build());

            assertThat(answer).doesNotStartWith("Error");
            // the member consulted the panel from inside the consulted fusion: refused, once
            assertThat(inner).singleElement().satisfies(r -> assertThat(r).startsWith("Error: this panel is already"));
            assertThat(self[0].execute(ToolExecutionRequest.builder().id("c2").name("consult_panel").arguments("{}").build()))
                    .startsWith("Error: no question");
            // outside any tool the fusion is asked as usual
            FusionResult direct = fusion.ask(FusionRequest.of("Why is the sky blue?"));
            assertThat(direct.answer()).isNotBlank();
        }
    }
}
