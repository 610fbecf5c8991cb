package dev.fusion.bench.server;

import dev.fusion.cost.Usage;
import dev.fusion.sandbox.WireServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark server as its own process, so the client's CPU time, RSS and thread counts are the
 * client's alone. Prints {@code READY <port>}, then answers line commands on stdin:
 * {@code stats} (one line, see {@link ServerStats#parse}), {@code reset}; end of input stops it.
 */
public final class ServerMain {

    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.of(args);
        try (WireServer server = WireServer.start(config.behaviour())) {
            System.out.println("READY " + server.port());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.trim()) {
                    case "stats" -> System.out.println(stats(server));
                    case "reset" -> {
                        server.resetStats();
                        System.out.println("OK");
                    }
                    default -> System.out.println("ERR unknown command " + line);
                }
                System.out.flush();
            }
        }
    }

    private static String stats(WireServer server) {
        Usage u = server.servedUsage();
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return "STATS requests=" + server.requestCount() + " inFlight=" + server.inFlight() + " maxInFlight="
                + server.maxInFlight() + " cpuNanos=" + cpu + " input=" + u.input() + " cacheRead=" + u.cacheRead()
                + " cacheWrite=" + u.cacheWrite() + " cacheWrite1h=" + u.cacheWrite1h() + " output=" + u.output()
                + " reasoning=" + u.reasoning() + " threads=" + ManagementFactory.getThreadMXBean().getThreadCount();
    }
}
