package dev.fusion.bench.load;

import dev.fusion.DecidedBy;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.model.ToolSpec;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import dev.fusion.sandbox.WireServer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tool-decision workload: a three-member panel proposes the next tool step of an agent; in 70 % of the
 * steps the members agree (same call), in the rest they propose different tools. Fused decisions take the
 * agreeing steps without a judge call; the baseline asks the judge on every step (emulated: on agreeing
 * steps the members propose what they propose on disputed steps, three different calls with no quorum, so
 * the judge decides every step, after panel calls of the same size and cost).
 * Spend and wall time of the two are compared step by step, interleaved (fused, baseline, fused, ...) so
 * both see the same background load. Sandbox over real HTTP (OpenAI wire format), members 300 ms, judge
 * 500 ms, members $1/$4 and judge $3/$15 per million tokens.
 *
 * <p>{@code java -cp benchmarks.jar dev.fusion.bench.load.ToolDecisionWorkload [steps=100]}
 */
public final class ToolDecisionWorkload {

    static final ToolSpec WEATHER = ToolSpec.of("get_weather", "Current weather for a city",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
    static final ToolSpec TIME = new ToolSpec("get_time", "The current time", null);
    static final Pattern STEP = Pattern.compile("step (\\d+) (fused|baseline)");

    /** Whether step {@code n} is one where the members agree (7 of every 10). */
    static boolean agreeing(int n) {
        return n % 10 < 7;
    }

    static Reply member(int index, WireRequest r) {
        Matcher m = STEP.matcher(r.lastUserText());
        boolean found = m.find();
        int step = found ? Integer.parseInt(m.group(1)) : 0;
        boolean baseline = found && m.group(2).equals("baseline");
        Reply.ToolCall weather = new Reply.ToolCall("get_weather", "{\"city\":\"Paris\"}");
        Reply.ToolCall time = new Reply.ToolCall("get_time", "{}");
        Reply.ToolCall call;
        if (agreeing(step) && !baseline) {
            call = weather;
        } else { // a dispute without a quorum; the baseline's agreeing steps too, so the judge decides every step
            call = index == 1 ? time : index == 2 ? new Reply.ToolCall("get_weather", "{\"city\":\"Lyon\"}") : weather;
        }
        return Reply.toolCalls("", List.of(call)).latencyMillis(300).usage(Usage.of(400, 30));
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Behaviour behaviour = Behaviour.builder()
                .model("m0", r -> member(0, r)).model("m1", r -> member(1, r)).model("m2", r -> member(2, r))
                .model("judge", r -> Reply.toolCalls("", List.of(new Reply.ToolCall("get_weather", "{\"city\":\"Paris\"}")))
                        .latencyMillis(500).usage(Usage.of(900, 40)))
                .build();
        try (WireServer server = WireServer.start(behaviour)) {
            Providers p = Providers.builder().env(Map.of())
                    .provider("bench", ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl(WireFormat.OPENAI)))
                    .build();
            Price member = Price.of("1", "4");
            Fusion fusion = Fusion.builder().panel(p.model("bench:m0"), p.model("bench:m1"), p.model("bench:m2"))
                    .judge(p.model("bench:judge")).quorum(2).panelStreaming(false)
                    .price("bench:m0", member).price("bench:m1", member).price("bench:m2", member)
                    .price("bench:judge", Price.of("3", "15"))
                    .retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE).build();
            for (int w = 0; w < 5; w++) { // warm-up
                fusion.ask(request(w, "fused"));
                fusion.ask(request(w, "baseline"));
            }
            BigDecimal fusedUsd = BigDecimal.ZERO;
            BigDecimal baseUsd = BigDecimal.ZERO;
            long fusedMs = 0;
            long baseMs = 0;
            int fusedJudgeCalls = 0;
            int baseJudgeCalls = 0;
            Map<DecidedBy, Integer> how = new EnumMap<>(DecidedBy.class);
            List<Double> wallRatios = new ArrayList<>();
            for (int n = 0; n < steps; n++) {
                FusionResult f = fusion.ask(request(n, "fused"));
                FusionResult b = fusion.ask(request(n, "baseline"));
                fusedUsd = fusedUsd.add(f.totalCostUsd());
                baseUsd = baseUsd.add(b.totalCostUsd());
                fusedMs += f.wallTime().toMillis();
                baseMs += b.wallTime().toMillis();
                fusedJudgeCalls += f.judgeCalls().size();
                baseJudgeCalls += b.judgeCalls().size();
                how.merge(f.decidedBy().orElseThrow(), 1, Integer::sum);
                wallRatios.add((double) f.wallTime().toMillis() / Math.max(1, b.wallTime().toMillis()));
            }
            System.out.println("steps " + steps + " (70 % agreeing), fused decided by " + how);
            System.out.println("judge calls: fused " + fusedJudgeCalls + ", always-judge " + baseJudgeCalls);
            System.out.printf("spend: fused $%s, always-judge $%s, ratio %.3f%n", fusedUsd.toPlainString(),
                    baseUsd.toPlainString(), fusedUsd.doubleValue() / baseUsd.doubleValue());
            System.out.printf("wall: fused %d ms, always-judge %d ms, ratio %.3f (per-step median %.3f)%n", fusedMs, baseMs,
                    (double) fusedMs / baseMs, wallRatios.stream().sorted().toList().get(wallRatios.size() / 2));
        }
    }

    static FusionRequest request(int n, String mode) {
        return FusionRequest.builder().prompt("Agent step " + n + " " + mode + ": what is the weather in Paris?")
                .tools(WEATHER, TIME).build();
    }
}
