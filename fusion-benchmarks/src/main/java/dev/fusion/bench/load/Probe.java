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
 * (client, seconds, threads). Prints calls/s and client CPU per call.
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
            ChatModel model = Clients.fusionModel(server.openAiBase(), "member-1");
            ModelRequest req = ModelRequest.builder().user(Clients.PROMPT).maxOutputTokens(Clients.MAX_TOKENS).build();
            Clients.Raw raw = new Clients.Raw(server.openAiBase());
            JudgePrompt jp = JudgePrompt.synthesize();
            Runnable op = switch (client) {
                case "fusionAsk" -> () -> fusion.ask(Clients.PROMPT);
                case "fusionCall" -> () -> model.call(req).block();
                case "rawCall" -> () -> raw.call("member-1", Clients.PROMPT);
                case "rawSeq5" -> () -> {
                    List<String> answers = new ArrayList<>();
                    for (String m : members) {
                        answers.add(raw.call(m, Clients.PROMPT).text());
                    }
                    raw.call("judge-1", jp.system(), jp.render(Clients.PROMPT, answers));
                };
                default -> throw new IllegalArgumentException(client);
            };
            int callsPerOp = client.equals("fusionAsk") || client.equals("rawSeq5") ? 5 : 1;
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
            long s0 = server.stats().cpuNanos();
            for (Thread th : ts) {
                th.join();
            }
            long cpu = os.getProcessCpuTime() - cpuAtWarm[0];
            long scpu = server.stats().cpuNanos() - s0;
            long calls = ops.get() * callsPerOp;
            System.out.printf("%s: %d calls in %d s (%.0f calls/s), client CPU %.1f us/call, server CPU %.1f us/call%n",
                    client, calls, seconds, calls / (double) seconds, cpu / 1e3 / calls, scpu / 1e3 / calls);
        }
    }
}
