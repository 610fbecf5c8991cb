package dev.fusion.examples;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;

import java.math.BigDecimal;

/**
 * A budget panel fused by a judge, next to the flagship alone on the same prompt, costs side by side.
 * On the sandbox the flagship is its slow, expensive persona (sandbox-scholar).
 */
public final class PanelVsFlagship {
    public static void main(String[] args) {
        String prompt = args.length > 0 ? String.join(" ", args)
                : "Explain how a B-tree stays balanced on insert, with a small example.";
        try (Models models = Models.open()) {
            ChatModel flagship = models.flagship(0);
            Fusion fusion = Fusion.builder()
                    .panel(models.cheap(0), models.cheap(1), models.cheap(2))
                    .judge(models.cheapJudge())      // a cheap judge: the whole ask stays on budget models
                    .priceBook(models.prices)
                    .build();
            FusionResult fused = fusion.ask(prompt);

            long t0 = System.nanoTime();
            ModelResponse alone = flagship.call(ModelRequest.builder().user(prompt).maxOutputTokens(1024).build()).block();
            long aloneMs = (System.nanoTime() - t0) / 1_000_000;
            BigDecimal aloneCost = models.prices.cost(flagship.ref(), alone.usage(), alone.reportedCostUsd()).usd().orElse(null);

            System.out.println("=== budget panel + cheap judge (" + fused.wallTime().toMillis() + " ms, $"
                    + fused.totalCostUsd().toPlainString() + ")\n" + fused.answer());
            System.out.println("\n=== " + flagship.ref() + " alone (" + aloneMs + " ms, "
                    + (aloneCost == null ? "unpriced" : "$" + aloneCost.toPlainString()) + ")\n" + alone.text());
            if (aloneCost != null && aloneCost.signum() > 0) {
                System.out.println("\nfusion cost / flagship cost = "
                        + fused.totalCostUsd().divide(aloneCost, 3, java.math.RoundingMode.HALF_UP));
            }
            if (models.sandbox) {
                System.out.println("[sandbox] fictional models and prices: these figures show the arithmetic,"
                        + " not the quality or price of any real model.");
            }
        }
    }
}
