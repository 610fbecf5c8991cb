package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.redis.RedisSharedState;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared state on Redis vs in memory: {@code processes} worker JVMs (default 4) ask one sandbox server
 * at a total concurrency of {@code concurrency} (default 200), each with a spend cap and a provider
 * limit (maxConcurrent) that is either per instance (in memory) or shared through one real
 * redis-server. Modes alternate (local, redis, local, redis) to even out background load. Prints
 * asks/s, ask latency p50/p99 per mode and Redis script calls per ask.
 * <pre>java -cp fusion-benchmarks/target/benchmarks.jar dev.fusion.bench.load.SharedStateLoad [processes] [concurrency] [measureS] [warmS]</pre>
 * {@code warmS} (default 10) is each window's warm-up before measuring: every window starts fresh JVMs, so a
 * short warm-up measures Lettuce/Netty still being compiled in redis mode. On a saturated 2-core machine the
 * JIT takes minutes to settle (asks/s still rose 3x over the first four minutes of {@link SharedStateSwitch}),
 * so these fresh-JVM windows measure a warming JVM; {@link SharedStateSwitch} measures steady state with the
 * same processes in both modes.
 * Also prints the workers' CPU time per ask in the measured window (all worker JVMs together: on a
 * saturated machine asks/s follows it). {@code -Dbench.worker0Opts="..."} passes extra JVM options to
 * the first worker of every window, with {@code {mode}} and {@code {window}} replaced, e.g.
 * {@code -Dbench.worker0Opts="-XX:StartFlightRecording=filename=w-{mode}-{window}.jfr,settings=profile"};
 * a worker started with {@code -Dbench.threadCpu=true} prints its CPU time per ask by thread group (threads
 * named alike, digits dropped) to stderr; one started with {@code -Dbench.asyncProfile=w0-{mode}.collapsed
 * -Dbench.asyncLib=/path/libasyncProfiler.so} (and async-profiler's jar on the class path) writes a CPU profile of
 * the measured window only, in collapsed-stack form ({@code -Dbench.asyncEvent}, default {@code cpu}).
 * <p>{@code -Dbench.mixedWindows=N} (default 0) adds N <b>mixed</b> windows after the four: the workers run
 * at the same time, the even ones in memory and the odd ones on Redis, so both modes see the same background
 * load second by second, and the window prints asks/s per mode and their ratio. On a machine shared with
 * other work, where two windows of one mode can differ by half, this paired figure is the one to read; it
 * is not the definition (all processes in one mode), which the four windows measure
 * ({@code -Dbench.mixedOnly=true} skips them).
 */
public final class SharedStateLoad {

    private SharedStateLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(args);
            return;
        }
        int processes = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int measureS = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        int warmS = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        try (LocalRedis redis = LocalRedis.start();
             ServerProcess server = ServerProcess.start("memberMs=50", "judgeMs=50", "words=20")) {
            Thread.sleep(500);
            String redisUrl = redis.url();
            System.out.printf("processes=%d concurrency=%d warm-up=%ds measure=%ds server memberMs=50 judgeMs=50%n",
                    processes, concurrency, warmS, measureS);
            int window = 0;
            List<String> modes = new ArrayList<>(Boolean.getBoolean("bench.mixedOnly") ? List.of()
                    : List.of("local", "redis", "local", "redis"));
            for (int i = Integer.getInteger("bench.mixedWindows", 0); i > 0; i--) {
                modes.add("mixed");
            }
            for (String mode : modes) {
                run(mode, ++window, processes, concurrency / processes, warmS, measureS, server.openAiBase(), redisUrl);
            }
        }
    }

    private static void run(String mode, int window, int processes, int perProcess, int warmS, int measureS, String base,
                            String redisUrl) throws Exception {
        List<Process> ps = new ArrayList<>();
        List<String> workerModes = new ArrayList<>();
        String extra = System.getProperty("bench.worker0Opts", "").trim();
        for (int i = 0; i < processes; i++) {
            String workerMode = mode.equals("mixed") ? (i % 2 == 0 ? "local" : "redis") : mode;
            workerModes.add(workerMode);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m"));
            if (i == 0 && !extra.isEmpty()) {
                for (String o : extra.split("\\s+")) {
                    cmd.add(o.replace("{mode}", mode).replace("{window}", Integer.toString(window)));
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SharedStateLoad.class.getName(), "worker",
                    workerMode, base, redisUrl, Integer.toString(perProcess), Integer.toString(warmS), Integer.toString(measureS)));
            ps.add(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        long asks = 0;
        long errors = 0;
        long trips = 0;
        long cpuNanos = 0;
        List<Long> lat = new ArrayList<>();
        java.util.Map<String, long[]> perMode = new java.util.TreeMap<>();
        for (int i = 0; i < ps.size(); i++) {
            Process p = ps.get(i);
            long[] mine = perMode.computeIfAbsent(workerModes.get(i), k -> new long[2]);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("RESULT ")) {
                        String[] f = line.split(" ");
                        asks += Long.parseLong(f[1]);
                        errors += Long.parseLong(f[2]);
                        trips += Long.parseLong(f[3]);
                        cpuNanos += Long.parseLong(f[4]);
                        mine[0] += Long.parseLong(f[1]);
                        mine[1] += Long.parseLong(f[4]);
                    } else if (line.startsWith("TRIPS ")) {
                        System.out.println("  " + mode + " worker " + line);
                    } else if (line.startsWith("LAT ") && line.length() > 4) {
                        for (String v : line.substring(4).split(",")) {
                            lat.add(Long.parseLong(v));
                        }
                    }
                }
            }
            p.waitFor();
        }
        long[] l = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("%-5s asks/s=%.1f errors=%d p50=%.1fms p99=%.1fms redisCallsPerAsk=%s workerCpuMsPerAsk=%.3f%n",
                mode, asks / (double) measureS, errors, pct(l, 0.50) / 1000.0, pct(l, 0.99) / 1000.0,
                mode.equals("redis") && asks > 0 ? String.format("%.2f", trips / (double) asks) : "-",
                asks == 0 ? Double.NaN : cpuNanos / 1e6 / asks);
        if (mode.equals("mixed") && perMode.size() == 2) {
            long[] lo = perMode.get("local");
            long[] re = perMode.get("redis");
            System.out.printf("mixed local asks/s=%.1f cpuMsPerAsk=%.3f | redis asks/s=%.1f cpuMsPerAsk=%.3f"
                            + " redisCallsPerRedisAsk=%.2f | redis/local asks/s=%.3f%n",
                    lo[0] / (double) measureS, lo[1] / 1e6 / Math.max(1, lo[0]), re[0] / (double) measureS,
                    re[1] / 1e6 / Math.max(1, re[0]), trips / (double) Math.max(1, re[0]), re[0] / (double) Math.max(1, lo[0]));
        }
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static void worker(String[] a) throws Exception {
        String mode = a[1];
        String base = a[2];
        String redisUrl = a[3];
        int concurrency = Integer.parseInt(a[4]);
        int warmS = Integer.parseInt(a[5]);
        int measureS = Integer.parseInt(a[6]);
        RedisSharedState shared = mode.equals("redis") ? RedisSharedState.open(new SharedStateOptions(redisUrl,
                "bench", OnUnavailable.REFUSE, Duration.ofSeconds(30))) : null;
        Fusion.Builder b = SharedStateBench.fusion(base);
        if (shared != null) {
            b.sharedState(shared);
        }
        Fusion fusion = b.build();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong asks = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<Long> lat = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            loop(fusion, measuring, stop, asks, errors, lat, done);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmS));
        long trips0 = shared == null ? 0 : shared.roundTrips();
        java.util.Map<String, Long> byScript0 = shared == null ? java.util.Map.of() : shared.roundTripsByScript();
        long cpu0 = SharedStateBench.processCpuNanos();
        boolean threadCpu = Boolean.getBoolean("bench.threadCpu");
        java.util.Map<Long, long[]> threads0 = threadCpu ? threadCpu() : java.util.Map.of();
        long windowStart = System.currentTimeMillis();
        String profile = System.getProperty("bench.asyncProfile", "").trim();
        if (!profile.isEmpty()) {
            asyncProfiler("start,event=" + System.getProperty("bench.asyncEvent", "cpu") + ",interval=1ms");
        }
        measuring.set(true);
        Thread.sleep(TimeUnit.SECONDS.toMillis(measureS));
        measuring.set(false);
        if (!profile.isEmpty()) {
            asyncProfiler("stop,collapsed,file=" + profile.replace("{mode}", mode));
        }
        long cpu = SharedStateBench.processCpuNanos() - cpu0;
        if (threadCpu) {
            System.err.println("WINDOW " + mode + " " + windowStart + " " + System.currentTimeMillis());
            printThreadCpu(mode, threads0, threadCpu(), asks.get(), cpu);
        }
        long trips = shared == null ? 0 : shared.roundTrips() - trips0;
        if (shared != null) {
            StringBuilder by = new StringBuilder("TRIPS");
            shared.roundTripsByScript().forEach((k, v) -> by.append(' ').append(k).append('=').append(v - byScript0.get(k)));
            System.out.println(by + " asks=" + asks.get());
        }
        long n = asks.get();
        stop.set(true);
        done.await(60, TimeUnit.SECONDS);
        System.out.println("RESULT " + n + " " + errors.get() + " " + trips + " " + cpu);
        StringBuilder sb = new StringBuilder("LAT ");
        for (Long v : lat) {
            if (sb.length() > 4) {
                sb.append(',');
            }
            sb.append(v);
        }
        System.out.println(sb);
        System.out.flush();
        if (shared != null) {
            shared.close();
        }
        System.exit(0);
    }

    /**
     * Drives async-profiler's Java API ({@code tools.profiler:async-profiler} on the class path, its native
     * library named by {@code -Dbench.asyncLib}) by reflection, so the benchmark does not depend on it.
     */
    private static void asyncProfiler(String command) throws Exception {
        Class<?> c = Class.forName("one.profiler.AsyncProfiler");
        Object p = c.getMethod("getInstance", String.class).invoke(null, System.getProperty("bench.asyncLib"));
        System.err.println("async-profiler: " + c.getMethod("execute", String.class).invoke(p, command).toString().trim());
    }

    /** Thread id -> {CPU ns so far}; names are kept in {@link #names}. */
    private static final java.util.Map<Long, String> names = new java.util.concurrent.ConcurrentHashMap<>();

    private static java.util.Map<Long, long[]> threadCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<Long, long[]> m = new java.util.HashMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null) {
                long c = mx.getThreadCpuTime(t.getThreadId());
                if (c >= 0) {
                    m.put(t.getThreadId(), new long[]{c});
                    names.put(t.getThreadId(), t.getThreadName());
                }
            }
        }
        return m;
    }

    private static void printThreadCpu(String mode, java.util.Map<Long, long[]> before, java.util.Map<Long, long[]> after,
                                       long asks, long processCpu) {
        java.util.Map<String, Long> groups = new java.util.TreeMap<>();
        long threadsTotal = 0;
        for (var e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            long d = e.getValue()[0] - (b == null ? 0 : b[0]);
            threadsTotal += d;
            groups.merge(names.get(e.getKey()).replaceAll("[0-9]+", "N"), d, Long::sum);
        }
        StringBuilder sb = new StringBuilder("THREADCPU " + mode + " asks=" + asks + " ms/ask: process="
                + String.format("%.3f", processCpu / 1e6 / Math.max(1, asks)) + " javaThreads="
                + String.format("%.3f", threadsTotal / 1e6 / Math.max(1, asks)));
        groups.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .filter(e -> e.getValue() > 0)
                .forEach(e -> sb.append(String.format(" | %s=%.3f", e.getKey(), e.getValue() / 1e6 / Math.max(1, asks))));
        System.err.println(sb);
    }


    private static void loop(Fusion fusion, AtomicBoolean measuring, AtomicBoolean stop, AtomicLong asks,
                             AtomicLong errors, ConcurrentLinkedQueue<Long> lat, CountDownLatch done) {
        if (stop.get()) {
            done.countDown();
            return;
        }
        long t0 = System.nanoTime();
        fusion.askAsync(Clients.PROMPT).subscribe(r -> {
            if (measuring.get()) {
                asks.incrementAndGet();
                lat.add((System.nanoTime() - t0) / 1000);
            }
            loop(fusion, measuring, stop, asks, errors, lat, done);
        }, e -> {
            if (measuring.get()) {
                errors.incrementAndGet();
            }
            loop(fusion, measuring, stop, asks, errors, lat, done);
        });
    }

}
