package dev.fusion.langchain4j;

import dev.fusion.DecidedBy;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real LangChain4j {@code AiServices} agent with {@code @Tool} methods runs its loop through a fusion on
 * the sandbox: the fusion decides to call the calculator, LangChain4j invokes the method, and the final
 * answer uses its result.
 */
@Timeout(90)
class AiServicesToolsTest {

    interface Agent {
        Result<String> chat(String question);
    }

    static final class Tools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("Evaluates an arithmetic expression such as 2*3")
        String calculator(String expression) {
            calls.add("calculator " + expression);
            String[] ab = expression.split("\\*");
            return Long.toString(Long.parseLong(ab[0].trim()) * Long.parseLong(ab[1].trim()));
        }

        @Tool("Looks a term up in the encyclopedia")
        String lookup(String term) {
            calls.add("lookup " + term);
            return "no entry for " + term;
        }
    }

    @Test
    void anAgentWithToolMethodsCompletesATwoStepTaskThroughAFusion() {
        try (WireServer server = WireServer.start(Sandbox.behaviour(0))) {
            Providers p = Providers.builder().env(Map.of())
                    .provider("sandbox-openai", ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl(WireFormat.OPENAI)))
                    .provider("sandbox-anthropic", ProviderSpec.keyless(ProviderKind.ANTHROPIC, server.baseUrl(WireFormat.ANTHROPIC)))
                    .provider("sandbox-gemini", ProviderSpec.keyless(ProviderKind.GEMINI, server.baseUrl(WireFormat.GEMINI)))
                    .build();
            Fusion fusion = Fusion.builder()
                    .panel(p.model("sandbox-openai:sandbox-swift"), p.model("sandbox-anthropic:sandbox-scholar"),
                            p.model("sandbox-gemini:sandbox-terse"))
                    .judge(p.model("sandbox-openai:sandbox-judge"))
                    .retry(RetryPolicy.NONE).priceBook(Sandbox.priceBook()).build();
            Tools tools = new Tools();
            Agent agent = AiServices.builder(Agent.class).chatModel(FusionChatModel.of(fusion)).tools(tools).build();

            Result<String> answer = agent.chat("What is 17 * 23?");

            assertThat(tools.calls).containsExactly("calculator 17*23");
            assertThat(answer.content()).contains("391");
            assertThat(answer.toolExecutions()).singleElement()
                    .satisfies(t -> assertThat(t.result()).isEqualTo("391"));
            // the first step was a fused decision taken without the judge; the second a final answer
            assertThat(server.requestCount(Sandbox.JUDGE)).isEqualTo(1);
            FusionResult last = FusionChatResponseMetadata.fusionResult(answer.finalResponse()).orElseThrow();
            assertThat(last.hasToolCalls()).isFalse();
            assertThat(last.decidedBy()).contains(DecidedBy.UNANIMOUS);
        }
    }
}
