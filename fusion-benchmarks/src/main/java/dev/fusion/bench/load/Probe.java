package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed loop of one client against the zero-latency server for profiling (JFR) outside JMH:
 * {@code java -XX:StartFlightRecording=... -cp benchmarks.jar dev.fusion.bench.load.Probe fusionAsk 20 2}
 * (client, seconds, threads; client = fusionAsk | fusionAskJson (panel without streaming) | fusionCall |
 * rawCall | rawSeq5 | rawPool). Prints calls/s and client CPU per call.
 */
public final class Probe {

    private Probe() {
    }

    public static void main(String[] args) throws Exception {
        String client = args[0];
        int seconds = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        try (ServerProcess server = ServerProcess.start("memberMs=0", "judgeMs=0")) {
            List<String> members = Clients.members(4);
            Fusion fusion = Clients.fusion(server.openAiBase(), members, "judge-1").build();
            Fusion fusionJson = Clients.fusion(server.openAiBase(), members, "judge-1").panelStreaming(false).build();
            ChatModel model = Clients.fusionModel(server.openAiBase(), "member-1");
            ModelRequest req = ModelRequest.builder().user(Clients.PROMPT).maxOutputTokens(Clients.MAX_TOKENS).build();
            Clients.Raw raw = new Clients.Raw(server.openAiBase());
            JudgePrompt jp = JudgePrompt.synthesize();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                    members.size() * threads);
            Runnable op = switch (client) {
                case "fusionAsk" -> () -> fusion.ask(Clients.PROMPT);
                case "fusionAskJson" -> () -> fusionJson.ask(Clients.PROMPT);
                case "fusionCall" -> () -> model.call(req).block();
                case "rawCall" -> () -> raw.call("member-1", Clients.PROMPT);
                case "rawSeq5" -> () -> {
                    List<String> answers = new ArrayList<>();
                    for (String m : members) {
                        answers.add(raw.call(m, Clients.PROMPT).text());
                    }
                    raw.call("judge-1", jp.system(), jp.render(Clients.PROMPT, answers));
                };
                case "rawPool" -> () -> {
                    List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
                    for (String m : members) {
                        calls.add(() -> raw.call(m, Clients.PROMPT));
                    }
                    try {
                        Clients.fanOutOnPool(pool, calls, answers -> raw.call("judge-1", jp.system(),
                                jp.render(Clients.PROMPT, answers)));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                default -> throw new IllegalArgumentException(client);
            };
            int callsPerOp = client.startsWith("fusionAsk") || client.equals("rawSeq5") || client.equals("rawPool") ? 5 : 1;
            AtomicLong ops = new AtomicLong();
            long warmEnd = System.nanoTime() + 10_000_000_000L;
            long end = warmEnd + seconds * 1_000_000_000L;
            long[] cpuAtWarm = new long[1];
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            List<Thread> ts = new ArrayList<>();
            AtomicLong warmOps = new AtomicLong();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    while (System.nanoTime() < end) {
                        op.run();
                        if (System.nanoTime() < warmEnd) {
                            warmOps.incrementAndGet();
                        } else {
                            ops.incrementAndGet();
                        }
                    }
                });
                ts.add(th);
                th.start();
            }
            Thread.sleep(Math.max(0, (warmEnd - System.nanoTime()) / 1_000_000));
            cpuAtWarm[0] = os.getProcessCpuTime();
            long ctx0 = contextSwitches();
            java.util.Map<String, Long> before = switchesByThreadGroup();
            long s0 = server.stats().cpuNanos();
            for (Thread th : ts) {
                th.join();
            }
            long cpu = os.getProcessCpuTime() - cpuAtWarm[0];
            long scpu = server.stats().cpuNanos() - s0;
            long ctx = contextSwitches() - ctx0;
            if (Boolean.getBoolean("probe.threads")) {
                java.util.Map<String, Long> after = switchesByThreadGroup();
                after.forEach((k, v) -> System.out.printf("  %-28s %.3f switches/call%n", k,
                        (v - before.getOrDefault(k, 0L)) / (double) (ops.get() * callsPerOp)));
            }
            long calls = ops.get() * callsPerOp;
            System.out.printf("%s: %d calls in %d s (%.0f calls/s), client CPU %.1f us/call, server CPU %.1f us/call,"
                    + " client context switches %.2f/call%n",
                    client, calls, seconds, calls / (double) seconds, cpu / 1e3 / calls, scpu / 1e3 / calls, ctx / (double) calls);
        }
        System.exit(0);
    }

    /** Context switches summed by thread name with digits removed (Linux). */
    static java.util.Map<String, Long> switchesByThreadGroup() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return m;
        }
        for (java.io.File t : tasks) {
            try {
                String name = java.nio.file.Files.readString(new java.io.File(t, "comm").toPath()).trim()
                        .replaceAll("[0-9]+", "#");
                for (String line : java.nio.file.Files.readAllLines(new java.io.File(t, "status").toPath())) {
                    if (line.contains("ctxt_switches:")) {
                        m.merge(name, Long.parseLong(line.substring(line.indexOf(':') + 1).trim()), Long::sum);
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the thread ended while being read
            }
        }
        return m;
    }

    /** Voluntary + involuntary context switches of this process's live threads (Linux; 0 elsewhere). */
    static long contextSwitches() {
        long sum = 0;
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return 0;
        }
        for (java.io.File t : tasks) {
            try {
                for (String line : java.nio.file.Files.readAllLines(new java.io.File(t, "status").toPath())) {
                    if (line.contains("ctxt_switches:")) {
                        sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the thread ended while being read
            }
        }
        return sum;
    }
}
