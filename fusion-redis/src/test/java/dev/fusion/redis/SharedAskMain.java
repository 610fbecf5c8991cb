package dev.fusion.redis;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.cost.Price;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One instance of a multi-process test: a separate JVM that asks the sandbox through Fusion with its
 * cap and limits in Redis, and prints one line per ask ({@code OK <costUsd> <requests sent> [degraded]} or
 * {@code ERR <ExceptionClass> <message>}), then {@code DONE}. Arguments:
 * {@code redisUrl namespace sandboxBaseUrl asks threads capUsd maxConcurrent rpm tpm leaseMs deadlineMs}
 * (0 = none for the cap and limits), and optionally {@code go}: then it waits, after printing {@code READY},
 * for a line on its stdin before it asks, so that the asks of several children start together however
 * long each JVM took to start (the test sends the line once every child is ready).
 */
public final class SharedAskMain {

    static final String KEY_ENV = "SHARED_SANDBOX_KEY";
    static final String PROVIDER = "sbx";
    /** $10 per million output tokens, input free: a call's cost is its output tokens x $0.00001. */
    static final Price PRICE = Price.of("0", "10");
    static final int MAX_OUT = 100;

    public static void main(String[] a) throws Exception {
        String url = a[0];
        String ns = a[1];
        String base = a[2];
        int asks = Integer.parseInt(a[3]);
        int threads = Integer.parseInt(a[4]);
        BigDecimal cap = new BigDecimal(a[5]);
        int maxConcurrent = Integer.parseInt(a[6]);
        int rpm = Integer.parseInt(a[7]);
        long tpm = Long.parseLong(a[8]);
        long leaseMs = Long.parseLong(a[9]);
        long deadlineMs = Long.parseLong(a[10]);
        try (RedisSharedState shared = RedisSharedState.open(new SharedStateOptions(url, ns, OnUnavailable.REFUSE,
                Duration.ofMillis(leaseMs)))) {
            Fusion fusion = fusion(shared, base, cap, maxConcurrent, rpm, tpm, deadlineMs);
            System.out.println("READY");
            System.out.flush();
            if (a.length > 11 && "go".equals(a[11])) {
                new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        java.nio.charset.StandardCharsets.UTF_8)).readLine();
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < asks; i++) {
                all.add(pool.submit(() -> System.out.println(askOnce(fusion))));
            }
            for (Future<?> f : all) {
                f.get();
            }
            pool.shutdown();
        }
        System.out.println("DONE");
        System.out.flush();
    }

    static Fusion fusion(RedisSharedState shared, String base, BigDecimal cap, int maxConcurrent, int rpm, long tpm,
                         long deadlineMs) {
        Providers providers = Providers.builder().env(Map.of(KEY_ENV, "sk-sandbox-test"))
                .provider(PROVIDER, ProviderSpec.of(ProviderKind.OPENAI, base, KEY_ENV)).build();
        Fusion.Builder b = Fusion.builder().panel(providers.model(PROVIDER + ":m1"), providers.model(PROVIDER + ":m2"))
                .judge(providers.model(PROVIDER + ":judge")).maxOutputTokens(MAX_OUT).judgeMaxOutputTokens(MAX_OUT)
                .price(PROVIDER + ":m1", PRICE).price(PROVIDER + ":m2", PRICE).price(PROVIDER + ":judge", PRICE)
                .deadline(Duration.ofMillis(deadlineMs)).memberTimeout(Duration.ofMillis(deadlineMs))
                .judgeTimeout(Duration.ofMillis(deadlineMs)).sharedState(shared);
        if (cap.signum() > 0) {
            b.spendCapUsd(cap, null);
        }
        if (maxConcurrent > 0 || rpm > 0 || tpm > 0) {
            b.providerLimit(PROVIDER, maxConcurrent, rpm, tpm);
        }
        return b.build();
    }

    static String askOnce(Fusion fusion) {
        try {
            FusionResult r = fusion.ask("What is two plus two?");
            boolean degraded = r.notes().stream().anyMatch(n -> n.startsWith("degraded:"));
            // Attempts, not records: a retried call sends more than one request.
            int attempts = r.calls().stream().mapToInt(dev.fusion.CallRecord::attempts).sum();
            return "OK " + r.totalCostUsd().toPlainString() + " " + attempts + (degraded ? " degraded" : "");
        } catch (RuntimeException e) {
            return "ERR " + e.getClass().getName() + " " + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
    }
}
