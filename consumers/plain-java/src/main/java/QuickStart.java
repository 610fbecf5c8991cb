import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.providers.SandboxProviders;

import java.math.BigDecimal;
import java.time.Duration;

public class QuickStart {
    public static void main(String[] args) {
        try (SandboxProviders sandbox = SandboxProviders.start()) {    // offline models on 127.0.0.1, no keys
            Providers providers = sandbox.providers();
            Fusion fusion = Fusion.builder()
                .panel(providers.model("sandbox-openai:sandbox-swift"),
                       providers.model("sandbox-openai:sandbox-contrarian"),
                       providers.model("sandbox-gemini:sandbox-terse"))  // or any ChatModel of your own
                .judge(providers.model("sandbox-openai:sandbox-judge"))
                .priceBook(sandbox.priceBook())                       // fictional sandbox prices + the bundled book
                .budgetUsd(new BigDecimal("0.05"))                    // a hard cap per ask
                .quorum(2).grace(Duration.ofSeconds(5))               // two answers suffice; stragglers get 5 s more
                .deadline(Duration.ofSeconds(60))                     // the whole ask never outlives this
                .build();                                             // immutable, thread-safe: share one instance

            FusionResult r = fusion.ask("What is the CAP theorem?");
            System.out.println(r.answer());
            r.calls().forEach(c -> System.out.println(c.memberId() + " " + c.status().wireName() + " " + c.cost()));
            System.out.println("total $" + r.totalCostUsd() + (r.costComplete() ? "" : " + unpriced calls"));
        }
    }
}
