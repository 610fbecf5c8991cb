package dev.fusion.examples;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;

/** The smallest useful program: three cheap models, one flagship judge, one answer, its cost. */
public final class QuickStart {
    public static void main(String[] args) {
        try (Models models = Models.open()) {
            Fusion fusion = Fusion.builder()
                    .panel(models.cheap(0), models.cheap(1), models.cheap(2))
                    .judge(models.judge())
                    .priceBook(models.prices)
                    .build();
            FusionResult r = fusion.ask(args.length > 0 ? String.join(" ", args)
                    : "What are the trade-offs between optimistic and pessimistic locking?");
            System.out.println(r.answer());
            r.calls().forEach(c -> System.out.println("  " + c.role().wireName() + " " + c.memberId() + " "
                    + c.status().wireName() + " " + c.usage().totalTokens() + " tokens " + c.cost()));
            System.out.println("total $" + r.totalCostUsd().toPlainString() + " in " + r.wallTime().toMillis() + " ms");
        }
    }
}
