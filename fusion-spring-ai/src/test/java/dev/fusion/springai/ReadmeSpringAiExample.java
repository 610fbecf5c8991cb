package dev.fusion.springai;

// Shown in docs/integrations/spring-ai.md; compiled with the tests so it stays correct.

import dev.fusion.Fusion;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

public class ReadmeSpringAiExample {

    record Verdict(String summary, int confidence) {
    }

    public static void main(String[] args) {
        // Any Spring AI ChatModel can sit on the panel or judge (Fusion owns retries: maxRetries(0)).
        OpenAiChatModel gpt = OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .apiKey(System.getenv("OPENAI_API_KEY")).model("gpt-5-mini").maxRetries(0).build()).build();
        Providers providers = Providers.fromEnv();
        Fusion fusion = Fusion.builder()
                .panel(SpringAiModel.of("openai:gpt-5-mini", gpt), providers.model("gemini:gemini-3.5-flash"))
                .judge(providers.model("anthropic:claude-opus-4-8"))
                .priceBook(BundledPrices.load())
                .build();

        // And the fusion is a Spring AI ChatModel for ChatClient.
        ChatClient client = ChatClient.create(FusionChatModel.of(fusion));
        System.out.println(client.prompt("Why is the sky blue?").call().content());
        Verdict verdict = client.prompt("Is the sky blue because of Rayleigh scattering?").call().entity(Verdict.class);
        System.out.println(verdict);
        client.prompt("Why is the sea blue?").stream().content().doOnNext(System.out::print).blockLast();
    }
}
