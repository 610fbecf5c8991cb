package dev.fusion.bench.jmh;

import dev.fusion.bench.server.ServerProcess;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * CPU time per operation, not wall time. Reports, per op:
 * <ul>
 *   <li>{@code cpu.client}: the benchmark JVM's whole process CPU time (every thread: the caller,
 *       OkHttp / JDK HttpClient / Reactor threads, GC, JIT);</li>
 *   <li>{@code cpu.jit}: the part spent by the JIT compiler threads (from
 *       {@code /proc/self/task/<tid>/schedstat}, nanosecond resolution, threads named
 *       {@code C1/C2 CompilerThre…}) — a warm-up artefact on a 2-core machine, so</li>
 *   <li>{@code cpu.nojit} = {@code cpu.client − cpu.jit} is the figure compared between clients
 *       (GC stays in: allocation is part of a call's cost);</li>
 *   <li>{@code cpu.server}: the benchmark server's process CPU time (a separate process, see
 *       {@link ServerProcess}).</li>
 * </ul>
 * Use with {@code -prof dev.fusion.bench.jmh.CpuProfiler}; benchmarks whose operation is several
 * model calls declare it with {@code @OperationsPerInvocation}, so the figures are per model call.
 */
public final class CpuProfiler implements InternalProfiler {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long clientStart;
    private long jitStart;
    private long serverStart;

    @Override
    public String getDescription() {
        return "process CPU time per op: client JVM (with and without JIT threads) and benchmark server process";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        ServerProcess s = ServerProcess.current;
        serverStart = s == null ? -1 : s.stats().cpuNanos();
        jitStart = jitNanos();
        clientStart = OS.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long client = OS.getProcessCpuTime() - clientStart;
        long jit = jitNanos() - jitStart;
        ServerProcess s = ServerProcess.current;
        long server = s == null || serverStart < 0 ? -1 : s.stats().cpuNanos() - serverStart;
        long ops = result.getMetadata().getAllOps();
        List<Result> out = new ArrayList<>();
        if (ops > 0) {
            out.add(new ScalarResult("cpu.client", client / 1000.0 / ops, "us/op", AggregationPolicy.AVG));
            out.add(new ScalarResult("cpu.jit", jit / 1000.0 / ops, "us/op", AggregationPolicy.AVG));
            out.add(new ScalarResult("cpu.nojit", (client - jit) / 1000.0 / ops, "us/op", AggregationPolicy.AVG));
            if (server >= 0) {
                out.add(new ScalarResult("cpu.server", server / 1000.0 / ops, "us/op", AggregationPolicy.AVG));
            }
        }
        return out;
    }

    /** CPU time of the live JIT compiler threads of this process (0 where /proc is missing). */
    static long jitNanos() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    if (comm.contains("CompilerThre")) {
                        String stat = Files.readString(t.resolve("schedstat")).trim();
                        sum += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }
}
