package dev.fusion.bench.load;

import dev.fusion.Fusion;
import dev.fusion.bench.Clients;

import java.math.BigDecimal;
import java.time.Duration;

/** What the shared-state benchmarks ({@link SharedStateLoad}, {@link SharedStateSwitch}, {@link SharedStateCpu}) build alike. */
final class SharedStateBench {

    private SharedStateBench() {
    }

    /**
     * Two members and a judge on the benchmark server at {@code base}, with a spend cap per day and a provider
     * limit (maxConcurrent 10 000) that every call takes a permit from but that never binds: in memory unless
     * the caller adds a shared state.
     */
    static Fusion.Builder fusion(String base) {
        return Clients.fusion(base, Clients.members(2), "judge")
                .spendCapUsd(new BigDecimal("1000000"), Duration.ofDays(1))
                .providerLimit(Clients.PROVIDER, 10_000, 0, 0).maxOutputTokens(200).judgeMaxOutputTokens(200);
    }

    /** This JVM's CPU time so far (all threads), or 0 when the platform does not tell. */
    static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? Math.max(0, os.getProcessCpuTime()) : 0;
    }
}
