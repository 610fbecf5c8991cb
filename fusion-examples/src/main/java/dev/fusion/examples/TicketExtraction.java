package dev.fusion.examples;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.judge.Strategy;

import java.util.List;

/**
 * Structured extraction fused field by field: a support message becomes a {@link Ticket} record. The
 * schema is generated from the record, every member answers it, the {@code vote} strategy keeps each
 * field a strict majority agrees on and sends only the disputed fields to the judge, and the result
 * comes back as the record, with the agreement per field.
 */
public final class TicketExtraction {

    /** What a support message is about, for routing. */
    public record Ticket(String customer, String email, @JsonProperty("order_id") String orderId,
                         Category category, Sentiment sentiment, int priority,
                         @JsonProperty("refund_requested") boolean refundRequested, List<Item> items) {
    }

    /** A product the message names. */
    public record Item(String sku, Integer quantity) {
    }

    /** What the message is about. */
    public enum Category { billing, delivery, defect, account, other }

    /** The customer's tone. */
    public enum Sentiment { positive, neutral, negative }

    private static final String MESSAGE = "Customer: Ada Lovelace (ada@example.com). Order: A-10442.\n"
            + "My keyboard KB-201 and two mice MS-7 arrived two weeks late, and the mice were missing from the box.\n"
            + "This is the second late delivery this month. I want a refund for the mice, please.";

    public static void main(String[] args) {
        String message = args.length > 0 ? String.join(" ", args) : MESSAGE;
        try (Models models = Models.open()) {
            Fusion fusion = Fusion.builder()
                    .panel(models.cheap(0), models.cheap(1), models.cheap(2))
                    .judge(models.judge())
                    .strategy(Strategy.vote())
                    .priceBook(models.prices).build();
            FusionResult result = fusion.ask(FusionRequest.builder()
                    .system("Extract the support ticket from the customer's message.")
                    .prompt(message)
                    .schema(Ticket.class)
                    .build());
            Ticket ticket = result.as(Ticket.class);
            System.out.println(ticket);
            System.out.println("agreement per field (share of valid answers holding the value chosen):");
            result.agreement().forEach((pointer, share) -> System.out.printf("  %-22s %3.0f%%%n", pointer, share * 100));
            long judgeCalls = result.judgeCalls().size();
            System.out.println("judge calls: " + judgeCalls + ", total $" + result.totalCostUsd().toPlainString());
        }
    }
}
