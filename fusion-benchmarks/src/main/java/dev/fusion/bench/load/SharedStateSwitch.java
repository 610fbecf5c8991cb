package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.redis.RedisSharedState;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The issue-16 measure with <b>the same processes</b> in both modes: {@code processes} worker JVMs (default 4)
 * each build two Fusions alike (spend cap per day, a provider limit every call takes a permit from), one with
 * in-memory state and one sharing its state through one local redis-server, and keep {@code concurrency}
 * asks in flight in total (default 200) against the benchmark server. All workers switch mode together on a
 * common clock every {@code windowS} seconds in the order local, redis, redis, local, … (so a linear drift of
 * the background load cancels within each block of four), after a warm-up that alternates the modes too (both
 * paths compiled before anything is measured).
 * <p>A window counts the asks that ended in it after a settle gap at its start (1.5 s, while the previous
 * mode's asks drain) and had started in it (in its mode): by Little's law their number over the counted time is
 * the mode's throughput; the same gap applies to both modes, and CPU is read over the same counted time. Because the
 * JVMs, their heaps, the JIT and the connections are the same in both modes, and the windows are short and
 * interleaved, the ratio is not swamped by what {@link SharedStateLoad}'s fresh JVMs per window add (JIT in
 * the measured window, a window-long swing of the background load). Prints every window and, per block of
 * four, redis / local asks/s; then the pooled ratio, the median and range of the block ratios, Δp50/p99 and
 * the workers' CPU per ask per mode (which on a saturated machine decides asks/s).
 * <pre>java -cp fusion-benchmarks/target/benchmarks.jar dev.fusion.bench.load.SharedStateSwitch [processes] [concurrency] [windowS] [blocks] [warmS]</pre>
 */
public final class SharedStateSwitch {

    private static final long GAP_MS = 1500;

    private SharedStateSwitch() {
    }

