package dev.fusion.examples;

import dev.fusion.Conversation;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An agent with two tools (a calculator and an encyclopedia lookup) in plain Java: each step the fusion
 * decides what to call (the panel proposes, agreement decides without a judge, a dispute goes to the judge),
 * the program runs the calls and sends the results back, until the fusion answers. All steps share one
 * budget ({@link Conversation}). The same agent with LangChain4j {@code @Tool} methods is
 * {@code dev.fusion.langchain4j.ToolAgentExample}.
 */
public final class ToolAgent {

    static final ToolSpec CALCULATOR = ToolSpec.of("calculator", "Evaluates an arithmetic expression such as 2*3",
            "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}");
    static final ToolSpec LOOKUP = ToolSpec.of("lookup", "Looks a term up in the encyclopedia",
            "{\"type\":\"object\",\"properties\":{\"term\":{\"type\":\"string\"}},\"required\":[\"term\"]}");
    static final Map<String, String> ENCYCLOPEDIA = Map.of(
            "Lovelace", "Ada Lovelace (1815-1852) wrote the first published algorithm for a machine.",
            "Babbage", "Charles Babbage (1791-1871) designed the Analytical Engine.");

    /** The calculator tool: products and sums of integers. */
    static String calculator(String expression) {
        String e = expression.replace(" ", "");
        if (e.contains("*")) {
            long r = 1;
            for (String f : e.split("\\*")) {
                r *= Long.parseLong(f);
            }
            return Long.toString(r);
        }
        long r = 0;
        for (String t : e.split("\\+")) {
            r += Long.parseLong(t);
        }
        return Long.toString(r);
    }

    /** The lookup tool. */
    static String lookup(String term) {
        return ENCYCLOPEDIA.getOrDefault(term.strip(), "no entry for " + term);
    }

    public static void main(String[] args) {
        String question = args.length > 0 ? String.join(" ", args) : "What is 17 * 23?";
        try (Models models = Models.open()) {
            Fusion fusion = Fusion.builder()
                    .panel(models.cheap(0), models.cheap(1), models.cheap(2))
                    .judge(models.judge()).quorum(2)
                    .priceBook(models.prices)
                    .build();
            Conversation task = fusion.conversation(new BigDecimal("0.05"));   // every step of the task together
            List<ChatMessage> history = new ArrayList<>(List.of(ChatMessage.user(question)));
            for (int step = 1; step <= 5; step++) {
                FusionResult r = task.ask(FusionRequest.builder().messages(history).tools(CALCULATOR, LOOKUP).build());
                if (!r.hasToolCalls()) {
                    System.out.println("answer: " + r.answer());
                    break;
                }
                List<ToolResult> results = new ArrayList<>();
                for (ToolCall call : r.toolCalls()) {
                    String out = switch (call.name()) {
                        case "calculator" -> calculator(call.arguments().path("expression").asText());
                        case "lookup" -> lookup(call.arguments().path("term").asText());
                        default -> throw new IllegalStateException("not offered: " + call.name());
                    };
                    System.out.println("step " + step + " (" + r.decidedBy().orElseThrow() + "): " + call.name() + " "
                            + call.argumentsJson() + " -> " + out);
                    results.add(ToolResult.of(call, out));
                }
                history.add(ChatMessage.assistant(r.answer(), r.toolCalls()));
                history.add(ChatMessage.toolResults(results));
            }
            System.out.println("spent $" + task.spentUsd().toPlainString() + " of $" + task.budgetUsd().toPlainString());
        }
    }
}
