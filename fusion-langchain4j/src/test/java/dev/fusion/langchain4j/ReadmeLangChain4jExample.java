package dev.fusion.langchain4j;

// Shown in docs/integrations/langchain4j.md; compiled with the tests so it stays correct.

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;

public class ReadmeLangChain4jExample {

    interface Assistant {
        Result<String> answer(String question);
    }

    public static void main(String[] args) {
        // Any LangChain4j ChatModel can sit on the panel or judge (Fusion owns retries: maxRetries(0)).
        OpenAiChatModel gpt = OpenAiChatModel.builder()
                .apiKey(System.getenv("OPENAI_API_KEY")).modelName("gpt-5-mini").maxRetries(0).build();
        Providers providers = Providers.fromEnv();
        Fusion fusion = Fusion.builder()
                .panel(LangChain4jModel.of(gpt),                             // priced as openai:gpt-5-mini
                       providers.model("gemini:gemini-3.5-flash"))
                .judge(providers.model("anthropic:claude-opus-4-8"))
                .priceBook(BundledPrices.load())
                .build();

        // And the fusion is a LangChain4j ChatModel / StreamingChatModel for AiServices.
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(FusionChatModel.of(fusion)).build();
        Result<String> result = assistant.answer("Why is the sky blue?");
        FusionResult fused = FusionChatResponseMetadata.fusionResult(result.finalResponse()).orElseThrow();
        System.out.println(result.content());
        System.out.println(result.tokenUsage() + ", $" + fused.totalCostUsd());
    }
}
