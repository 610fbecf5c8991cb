package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.redis.RedisSharedState;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client CPU per ask, shared state on Redis vs in memory, in <b>one</b> JVM: two Fusions built alike (spend
 * cap per day, a concurrency-only provider limit every call takes a permit from), one with in-memory state
 * and one with a {@link RedisSharedState} on a local redis-server, asked in alternating windows (local,
 * redis; then redis, local) at a fixed concurrency that does not saturate the machine. Both share the JIT,
 * the heap and the background load window by window, so the paired ratio (redis / local CPU per ask in the
 * same round) isolates what the Redis path adds per ask, which {@link SharedStateLoad}'s separate windows
 * of separate JVMs cannot on a shared machine. Prints the paired ratio (median, p10, p90), CPU per ask
 * per mode and Redis script calls per ask.
 * <pre>java -cp fusion-benchmarks/target/benchmarks.jar dev.fusion.bench.load.SharedStateCpu [rounds] [windowMs] [concurrency] [warmS]</pre>
 */
public final class SharedStateCpu {

    private SharedStateCpu() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int windowMs = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int warmS = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        try (LocalRedis redis = LocalRedis.start();
             ServerProcess server = ServerProcess.start("memberMs=5", "judgeMs=5", "words=20");
             RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(redis.url(),
                     "cpu", OnUnavailable.REFUSE, Duration.ofSeconds(30)))) {
            Thread.sleep(500);
            Fusion local = SharedStateBench.fusion(server.openAiBase()).build();
            Fusion onRedis = SharedStateBench.fusion(server.openAiBase()).sharedState(shared).build();
            System.out.printf("rounds=%d windowMs=%d concurrency=%d warm-up=%ds server memberMs=5 judgeMs=5 (JDK %s)%n",
                    rounds, windowMs, concurrency, warmS, Runtime.version());
            long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmS);
            while (System.nanoTime() < warmUntil) {
                window(local, concurrency, 500);
                window(onRedis, concurrency, 500);
            }
            List<Double> cpuLocal = new ArrayList<>();
            List<Double> cpuRedis = new ArrayList<>();
            long asksRedis = 0;
            long trips0 = shared.roundTrips();
            java.util.Map<String, Long> byScript0 = shared.roundTripsByScript();
            for (int r = 0; r < rounds; r++) {
                double[] l;
                double[] x;
                if (r % 2 == 0) {
                    l = window(local, concurrency, windowMs);
                    x = window(onRedis, concurrency, windowMs);
                } else {
                    x = window(onRedis, concurrency, windowMs);
                    l = window(local, concurrency, windowMs);
                }
                cpuLocal.add(l[0]);
                cpuRedis.add(x[0]);
                asksRedis += (long) x[1];
            }
            long trips = shared.roundTrips() - trips0;
            StringBuilder by = new StringBuilder();
            long redisAsks = Math.max(1, asksRedis);
            shared.roundTripsByScript().forEach((k, v) -> by.append(String.format(" %s %.3f", k, (v - byScript0.get(k)) / (double) redisAsks)));
            Stats ratio = Stats.of(Stats.pairedRatios(cpuRedis, cpuLocal));
            Stats l = Stats.of(cpuLocal);
            Stats x = Stats.of(cpuRedis);
            System.out.printf("CPU per ask, redis / local, paired median %.3f (p10 %.3f, p90 %.3f)%n", ratio.p(50), ratio.p(10),
                    ratio.p(90));
            System.out.printf("CPU per ask p50: local %.1f us, redis %.1f us (added %.1f us); script calls per redis ask %.3f%n",
                    l.p(50), x.p(50), x.p(50) - l.p(50), trips / (double) Math.max(1, asksRedis));
            System.out.println("script calls per redis ask by script:" + by);
        }
        System.exit(0);
    }


    /**
     * Keeps {@code concurrency} asks in flight for {@code ms}, then waits for them to end; returns {CPU
     * microseconds per ask of this JVM over the window, asks}.
     */
    private static double[] window(Fusion fusion, int concurrency, int ms) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong asks = new AtomicLong();
        AtomicLong inFlight = new AtomicLong();
        // The previous window's trailing work (the Redis Fusion's ticks giving spares and headroom back)
        // ends before this one is measured.
        Thread.sleep(400);
        long cpu0 = SharedStateBench.processCpuNanos();
        for (int i = 0; i < concurrency; i++) {
            inFlight.incrementAndGet();
            loop(fusion, stop, asks, inFlight);
        }
        Thread.sleep(ms);
        stop.set(true);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        long cpu = SharedStateBench.processCpuNanos() - cpu0;
        return new double[]{cpu / 1e3 / Math.max(1, asks.get()), asks.get()};
    }

    private static void loop(Fusion fusion, AtomicBoolean stop, AtomicLong asks, AtomicLong inFlight) {
        if (stop.get()) {
            inFlight.decrementAndGet();
            return;
        }
        fusion.askAsync(Clients.PROMPT).subscribe(r -> {
            asks.incrementAndGet();
            loop(fusion, stop, asks, inFlight);
        }, e -> loop(fusion, stop, asks, inFlight));
    }

}
