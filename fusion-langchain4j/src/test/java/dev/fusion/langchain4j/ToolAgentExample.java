package dev.fusion.langchain4j;

// Shown in docs/tools.md; compiled and run with the tests (ToolAgentExampleTest) so it stays correct.

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;

import java.util.Map;

/**
 * An agent with two {@code @Tool} methods whose model is a fusion, on the keyless sandbox: LangChain4j's
 * {@code AiServices} runs the tool loop, the fusion decides each step. The plain-Java version of the same
 * agent is {@code dev.fusion.examples.ToolAgent} in fusion-examples.
 */
public class ToolAgentExample {

    interface Agent {
        Result<String> chat(String question);
    }

    static class Tools {
        @Tool("Evaluates an arithmetic expression such as 2*3")
        String calculator(@P(name = "expression", value = "the expression") String expression) {
            long r = 1;
            for (String f : expression.replace(" ", "").split("\\*")) {
                r *= Long.parseLong(f);
            }
            return Long.toString(r);
        }

        @Tool("Looks a term up in the encyclopedia")
        String lookup(@P(name = "term", value = "the term") String term) {
            return term.strip().equals("Lovelace") ? "Ada Lovelace wrote the first published algorithm for a machine."
                    : "no entry for " + term;
        }
    }

    public static void main(String[] args) {
        String question = args.length > 0 ? String.join(" ", args) : "What is 17 * 23?";
        try (WireServer sandbox = WireServer.start(Sandbox.behaviour(0))) {     // keyless models on localhost
            Providers p = Providers.builder().env(Map.of())
                    .provider("sandbox-openai", ProviderSpec.keyless(ProviderKind.OPENAI, sandbox.baseUrl(WireFormat.OPENAI)))
                    .provider("sandbox-anthropic", ProviderSpec.keyless(ProviderKind.ANTHROPIC, sandbox.baseUrl(WireFormat.ANTHROPIC)))
                    .provider("sandbox-gemini", ProviderSpec.keyless(ProviderKind.GEMINI, sandbox.baseUrl(WireFormat.GEMINI)))
                    .build();
            Fusion fusion = Fusion.builder()
                    .panel(p.model("sandbox-openai:sandbox-swift"), p.model("sandbox-anthropic:sandbox-scholar"),
                           p.model("sandbox-gemini:sandbox-terse"))
                    .judge(p.model("sandbox-openai:sandbox-judge"))
                    .priceBook(Sandbox.priceBook())
                    .build();

            Agent agent = AiServices.builder(Agent.class)
                    .chatModel(FusionChatModel.of(fusion))
                    .tools(new Tools())
                    .build();
            Result<String> answer = agent.chat(question);

            answer.toolExecutions().forEach(t -> System.out.println("tool " + t.request().name() + " "
                    + t.request().arguments() + " -> " + t.result()));
            FusionResult last = FusionChatResponseMetadata.fusionResult(answer.finalResponse()).orElseThrow();
            System.out.println("answer: " + answer.content());
            System.out.println("spent $" + fusion.spentUsd().toPlainString() + " (last step $"
                    + last.totalCostUsd().toPlainString() + ")");
        }
    }
}
