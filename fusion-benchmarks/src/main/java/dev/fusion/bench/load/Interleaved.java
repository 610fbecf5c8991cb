package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * CPU per model call of several clients in ONE process, measured in alternating windows
 * (A, B, C, A, B, C, …) so that every client sees the same background load: on a shared 2-core
 * machine, load from other processes inflates CPU time per call (cache and scheduler effects), and
 * sequential JMH runs drift apart. Each window's ratio to the baseline window next to it is a
 * paired sample; the report gives the median ratio and its spread.
 *
 * <pre>java -cp benchmarks.jar dev.fusion.bench.load.Interleaved [windows=30] [windowMs=1000] [warmupS=40]
 *     [only=name;name;...]</pre>
 * {@code only} keeps the named clients (separated by semicolons, e.g. {@code only=Fusion ask;raw streamed fan-out}); the ratios
 * whose two sides ran are printed.
 */
public final class Interleaved {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private Interleaved() {
    }

    interface Op {
        int run() throws Exception; // returns model calls done
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opt.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int windows = Integer.parseInt(opt.getOrDefault("windows", "30"));
        long windowMs = Long.parseLong(opt.getOrDefault("windowMs", "1000"));
        long warmupS = Long.parseLong(opt.getOrDefault("warmupS", "40"));
        System.out.printf("== interleaved CPU per call  %s  JDK %s  cores=%d  windows=%d x %d ms%n",
                java.time.LocalDate.now(), Runtime.version(), Runtime.getRuntime().availableProcessors(), windows, windowMs);
        try (ServerProcess server = ServerProcess.start("memberMs=0", "judgeMs=0")) {
            String base = server.openAiBase();
            List<String> members = Clients.members(4);
            JudgePrompt jp = JudgePrompt.synthesize();
            Clients.Raw raw = new Clients.Raw(base);
            // The floor: the same hand-written client with OkHttp's read/write timeouts off, as Fusion's
            // client has them (Fusion times calls itself); no production client should run without any.
            Clients.Raw rawNoIoTimeouts = new Clients.Raw(base, new okhttp3.OkHttpClient.Builder()
                    .retryOnConnectionFailure(false).readTimeout(java.time.Duration.ZERO)
                    .writeTimeout(java.time.Duration.ZERO).build());
            Fusion fusion = Clients.fusion(base, members, "judge-1").build();
            // Panel calls stream by default since wave 2 (a cancelled straggler frees its server slot at
            // once); the hand-written clients make plain JSON calls, so the like-for-like row is this one.
            Fusion fusionJson = Clients.fusion(base, members, "judge-1").panelStreaming(false).build();
            // The default ask under a spend cap: every ask plans its worst case (prompt estimates) first.
            Fusion fusionCapped = Clients.fusion(base, members, "judge-1")
                    .spendCapUsd(new BigDecimal("1000000"), java.time.Duration.ofDays(1)).build();
            ChatModel model = Clients.fusionModel(base, "member-1");
            PriceBook prices = PriceBook.empty().with(model.ref(), Price.of("1", "4"));
            ModelRequest req = ModelRequest.builder().user(Clients.PROMPT).maxOutputTokens(Clients.MAX_TOKENS).build();
            List<OpenAiChatModel> lc = new ArrayList<>();
            for (String m : members) {
                lc.add(Clients.langchain4j(base, m));
            }
            OpenAiChatModel lcJudge = Clients.langchain4j(base, "judge-1");
            // The streamed baselines: members over SSE as Fusion's default panel calls them, judge as JSON
            // (a blocking ask does not stream its judge).
            Clients.RawStream rawStream = new Clients.RawStream(base);
            List<dev.langchain4j.model.openai.OpenAiStreamingChatModel> lcStream = new ArrayList<>();
            for (String m : members) {
                lcStream.add(Clients.langchain4jStreaming(base, m));
            }
            ExecutorService pool = Executors.newFixedThreadPool(members.size());

            Map<String, Op> ops = new LinkedHashMap<>();
            ops.put("raw call (sync)", () -> {
                raw.call("member-1", Clients.PROMPT);
                return 1;
            });
            ops.put("Fusion provider call", () -> {
                ModelResponse r = model.call(req).block();
                prices.cost(model.ref(), r.usage(), r.reportedCostUsd());
                return 1;
            });
            ops.put("LangChain4j call", () -> {
                Clients.langchain4jCall(lc.get(0), Clients.PROMPT);
                return 1;
            });
            ops.put("raw fan-out on pool", () -> {
                List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
                for (String m : members) {
                    calls.add(() -> raw.call(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> raw.call("judge-1", jp.system(), jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });
            ops.put("raw fan-out, no I/O timeouts", () -> {
                List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
                for (String m : members) {
                    calls.add(() -> rawNoIoTimeouts.call(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> rawNoIoTimeouts.call("judge-1", jp.system(),
                        jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });
            ops.put("raw streamed fan-out", () -> {
                List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
                for (String m : members) {
                    calls.add(() -> rawStream.call(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> raw.call("judge-1", jp.system(), jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });
            ops.put("Fusion ask", () -> {
                fusion.ask(Clients.PROMPT);
                return members.size() + 1;
            });
            ops.put("Fusion ask, capped", () -> {
                fusionCapped.ask(Clients.PROMPT);
                return members.size() + 1;
            });
            ops.put("Fusion ask, JSON panel", () -> {
                fusionJson.ask(Clients.PROMPT);
                return members.size() + 1;
            });
            ops.put("LangChain4j fan-out on pool", () -> {
                List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
                for (OpenAiChatModel m : lc) {
                    calls.add(() -> Clients.langchain4jCall(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> Clients.langchain4jCall(lcJudge, jp.system(),
                        jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });

            ops.put("LangChain4j streamed fan-out", () -> {
                List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
                for (dev.langchain4j.model.openai.OpenAiStreamingChatModel m : lcStream) {
                    calls.add(() -> Clients.langchain4jStream(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> Clients.langchain4jCall(lcJudge, jp.system(),
                        jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });
            Set<String> only = opt.containsKey("only") ? Set.of(opt.get("only").split(";")) : null;
            if (only != null) {
                ops.keySet().removeIf(k -> !only.contains(k));
            }

            // Warm-up: every client, round-robin, until the JIT has settled.
            long warmEnd = System.nanoTime() + warmupS * 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                for (Op op : ops.values()) {
                    long e = System.nanoTime() + 500_000_000L;
                    while (System.nanoTime() < e) {
                        op.run();
                    }
                }
            }
            Map<String, List<Double>> cpu = new LinkedHashMap<>();
            Map<String, List<Double>> srv = new LinkedHashMap<>();
            ops.keySet().forEach(k -> {
                cpu.put(k, new ArrayList<>());
                srv.put(k, new ArrayList<>());
            });
            for (int w = 0; w < windows; w++) {
                for (Map.Entry<String, Op> e : ops.entrySet()) {
                    long s0 = server.stats().cpuNanos();
                    long c0 = OS.getProcessCpuTime();
                    long end = System.nanoTime() + windowMs * 1_000_000L;
                    long calls = 0;
                    while (System.nanoTime() < end) {
                        calls += e.getValue().run();
                    }
                    long c = OS.getProcessCpuTime() - c0;
                    long s = server.stats().cpuNanos() - s0;
                    cpu.get(e.getKey()).add(c / 1e3 / calls);
                    srv.get(e.getKey()).add(s / 1e3 / calls);
                }
            }
            pool.shutdownNow();
            System.out.println("client CPU per model call (us), per window:");
            for (String k : ops.keySet()) {
                System.out.printf("  %-28s %s   | server %s%n", k, Stats.of(cpu.get(k)).fmt(""), fmtShort(Stats.of(srv.get(k))));
            }
            System.out.println("paired ratios (window by window, same round):");
            // The streamed targets first: default (streamed) ask vs the hand-written streamed fan-out.
            ratio(cpu, "Fusion ask", "raw streamed fan-out");
            ratio(cpu, "Fusion ask, JSON panel", "raw fan-out on pool");
            ratio(cpu, "Fusion ask", "LangChain4j streamed fan-out");
            ratio(cpu, "Fusion ask, capped", "Fusion ask");
            ratio(cpu, "raw streamed fan-out", "raw fan-out on pool");
            ratio(cpu, "LangChain4j streamed fan-out", "raw streamed fan-out");
            ratio(cpu, "Fusion provider call", "raw call (sync)");
            ratio(cpu, "LangChain4j call", "raw call (sync)");
            ratio(cpu, "Fusion ask", "raw fan-out on pool");
            ratio(cpu, "Fusion ask", "raw fan-out, no I/O timeouts");
            ratio(cpu, "raw fan-out, no I/O timeouts", "raw fan-out on pool");
            ratio(cpu, "LangChain4j fan-out on pool", "raw fan-out on pool");
            ratio(cpu, "Fusion ask", "LangChain4j fan-out on pool");
            ratio(cpu, "Fusion ask, JSON panel", "raw fan-out on pool");
            ratio(cpu, "Fusion ask, JSON panel", "raw fan-out, no I/O timeouts");
            ratio(cpu, "Fusion ask, JSON panel", "LangChain4j fan-out on pool");
            ratio(cpu, "Fusion ask", "Fusion ask, JSON panel");
            ratio(cpu, "Fusion provider call", "LangChain4j call");
        }
        System.exit(0);
    }

    private static String fmtShort(Stats s) {
        return String.format("p50=%.1f", s.p(50));
    }

    private static void ratio(Map<String, List<Double>> cpu, String a, String b) {
        if (!cpu.containsKey(a) || !cpu.containsKey(b)) {
            return;
        }
        List<Double> r = Stats.pairedRatios(cpu.get(a), cpu.get(b));
        Stats s = Stats.of(r);
        System.out.printf("  %-28s / %-28s median %.3f  (p10 %.3f, p90 %.3f, n=%d)%n", a, b, s.p(50), s.p(10), s.p(90), s.n());
    }
}
