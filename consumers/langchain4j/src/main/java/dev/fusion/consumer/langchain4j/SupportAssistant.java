package dev.fusion.consumer.langchain4j;

import dev.fusion.Fusion;
import dev.fusion.langchain4j.FusionChatModel;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.providers.SandboxProviders;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.UserMessage;

import java.math.BigDecimal;

/**
 * A LangChain4j {@link AiServices} interface running on a fusion: a plain answer, and a record whose JSON
 * Schema LangChain4j derives and Fusion sends natively to every panel member.
 */
public interface SupportAssistant {

    /** What a support message is about. */
    record Ticket(String customer, String category, int priority) {
    }

    String answer(String question);

    @UserMessage("Triage this support message: {{it}}")
    Ticket triage(String message);

    /** The assistant on a fusion of the sandbox's models (offline, keyless). */
    static SupportAssistant on(SandboxProviders sandbox) {
        Providers providers = sandbox.providers();
        Fusion fusion = Fusion.builder()
                .panel(providers.model("sandbox-openai:sandbox-swift"),
                       providers.model("sandbox-openai:sandbox-contrarian"),
                       providers.model("sandbox-gemini:sandbox-terse"))
                .judge(providers.model("sandbox-openai:sandbox-judge"))
                .priceBook(sandbox.priceBook())
                .budgetUsd(new BigDecimal("0.05"))
                .quorum(2)
                .build();
        return AiServices.builder(SupportAssistant.class)
                .chatModel(FusionChatModel.of(fusion))
                .build();
    }
}
