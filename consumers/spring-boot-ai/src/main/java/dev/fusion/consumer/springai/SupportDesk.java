package dev.fusion.consumer.springai;

import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.stereotype.Service;

/** Plain answers and structured triage through Spring AI's {@link ChatClient} on the fused model. */
@Service
public class SupportDesk {

    /** What a support message is about. */
    public enum Category { billing, delivery, defect, account, other }

    /** The structured answer: Spring AI derives its JSON Schema from this record. */
    public record Ticket(String customer, String email, Category category, int priority, boolean refundRequested) {
    }

    private final ChatClient chat;

    public SupportDesk(ChatClient chat) {
        this.chat = chat;
    }

    /** A plain-text answer: the judge's merge of the panel's answers. */
    public String explain(String question) {
        return chat.prompt(question).call().content();
    }

    /**
     * The message as a {@link Ticket}. With native structured output the record's schema goes to every
     * panel member as the request's response format; the fused answer is validated against it.
     */
    public Ticket triage(String message) {
        return chat.prompt(message)
                .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                .call()
                .entity(Ticket.class);
    }
}
