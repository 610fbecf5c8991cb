package dev.fusion.bench.server;

import dev.fusion.cost.Usage;

import java.util.HashMap;
import java.util.Map;

/** A snapshot of the server process's counters. */
public record ServerStats(long requests, int inFlight, int maxInFlight, long cpuNanos, Usage served, int threads) {

    static ServerStats parse(String line) {
        if (!line.startsWith("STATS ")) {
            throw new IllegalStateException("unexpected server answer: " + line);
        }
        Map<String, Long> m = new HashMap<>();
        for (String kv : line.substring(6).trim().split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
        }
        return new ServerStats(m.get("requests"), m.get("inFlight").intValue(), m.get("maxInFlight").intValue(),
                m.get("cpuNanos"), new Usage(m.get("input"), m.get("cacheRead"), m.get("cacheWrite"),
                m.get("cacheWrite1h"), m.get("output"), m.get("reasoning")), m.get("threads").intValue());
    }
}
