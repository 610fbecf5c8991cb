package dev.fusion.bench.server;

import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.RetryAfter;
import dev.fusion.sandbox.Script;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the benchmark server answers, as {@code key=value} arguments so the same behaviour can be
 * built in a child process. Model ids starting with {@code judge} get the judge reply, every other
 * id the member reply.
 *
 * <ul>
 *   <li>{@code memberMs}, {@code judgeMs}: first-byte latency of member / judge replies (default 0)</li>
 *   <li>{@code words}: words per answer (default 60, about 400 characters)</li>
 *   <li>{@code chunkMs}: delay between stream chunks (default 0)</li>
 *   <li>{@code faults}: probability of a random fault per request (default 0)</li>
 *   <li>{@code seed}: the fault seed (default 42)</li>
 *   <li>{@code faultKinds}: comma-separated, from {@code 500,503,429,reset,truncated} (default all;
 *       429 carries {@code Retry-After: 1})</li>
 *   <li>{@code stamp}: {@code true} makes the judge's first word {@code t=<System.nanoTime()>}, taken
 *       when the reply is decided, just before the server renders and writes it</li>
 * </ul>
 */
public final class ServerConfig {

    private final Map<String, String> values = new LinkedHashMap<>();

    private ServerConfig() {
    }

    public static ServerConfig of(String... keyValues) {
        ServerConfig c = new ServerConfig();
        for (String kv : keyValues) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got " + kv);
            }
            c.values.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return c;
    }

    public String[] args() {
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> out.add(k + "=" + v));
        return out.toArray(new String[0]);
    }

    public long memberMs() { return Long.parseLong(values.getOrDefault("memberMs", "0")); }

    public long judgeMs() { return Long.parseLong(values.getOrDefault("judgeMs", "0")); }

    public int words() { return Integer.parseInt(values.getOrDefault("words", "60")); }

    public long chunkMs() { return Long.parseLong(values.getOrDefault("chunkMs", "0")); }

    public double faults() { return Double.parseDouble(values.getOrDefault("faults", "0")); }

    public long seed() { return Long.parseLong(values.getOrDefault("seed", "42")); }

    public boolean stamp() { return Boolean.parseBoolean(values.getOrDefault("stamp", "false")); }

    /** A deterministic answer of {@code n} words. */
    public static String words(int n, String salt) {
        String[] vocab = {"the", "fan-out", "answer", "is", "concurrent", "judge", "merges", "panel", "cost",
                "token", "latency", "provider", "model", "request", "stream", "usage", "exact", "price"};
        StringBuilder sb = new StringBuilder(salt);
        for (int i = 0; i < n; i++) {
            sb.append(' ').append(vocab[(i * 7 + salt.length()) % vocab.length]);
        }
        return sb.append('.').toString();
    }

    public Behaviour behaviour() {
        Reply member = Reply.text(words(words(), "Member")).latencyMillis(memberMs())
                .chunkDelay(Duration.ofMillis(chunkMs()));
        Reply judge = Reply.text(words(words(), "Merged")).latencyMillis(judgeMs())
                .chunkDelay(Duration.ofMillis(chunkMs()));
        boolean stamp = stamp();
        String judgeRest = words(words(), "");
        Script script = r -> {
            if (r.model().startsWith("judge")) {
                return stamp ? judge.withText("t=" + System.nanoTime() + judgeRest) : judge;
            }
            return member;
        };
        Behaviour.Builder b = Behaviour.builder().fallback(script);
        if (faults() > 0) {
            List<Fault> kinds = new ArrayList<>();
            for (String k : values.getOrDefault("faultKinds", "500,503,429,reset,truncated").split(",")) {
                kinds.add(switch (k.trim()) {
                    case "500" -> Fault.http(500);
                    case "503" -> Fault.http(503);
                    case "429" -> Fault.rateLimited(RetryAfter.seconds(1));
                    case "reset" -> Fault.resetMidBody();
                    case "truncated" -> Fault.truncatedBody();
                    default -> throw new IllegalArgumentException("unknown fault kind " + k);
                });
            }
            b.randomFaults(faults(), seed(), kinds.toArray(new Fault[0]));
        }
        return b.build();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
