package dev.fusion.bench.load;

import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.judge.JudgePrompt;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Client CPU per model call of two builds of Fusion (two benchmark jars, each in its own class
 * loader, so each has its own OkHttp, Jackson and Reactor) in ONE process, measured in alternating
 * windows against one zero-latency server, with the hand-written raw fan-outs beside them (JSON
 * {@code raw}, and {@code rawStream}: members over SSE with okhttp-sse and Jackson, the like-for-like
 * baseline of a streamed panel). Both builds
 * see the same machine load window by window, so the paired ratio B / A stays readable on a machine
 * others are loading, where two separate runs of {@link Interleaved} differ by more than the change.
 *
 * <pre>java -cp benchmarks.jar dev.fusion.bench.load.AbCpu a=before.jar b=after.jar [rounds=60]
 *     [windowMs=500] [warmupS=30] [streaming=false] [cap=false]</pre>
 * {@code cap=true} builds both under a spend cap, so every ask plans its worst case (the prompt estimates run).
 */
public final class AbCpu {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private AbCpu() {
    }

    /** One Fusion ask (JSON or streamed panel) built by the {@code Clients} of a jar's own class loader. */
    private static Callable<Integer> fusionAsk(Path jar, String base, boolean streaming, boolean capped) throws Exception {
        URLClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(cl);
        try {
            Class<?> clients = cl.loadClass("dev.fusion.bench.Clients");
            List<?> members = (List<?>) clients.getMethod("members", int.class).invoke(null, 4);
            Object builder = clients.getMethod("fusion", String.class, List.class, String.class)
                    .invoke(null, base, members, "judge-1");
            builder = builder.getClass().getMethod("panelStreaming", boolean.class).invoke(builder, streaming);
            if (capped) { // every ask then plans its worst case: the prompt estimates run
                builder = builder.getClass().getMethod("spendCapUsd", java.math.BigDecimal.class, java.time.Duration.class)
                        .invoke(builder, new java.math.BigDecimal("1000000"), java.time.Duration.ofDays(1));
            }
            Object fusion = builder.getClass().getMethod("build").invoke(builder);
            Method ask = fusion.getClass().getMethod("ask", String.class);
            String prompt = (String) clients.getField("PROMPT").get(null);
            int calls = members.size() + 1;
            return () -> {
                ask.invoke(fusion, prompt);
                return calls;
            };
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opt.put(a.substring(0, eq), a.substring(eq + 1));
        }
        Path jarA = Path.of(opt.get("a"));
        Path jarB = Path.of(opt.get("b"));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "60"));
        long windowMs = Long.parseLong(opt.getOrDefault("windowMs", "500"));
        long warmupS = Long.parseLong(opt.getOrDefault("warmupS", "30"));
        boolean streaming = Boolean.parseBoolean(opt.getOrDefault("streaming", "false"));
        boolean capped = Boolean.parseBoolean(opt.getOrDefault("cap", "false"));
        System.out.printf("== A/B CPU per call  %s  JDK %s  cores=%d  rounds=%d x %d ms  panel %s%s%n  A=%s%n  B=%s%n",
                java.time.LocalDate.now(), Runtime.version(), Runtime.getRuntime().availableProcessors(), rounds,
                windowMs, streaming ? "streamed" : "JSON", capped ? ", under a spend cap" : "", jarA, jarB);
        try (ServerProcess server = ServerProcess.start("memberMs=0", "judgeMs=0")) {
            String base = server.openAiBase();
            Map<String, Callable<Integer>> ops = new LinkedHashMap<>();
            ops.put("A", fusionAsk(jarA, base, streaming, capped));
            ops.put("B", fusionAsk(jarB, base, streaming, capped));
            List<String> members = Clients.members(4);
            JudgePrompt jp = JudgePrompt.synthesize();
            Clients.Raw raw = new Clients.Raw(base);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(members.size());
            ops.put("raw", () -> {
                List<Callable<Clients.Answer>> calls = new ArrayList<>();
                for (String m : members) {
                    calls.add(() -> raw.call(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> raw.call("judge-1", jp.system(),
                        jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });
            // The streamed baseline: members over SSE parsed as a careful user would, judge as JSON.
            Clients.RawStream rawStream = new Clients.RawStream(base);
            ops.put("rawStream", () -> {
                List<Callable<Clients.Answer>> calls = new ArrayList<>();
                for (String m : members) {
                    calls.add(() -> rawStream.call(m, Clients.PROMPT));
                }
                Clients.fanOutOnPool(pool, calls, answers -> raw.call("judge-1", jp.system(),
                        jp.render(Clients.PROMPT, answers)));
                return members.size() + 1;
            });
            long warmEnd = System.nanoTime() + warmupS * 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                for (Callable<Integer> op : ops.values()) {
                    long e = System.nanoTime() + 500_000_000L;
                    while (System.nanoTime() < e) {
                        op.call();
                    }
                }
            }
            Map<String, List<Double>> cpu = new LinkedHashMap<>();
            ops.keySet().forEach(k -> cpu.put(k, new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                // A before B in even rounds, B before A in odd ones: no build always follows the other.
                List<String> order = r % 2 == 0 ? List.of("A", "B", "raw", "rawStream")
                        : List.of("B", "A", "rawStream", "raw");
                for (String k : order) {
                    Callable<Integer> op = ops.get(k);
                    long c0 = OS.getProcessCpuTime();
                    long end = System.nanoTime() + windowMs * 1_000_000L;
                    long calls = 0;
                    // At least one ask per window: on a starved machine a window can pass without one,
                    // and a window of no calls has no CPU per call (it printed "mean Infinity").
                    while (System.nanoTime() < end || calls == 0) {
                        calls += op.call();
                    }
                    cpu.get(k).add((OS.getProcessCpuTime() - c0) / 1e3 / calls);
                }
            }
            pool.shutdownNow();
            System.out.println("client CPU per model call (us), per window:");
            for (String k : ops.keySet()) {
                System.out.printf("  %-9s %s%n", k, Stats.of(cpu.get(k)).fmt(""));
            }
            System.out.println("paired ratios (window by window, same round):");
            ratio(cpu, "B", "A");
            ratio(cpu, "A", "raw");
            ratio(cpu, "B", "raw");
            ratio(cpu, "A", "rawStream");
            ratio(cpu, "B", "rawStream");
        }
        System.exit(0);
    }

    private static void ratio(Map<String, List<Double>> cpu, String a, String b) {
        List<Double> r = Stats.pairedRatios(cpu.get(a), cpu.get(b));
        Stats s = Stats.of(r);
        System.out.printf("  %-4s / %-9s median %.3f  (p10 %.3f, p90 %.3f, mean %.3f, n=%d)%n", a, b, s.p(50), s.p(10),
                s.p(90), r.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), s.n());
    }
}
