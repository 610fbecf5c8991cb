package dev.fusion.faults;

import dev.fusion.AskFailedException;
import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.ResultJson;
import dev.fusion.cost.Price;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.TestSupport;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One sandbox {@link WireServer} speaking one wire format, and a provider registry whose provider
 * {@code sbx-<format>} points at it with the canary key: the real HTTP stack (OkHttp, the
 * provider's wire format, Failures) between Fusion and the fault server.
 */
final class Rig implements AutoCloseable {

    /** The key every provider presents; it must never surface anywhere. */
    static final String CANARY = TestSupport.CANARY;
    private static final String KEY_ENV = "FAULTS_SANDBOX_KEY";

    final WireFormat format;
    final WireServer server;
    final Providers providers;
    final String provider;

    private Rig(WireFormat format, WireServer server) {
        this.format = format;
        this.server = server;
        this.provider = "sbx-" + format.name().toLowerCase(Locale.ROOT);
        this.providers = Providers.builder().env(java.util.Map.of(KEY_ENV, CANARY))
                .provider(provider, ProviderSpec.of(kind(format), baseUrl(server, format), KEY_ENV))
                .build();
    }

    static Rig start(WireFormat format, Behaviour behaviour) {
        return new Rig(format, WireServer.start(behaviour));
    }

    static ProviderKind kind(WireFormat f) {
        return switch (f) {
            case OPENAI -> ProviderKind.OPENAI;
            case ANTHROPIC -> ProviderKind.ANTHROPIC;
            case GEMINI -> ProviderKind.GEMINI;
        };
    }

    /** The base URL a {@link ProviderSpec} of this kind takes (see its javadoc). */
    static String baseUrl(WireServer s, WireFormat f) {
        return f == WireFormat.OPENAI ? s.baseUrl(WireFormat.OPENAI) : s.baseUrl();
    }

    String ref(String modelId) {
        return provider + ":" + modelId;
    }

    ChatModel model(String modelId) {
        return providers.model(ref(modelId));
    }

    @Override
    public void close() {
        server.close();
    }

    // ------------------------------------------------------------------ running an ask

    /** How one ask ended, timed from the caller's side. */
    record Outcome(FusionResult result, Throwable failure, Duration elapsed, String logs) {

        /** Every call record, whether the ask answered or failed with records. */
        List<CallRecord> calls() {
            if (result != null) {
                return result.calls();
            }
            return failure instanceof AskFailedException a ? a.calls() : List.of();
        }

        CallRecord call(String memberIdSuffix) {
            return calls().stream().filter(c -> c.memberId().endsWith(":" + memberIdSuffix)).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no record for " + memberIdSuffix + " in " + calls()));
        }

        /** Everything a user could print or log about this ask. */
        List<String> surfaces() {
            List<String> s = new ArrayList<>();
            s.add(logs);
            if (result != null) {
                s.add(result.toString());
                s.add(ResultJson.toJson(result));
                s.add(result.answer());
                s.addAll(result.notes());
            }
            for (Throwable t = failure; t != null; t = t.getCause()) {
                s.add(t.toString());
                for (Throwable sup : t.getSuppressed()) {
                    s.add(sup.toString());
                }
            }
            if (failure instanceof AskFailedException a) {
                s.add(ResultJson.calls(a.calls()).toString());
            }
            for (CallRecord c : calls()) {
                s.add(c.toString());
                s.add(String.valueOf(c.error()));
                if (c.error() != null) {
                    s.add(c.error().message());
                }
                s.add(c.attributes().toString());
            }
            return s;
        }

        void assertNoCanary() {
            assertThat(surfaces()).allSatisfy(t -> assertThat(t).doesNotContain(CANARY));
        }
    }

    /**
     * Runs one ask, capturing DEBUG logs, and never waits longer than {@code limit}: an ask that
     * does not end by then fails the test instead of hanging the build.
     */
    static Outcome ask(Fusion fusion, Duration limit) {
        return ask(fusion, FusionRequest.of("What is two plus two? Answer briefly."), limit);
    }

    static Outcome ask(Fusion fusion, FusionRequest request, Duration limit) {
        FusionResult[] result = new FusionResult[1];
        Throwable[] failure = new Throwable[1];
        long[] nanos = new long[1];
        String logs = captureStderr(() -> {
            long t0 = System.nanoTime();
            try {
                result[0] = fusion.askAsync(request).block(limit);
            } catch (Throwable t) {
                failure[0] = t;
            }
            nanos[0] = System.nanoTime() - t0;
        });
        if (failure[0] != null && failure[0].getMessage() != null
                && failure[0].getMessage().startsWith("Timeout on blocking read")) {
            throw new AssertionError("the ask did not end within " + limit.toMillis() + " ms", failure[0]);
        }
        return new Outcome(result[0], failure[0], Duration.ofNanos(nanos[0]), logs);
    }

    /**
     * Captures what is written to System.err (where slf4j-simple logs, DEBUG on for every Fusion
     * logger in this module's tests) while {@code r} runs. Unlike {@link TestSupport#captureStderr}
     * it does not replay the capture: the matrix logs a lot.
     */
    static String captureStderr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ money

    /** What the server's served usage of a model costs at its price. */
    static BigDecimal servedCost(WireServer server, String modelId, Price price) {
        return price.costOf(server.servedUsage(modelId));
    }

    static BigDecimal sum(List<BigDecimal> amounts) {
        return amounts.stream().filter(Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
