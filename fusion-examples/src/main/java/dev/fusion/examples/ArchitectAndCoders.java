package dev.fusion.examples;

import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;

/**
 * "Architect and coders": flagships plan, cheap models write the code from the merged plan, and the
 * judge merges the implementations. Two asks, one ledger each.
 */
public final class ArchitectAndCoders {
    public static void main(String[] args) {
        String task = args.length > 0 ? String.join(" ", args)
                : "A Java method that merges overlapping intervals given as int[][] and returns them sorted.";
        try (Models models = Models.open()) {
            Fusion architects = Fusion.builder()
                    .panel(models.flagship(0), models.flagship(1))
                    .judge(models.judge())
                    .priceBook(models.prices).build();
            FusionResult plan = architects.ask(FusionRequest.builder()
                    .system("You are a software architect. Write a short numbered plan, no code.")
                    .prompt(task).maxOutputTokens(600).build());
            System.out.println("=== plan ($" + plan.totalCostUsd().toPlainString() + ")\n" + plan.answer());

            Fusion coders = Fusion.builder()
                    .panel(models.cheap(0), models.cheap(1), models.cheap(2))
                    .judge(models.judge())
                    .quorum(2)
                    .priceBook(models.prices).build();
            FusionResult code = coders.ask(FusionRequest.builder()
                    .system("You are a careful programmer. Implement exactly the plan you are given.")
                    .prompt("Task: " + task + "\n\nPlan:\n" + plan.answer()).maxOutputTokens(1200).build());
            System.out.println("\n=== implementation ($" + code.totalCostUsd().toPlainString() + ")\n" + code.answer());
            System.out.println("\ntotal $" + plan.totalCostUsd().add(code.totalCostUsd()).toPlainString());
        }
    }
}
