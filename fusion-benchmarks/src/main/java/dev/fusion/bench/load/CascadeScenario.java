package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.Strategy;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireServer;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The cascade on a scripted workload over real HTTP: {@code questions} questions, of which
 * {@code unanimous} percent get the same short answer from all three cheap members and the rest get
 * three different answers. The same questions are asked with an always-judge panel (synthesize) and
 * with the cascade, and the spend of each is compared. Target: cascade spend <= 0.6 x always-judge.
 *
 * <pre>java -cp fusion-benchmarks/target/benchmarks.jar dev.fusion.bench.load.CascadeScenario questions=50 unanimous=60</pre>
 */
public final class CascadeScenario {

    private CascadeScenario() {
    }

    public static void main(String[] args) {
        int questions = 50;
        int unanimous = 60;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv[0].equals("questions")) {
                questions = Integer.parseInt(kv[1]);
            } else if (kv[0].equals("unanimous")) {
                unanimous = Integer.parseInt(kv[1]);
            }
        }
        int agreeing = questions * unanimous / 100;
        final int agreeCount = agreeing;
        // Each cheap member answers "q<i>" questions; the first agreeCount questions get identical answers.
        Behaviour b = Behaviour.builder()
                .model("cheap-a", r -> Reply.text(answer(r.lastUserText(), "a", agreeCount)).usage(Usage.of(200, 20)))
                .model("cheap-b", r -> Reply.text(answer(r.lastUserText(), "b", agreeCount)).usage(Usage.of(200, 20)))
                .model("cheap-c", r -> Reply.text(answer(r.lastUserText(), "c", agreeCount)).usage(Usage.of(200, 20)))
                .model("flagship-judge", Reply.text("merged answer").usage(Usage.of(1200, 300)))
                .build();
        try (WireServer server = WireServer.start(b)) {
            Providers p = Providers.builder().env(Map.of()).build()
                    .with(Map.of("s", ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl() + "/v1")));
            BigDecimal judgeSpend = run(p, Strategy.synthesize(), questions);
            BigDecimal cascadeSpend = run(p, Strategy.cascade(), questions);
            BigDecimal ratio = cascadeSpend.divide(judgeSpend, 4, RoundingMode.HALF_UP);
            System.out.printf("questions=%d unanimous=%d%% always-judge=$%s cascade=$%s ratio=%s (target <= 0.6) %s%n",
                    questions, unanimous, judgeSpend.toPlainString(), cascadeSpend.toPlainString(), ratio.toPlainString(),
                    ratio.compareTo(new BigDecimal("0.6")) <= 0 ? "MET" : "MISSED");
        }
    }

    private static String answer(String prompt, String member, int agreeing) {
        int q = Integer.parseInt(prompt.replaceAll("\\D+", ""));
        return q < agreeing ? "Answer " + q : "Member " + member + " thinks " + (q * 31 + member.hashCode());
    }

    private static BigDecimal run(Providers p, Strategy strategy, int questions) {
        Fusion f = Fusion.builder()
                .panel(p.model("s:cheap-a"), p.model("s:cheap-b"), p.model("s:cheap-c"))
                .judge(p.model("s:flagship-judge")).strategy(strategy)
                .price("s:cheap-a", Price.of("0.10", "0.40")).price("s:cheap-b", Price.of("0.10", "0.40"))
                .price("s:cheap-c", Price.of("0.10", "0.40")).price("s:flagship-judge", Price.of("15", "75"))
                .build();
        BigDecimal total = BigDecimal.ZERO;
        int judged = 0;
        for (int q = 0; q < questions; q++) {
            FusionResult r = f.ask("question q" + q);
            total = total.add(r.totalCostUsd());
            judged += r.judgeCalls().isEmpty() ? 0 : 1;
        }
        System.out.printf("%-10s spend=$%s judge calls=%d/%d%n", strategy.name(), total.toPlainString(), judged, questions);
        return total;
    }
}