    /** Mode of measured window {@code w} (0-based): local, redis, redis, local, then again. */
    static boolean redisWindow(int w) {
        return ((w + 1) / 2) % 2 == 1;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(args);
            return;
        }
        int processes = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int windowS = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int blocks = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        int warmS = args.length > 4 ? Integer.parseInt(args[4]) : 40;
        int windows = 4 * blocks;
        long windowMs = TimeUnit.SECONDS.toMillis(windowS);
        try (LocalRedis redis = LocalRedis.start();
             ServerProcess server = ServerProcess.start("memberMs=50", "judgeMs=50", "words=20")) {
            Thread.sleep(500);
            System.out.printf("processes=%d concurrency=%d window=%ds (settle %d ms) blocks=%d warm-up=%ds"
                            + " server memberMs=50 judgeMs=50 (JDK %s)%n", processes, concurrency, windowS, GAP_MS, blocks,
                    warmS, Runtime.version());
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < processes; i++) {
                ps.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                        "-cp", System.getProperty("java.class.path"), SharedStateSwitch.class.getName(), "worker",
                        server.openAiBase(), redis.url(), Integer.toString(concurrency / processes),
                        Long.toString(windowMs), Integer.toString(windows), Integer.toString(warmS))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            List<BufferedReader> outs = new ArrayList<>();
            for (Process p : ps) {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line = r.readLine();
                if (!"READY".equals(line)) {
                    throw new IllegalStateException("worker did not start: " + line);
                }
                outs.add(r);
            }
            long start = System.currentTimeMillis() + 1000;
            for (Process p : ps) {
                Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
                w.write(start + "\n");
                w.flush();
            }
            long[] asks = new long[windows];
            long[] errors = new long[windows];
            long[] cpu = new long[windows];
            long[] trips = new long[windows];
            List<List<Long>> lat = new ArrayList<>();
            for (int w = 0; w < windows; w++) {
                lat.add(new ArrayList<>());
            }
            for (BufferedReader r : outs) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f[0].equals("W")) {
                        int w = Integer.parseInt(f[1]);
                        asks[w] += Long.parseLong(f[2]);
                        errors[w] += Long.parseLong(f[3]);
                        cpu[w] += Long.parseLong(f[4]);
                        trips[w] += Long.parseLong(f[5]);
                    } else if (f[0].equals("L") && f.length > 2) {
                        List<Long> l = lat.get(Integer.parseInt(f[1]));
                        for (String v : f[2].split(",")) {
                            l.add(Long.parseLong(v));
                        }
                    }
                }
            }
            for (Process p : ps) {
                p.waitFor(60, TimeUnit.SECONDS);
            }
            report(asks, errors, cpu, trips, lat, (windowMs - GAP_MS) / 1000.0);
        }
        System.exit(0);
    }

    private static void report(long[] asks, long[] errors, long[] cpu, long[] trips, List<List<Long>> lat, double seconds) {
        long[] sum = new long[2];
        long[] cpuSum = new long[2];
        long tripSum = 0;
        List<Long> latLocal = new ArrayList<>();
        List<Long> latRedis = new ArrayList<>();
        for (int w = 0; w < asks.length; w++) {
            boolean r = redisWindow(w);
            long[] l = lat.get(w).stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("window %2d %-5s asks/s=%6.1f errors=%d p50=%6.1fms p99=%7.1fms cpuMsPerAsk=%.3f%s%n", w,
                    r ? "redis" : "local", asks[w] / seconds, errors[w], pct(l, 0.5) / 1000.0, pct(l, 0.99) / 1000.0,
                    cpu[w] / 1e6 / Math.max(1, asks[w]),
                    r ? String.format(" redisCallsPerAsk=%.2f", trips[w] / (double) Math.max(1, asks[w])) : "");
            sum[r ? 1 : 0] += asks[w];
            cpuSum[r ? 1 : 0] += cpu[w];
            (r ? latRedis : latLocal).addAll(lat.get(w));
            if (r) {
                tripSum += trips[w];
            }
        }
        List<Double> blockRatios = new ArrayList<>();
        for (int b = 0; b + 3 < asks.length; b += 4) {
            double ratio = (asks[b + 1] + asks[b + 2]) / (double) Math.max(1, asks[b] + asks[b + 3]);
            blockRatios.add(ratio);
            System.out.printf("block %d (windows %d-%d): redis / local asks/s = %.3f%n", b / 4, b, b + 3, ratio);
        }
        double[] br = blockRatios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        long[] ll = latLocal.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] lr = latRedis.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("POOLED redis / local asks/s = %.3f (%.1f / %.1f); block ratios median %.3f, min %.3f, max %.3f (%s)%n",
                sum[1] / (double) Math.max(1, sum[0]), sum[1] / seconds / (asks.length / 2.0),
                sum[0] / seconds / (asks.length / 2.0), br.length == 0 ? Double.NaN : br[br.length / 2],
                br.length == 0 ? Double.NaN : br[0], br.length == 0 ? Double.NaN : br[br.length - 1], Arrays.toString(br));
        System.out.printf("latency p50 local %.1f ms, redis %.1f ms (%+.1f); p99 local %.1f ms, redis %.1f ms (%+.1f)%n",
                pct(ll, 0.5) / 1000.0, pct(lr, 0.5) / 1000.0, (pct(lr, 0.5) - pct(ll, 0.5)) / 1000.0, pct(ll, 0.99) / 1000.0,
                pct(lr, 0.99) / 1000.0, (pct(lr, 0.99) - pct(ll, 0.99)) / 1000.0);
        System.out.printf("worker CPU per ask local %.3f ms, redis %.3f ms (%.3fx); Redis script calls per ask %.2f%n",
                cpuSum[0] / 1e6 / Math.max(1, sum[0]), cpuSum[1] / 1e6 / Math.max(1, sum[1]),
                (cpuSum[1] / (double) Math.max(1, sum[1])) / (cpuSum[0] / (double) Math.max(1, sum[0])),
                tripSum / (double) Math.max(1, sum[1]));
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /** args: worker base redisUrl concurrency windowMs windows warmS; reads the common start (epoch ms) from stdin. */
    private static void worker(String[] a) throws Exception {
        String base = a[1];
        int concurrency = Integer.parseInt(a[3]);
        long windowMs = Long.parseLong(a[4]);
        int windows = Integer.parseInt(a[5]);
        long warmMs = TimeUnit.SECONDS.toMillis(Integer.parseInt(a[6]));
        RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(a[2], "bench", OnUnavailable.REFUSE,
                Duration.ofSeconds(30)));
        Fusion local = SharedStateBench.fusion(base).build();
        Fusion onRedis = SharedStateBench.fusion(base).sharedState(shared).build();
        System.out.println("READY");
        System.out.flush();
        long start = Long.parseLong(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine().trim());
        long measureFrom = start + warmMs;
        long end = measureFrom + windows * windowMs;
        Clock clock = new Clock(start, measureFrom, windowMs, windows);
        AtomicLongArray asks = new AtomicLongArray(windows);
        AtomicLongArray errors = new AtomicLongArray(windows);
        List<ConcurrentLinkedQueue<Long>> lat = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            lat.add(new ConcurrentLinkedQueue<>());
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inFlight = new AtomicInteger();
        Thread.sleep(Math.max(0, start - System.currentTimeMillis()));
        for (int i = 0; i < concurrency; i++) {
            inFlight.incrementAndGet();
            loop(local, onRedis, clock, stop, inFlight, asks, errors, lat);
        }
        long[] cpu = new long[windows];
        long[] trips = new long[windows];
        for (int w = 0; w < windows; w++) {
            long from = measureFrom + w * windowMs + GAP_MS;
            Thread.sleep(Math.max(0, from - System.currentTimeMillis()));
            long c0 = SharedStateBench.processCpuNanos();
            long t0 = shared.roundTrips();
            Thread.sleep(Math.max(0, measureFrom + (w + 1) * windowMs - System.currentTimeMillis()));
            cpu[w] = SharedStateBench.processCpuNanos() - c0;
            trips[w] = shared.roundTrips() - t0;
        }
        stop.set(true);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        for (int w = 0; w < windows; w++) {
            System.out.println("W " + w + " " + asks.get(w) + " " + errors.get(w) + " " + cpu[w] + " " + trips[w]);
            StringBuilder sb = new StringBuilder("L " + w + " ");
            for (Long v : lat.get(w)) {
                sb.append(v).append(',');
            }
            System.out.println(sb);
        }
        System.out.flush();
        shared.close();
        if (System.currentTimeMillis() < end) {
            throw new IllegalStateException("ended early");
        }
        System.exit(0);
    }

    /** Which window a moment falls in, and whether it is in a window's counted part. */
    private record Clock(long start, long measureFrom, long windowMs, int windows) {
        /** Measured window index at {@code t}, or -1 in the warm-up, or {@code windows} after the end. */
        int window(long t) {
            return t < measureFrom ? -1 : (int) Math.min(windows, (t - measureFrom) / windowMs);
        }

        boolean redisAt(long t) {
            int w = window(t);
            return w < 0 ? ((t - start) / windowMs) % 2 == 1 : redisWindow(Math.min(w, windows - 1));
        }

        boolean counted(long t) {
            int w = window(t);
            return w >= 0 && w < windows && t - measureFrom - w * windowMs >= GAP_MS;
        }
    }

    private static void loop(Fusion local, Fusion onRedis, Clock clock, AtomicBoolean stop, AtomicInteger inFlight,
                             AtomicLongArray asks, AtomicLongArray errors, List<ConcurrentLinkedQueue<Long>> lat) {
        if (stop.get()) {
            inFlight.decrementAndGet();
            return;
        }
        long startMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        Fusion fusion = clock.redisAt(startMs) ? onRedis : local;
        fusion.askAsync(Clients.PROMPT).subscribe(r -> {
            long endMs = System.currentTimeMillis();
            int w = clock.window(endMs);
            if (clock.counted(endMs) && clock.window(startMs) == w) {
                asks.incrementAndGet(w);
                lat.get(w).add((System.nanoTime() - t0) / 1000);
            }
            loop(local, onRedis, clock, stop, inFlight, asks, errors, lat);
        }, e -> {
            long endMs = System.currentTimeMillis();
            int w = clock.window(endMs);
            if (clock.counted(endMs) && clock.window(startMs) == w) {
                errors.incrementAndGet(w);
            }
            loop(local, onRedis, clock, stop, inFlight, asks, errors, lat);
        });
    }


}
