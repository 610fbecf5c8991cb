package dev.fusion.bench.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load on {@code fusion serve --sandbox} in its own process: N clients at once, each a streamed chat completion,
 * all started together. Reports errors, completion times, the server's peak RSS (VmHWM) and CPU. JDK only, so it
 * also runs as a single source file:
 * <pre>
 *   java fusion-benchmarks/src/main/java/dev/fusion/bench/server/GatewayLoad.java \
 *        fusion-examples/target/fusion-cli.jar 1000 1.0 /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * </pre>
 * Arguments: the CLI jar, clients (1000), sandbox latency scale (1.0 = the personas' designed latencies),
 * the java binary for the server (default: this one), then extra JVM options for the server.
 */
public final class GatewayLoad {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)/v1 .* in (\\d+) ms");

    public static void main(String[] args) throws Exception {
        String jar = args.length > 0 ? args[0] : "fusion-examples/target/fusion-cli.jar";
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        String scale = args.length > 2 ? args[2] : "1.0";
        String java = args.length > 3 ? args[3] : Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        for (int i = 4; i < args.length; i++) {
            cmd.add(args[i]);
        }
        Path cfg = Files.createTempFile("fusion-load", ".yaml");
        Files.writeString(cfg, "server: {maxConcurrentAsks: " + (clients * 2) + "}\n");
        cmd.addAll(List.of("-jar", jar, "serve", "--sandbox", "--port", "0", "--config", cfg.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("FUSION_LOCAL_PROBE", "off");
        pb.environment().put("FUSION_SANDBOX_LATENCY_SCALE", scale);
        Process server = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            Matcher m = LISTENING.matcher(line == null ? "" : line);
            if (!m.find()) {
                throw new IllegalStateException("the server did not start: " + line);
            }
            String base = m.group(1);
            System.out.println("server: " + line);
            System.out.println("server RSS idle: " + status(server.pid(), "VmRSS"));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(30)).build();
            String body = "{\"model\":\"fusion/default\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}";
            List<Long> times = Collections.synchronizedList(new ArrayList<>());
            AtomicLong errors = new AtomicLong();
            List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());
            long cpu0 = cpuMs(server.pid());
            long t0 = System.nanoTime();
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                long start = System.nanoTime();
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).timeout(Duration.ofMinutes(5))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                all.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
                    boolean ok = e == null && r.statusCode() == 200 && r.body().endsWith("data: [DONE]\n\n")
                            && !r.body().contains("\"error\"") && r.body().contains("\"finish_reason\":\"stop\"");
                    if (ok) {
                        times.add((System.nanoTime() - start) / 1_000_000);
                    } else {
                        errors.incrementAndGet();
                        if (firstErrors.size() < 5) {
                            firstErrors.add(e != null ? e.toString() : r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length())));
                        }
                    }
                    return null;
                }));
            }
            long peakRss = 0;
            CompletableFuture<Void> done = CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
            while (!done.isDone()) {
                peakRss = Math.max(peakRss, kb(status(server.pid(), "VmRSS")));
                Thread.sleep(100);
            }
            long wall = (System.nanoTime() - t0) / 1_000_000;
            long cpu = cpuMs(server.pid()) - cpu0;
            List<Long> sorted = new ArrayList<>(times);
            Collections.sort(sorted);
            System.out.printf("clients %d, ok %d, errors %d, wall %d ms%n", clients, sorted.size(), errors.get(), wall);
            if (!sorted.isEmpty()) {
                System.out.printf("stream completion p50 %d ms, p95 %d ms, max %d ms%n", pct(sorted, 50), pct(sorted, 95), sorted.get(sorted.size() - 1));
            }
            System.out.printf("server peak RSS sampled %d MB, VmHWM %s; server CPU %d ms (%.1f ms per ask)%n", peakRss / 1024,
                    status(server.pid(), "VmHWM"), cpu, clients == 0 ? 0.0 : (double) cpu / clients);
            firstErrors.forEach(e -> System.out.println("error: " + e));
        } finally {
            server.destroy();
            server.waitFor();
            Files.deleteIfExists(cfg);
        }
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static String status(long pid, String field) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith(field + ":")) {
                return l.substring(field.length() + 1).trim();
            }
        }
        return "?";
    }

    private static long kb(String v) {
        return v.endsWith("kB") ? Long.parseLong(v.replace("kB", "").trim()) : 0;
    }

    private static long cpuMs(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ")[1].split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime + stime, in 10 ms ticks
    }
}
