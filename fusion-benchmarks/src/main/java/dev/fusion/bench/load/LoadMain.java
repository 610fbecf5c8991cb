package dev.fusion.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.AskFailedException;
import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.bench.server.ServerStats;
import dev.fusion.cost.Usage;
import dev.fusion.providers.internal.HttpClients;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load harness: one scenario per JVM (so peak RSS and thread counts belong to it), against the
 * benchmark server in a child process.
 *
 * <pre>
 * java -cp benchmarks.jar dev.fusion.bench.load.LoadMain fanout      [rounds=30]
 * java -cp benchmarks.jar dev.fusion.bench.load.LoadMain inflight    [asks=1000] [members=5] [latencyMs=2000]
 * java -cp benchmarks.jar dev.fusion.bench.load.LoadMain ttft        [asks=300] [concurrency=1]
 * java -cp benchmarks.jar dev.fusion.bench.load.LoadMain resilience  [asks=10000] [concurrency=500] [faults=0.01]
 * </pre>
 */
public final class LoadMain {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ERROR_SAMPLES = new ConcurrentHashMap<>();

    private LoadMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: LoadMain fanout|inflight|ttft|resilience [key=value ...]");
            System.exit(2);
        }
        Map<String, String> opt = new TreeMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            opt.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        System.out.printf("== %s  %s  JDK %s (%s)  cores=%d  maxHeap=%d MB  OkHttp dispatcher on %s threads%n",
                args[0], java.time.LocalDate.now(), Runtime.version(), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                HttpClients.usesVirtualThreads() ? "platform (first " + Integer.getInteger("fusion.http.platformThreads", 64)
                        + " calls), then virtual" : "platform (max 512)");
        switch (args[0]) {
            case "fanout" -> fanout(opt);
            case "inflight" -> inflight(opt);
            case "ttft" -> ttft(opt);
            case "resilience" -> resilience(opt);
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
        System.exit(0);
    }

    private static int intOpt(Map<String, String> opt, String k, int def) {
        return Integer.parseInt(opt.getOrDefault(k, Integer.toString(def)));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    // ================================================================== fan-out efficiency

    /**
     * 8 members at 300 ms on one host plus a 100 ms judge. Baseline in the same run, interleaved
     * round by round: the physical limit, i.e. one raw OkHttp call to a 300 ms member followed by
     * one raw call to the judge on warm connections (the critical path with no fan-out at all).
     */
    static void fanout(Map<String, String> opt) throws Exception {
        int rounds = intOpt(opt, "rounds", 30);
        int members = intOpt(opt, "members", 8);
        long memberMs = intOpt(opt, "memberMs", 300);
        long judgeMs = intOpt(opt, "judgeMs", 100);
        try (ServerProcess server = ServerProcess.start("memberMs=" + memberMs, "judgeMs=" + judgeMs);
             Monitor mon = new Monitor()) {
            Fusion fusion = Clients.fusion(server.openAiBase(), Clients.members(members), "judge-1").build();
            Clients.Raw raw = new Clients.Raw(server.openAiBase());
            List<Double> wall = new ArrayList<>();
            List<Double> base = new ArrayList<>();
            List<Double> recorded = new ArrayList<>();
            List<Double> ratio = new ArrayList<>();
            List<Double> ratioRecorded = new ArrayList<>();
            int warm = 5;
            for (int i = 0; i < warm + rounds; i++) {
                long t0 = System.nanoTime();
                raw.call("member-1", Clients.PROMPT);
                raw.call("judge-1", "system", "judge this");
                long b = System.nanoTime() - t0;
                long t1 = System.nanoTime();
                FusionResult r = fusion.ask(Clients.PROMPT);
                long w = System.nanoTime() - t1;
                if (r.panel().stream().filter(CallRecord::isOk).count() != members || !r.judged()) {
                    throw new IllegalStateException("ask not complete: " + r);
                }
                if (i < warm) {
                    continue;
                }
                long slowest = r.panel().stream().mapToLong(c -> c.latency().toNanos()).max().orElseThrow();
                long judge = r.judgeCalls().get(r.judgeCalls().size() - 1).latency().toNanos();
                wall.add(ms(w));
                base.add(ms(b));
                recorded.add(ms(slowest + judge));
                ratio.add((double) w / b);
                ratioRecorded.add((double) w / (slowest + judge));
            }
            System.out.println("ask wall                     " + Stats.of(wall).fmt("ms"));
            System.out.println("baseline raw member+judge    " + Stats.of(base).fmt("ms"));
            System.out.println("slowest member+judge (rec.)  " + Stats.of(recorded).fmt("ms"));
            System.out.println("RATIO wall/baseline          " + Stats.of(ratio).fmt(""));
            System.out.println("ratio wall/recorded          " + Stats.of(ratioRecorded).fmt(""));
            System.out.printf("ratio wall/scripted %d ms    p50=%.4f%n", memberMs + judgeMs,
                    Stats.of(wall).p(50) / (memberMs + judgeMs));
            System.out.println("server maxInFlight " + server.stats().maxInFlight());
            System.out.println(mon.summary());
        }
    }

    // ================================================================== 1,000 asks x 5 members in flight

    static void inflight(Map<String, String> opt) throws Exception {
        int asks = intOpt(opt, "asks", 1000);
        int members = intOpt(opt, "members", 5);
        int latency = intOpt(opt, "latencyMs", 2000);
        try (ServerProcess server = ServerProcess.start("memberMs=" + latency, "judgeMs=" + latency)) {
            Fusion fusion = Clients.fusion(server.openAiBase(), Clients.members(members), "judge-1")
                    .deadline(Duration.ofSeconds(170)).build();
            // Warm-up: a few asks, so class loading and connection setup code is not measured as load.
            for (int i = 0; i < 3; i++) {
                fusion.askAsync(Clients.PROMPT).block();
            }
            server.reset();
            System.gc();
            try (Monitor mon = new Monitor()) {
                CountDownLatch done = new CountDownLatch(asks);
                AtomicLong errors = new AtomicLong();
                Map<String, AtomicLong> errorTypes = new ConcurrentHashMap<>();
                List<Double> walls = Collections.synchronizedList(new ArrayList<>());
                List<Double> queued = Collections.synchronizedList(new ArrayList<>());
                AtomicLong failedCalls = new AtomicLong();
                Map<String, String> samples = new ConcurrentHashMap<>();
                long t0 = System.nanoTime();
                for (int i = 0; i < asks; i++) {
                    long s = System.nanoTime();
                    fusion.askAsync(Clients.PROMPT).subscribe(r -> {
                        walls.add(ms(System.nanoTime() - s));
                        for (CallRecord c : r.calls()) {
                            if (!c.isOk()) {
                                failedCalls.incrementAndGet();
                                errorTypes.computeIfAbsent("call:" + c.error().type(), k -> new AtomicLong()).incrementAndGet();
                                samples.putIfAbsent(c.error().type(), c.error().message());
                            }
                        }
                        done.countDown();
                    }, e -> {
                        if (e instanceof AskFailedException a) {
                            for (CallRecord c : a.calls()) {
                                if (!c.isOk() && c.error() != null) {
                                    failedCalls.incrementAndGet();
                                    errorTypes.computeIfAbsent("call:" + c.error().type(), k -> new AtomicLong()).incrementAndGet();
                                    samples.putIfAbsent(c.error().type(), c.error().message());
                                }
                            }
                        }
                        errors.incrementAndGet();
                        errorTypes.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
                        done.countDown();
                    });
                }
                long launched = System.nanoTime() - t0;
                if (!done.await(200, TimeUnit.SECONDS)) {
                    System.out.println("NOT DONE after 200 s: " + done.getCount() + " asks outstanding");
                }
                long total = System.nanoTime() - t0;
                ServerStats st = server.stats();
                System.out.printf("%d asks x %d members (+judge), %d ms per call: launched in %.0f ms, all done in %.1f s%n",
                        asks, members, latency, ms(launched), total / 1e9);
                System.out.println("ask errors " + errors.get() + ", failed calls " + failedCalls.get() + " " + errorTypes);
                samples.forEach((k, v) -> System.out.println("  e.g. " + k + ": " + v));
                System.out.println("ask wall " + Stats.of(walls).fmt("ms"));
                System.out.printf("ideal ask wall %d ms (member + judge); p50 ratio %.3f%n", 2 * latency,
                        Stats.of(walls).p(50) / (2 * latency));
                System.out.println("server requests " + st.requests() + ", server maxInFlight " + st.maxInFlight()
                        + " (the concurrency the client really achieved)");
                System.out.println(mon.summary());
            }
        }
    }

    // ================================================================== judge first token

    private static final Pattern STAMP = Pattern.compile("t=(\\d+)");

    private static long stamp(String text) {
        Matcher m = STAMP.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no server stamp in first delta: " + text);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * The judge's first word is {@code t=<server System.nanoTime()>}, taken when the server decides
     * the reply, just before it renders and writes the stream (chunk delay 0). Both processes read
     * CLOCK_MONOTONIC (Linux), so client receive time minus the stamp is the server's render/write
     * + loopback + client time. Baseline in the same run, interleaved: a raw okhttp-sse client
     * reading the same stream; Fusion's added latency is the difference.
     */
    static void ttft(Map<String, String> opt) throws Exception {
        int asks = intOpt(opt, "asks", 300);
        int concurrency = intOpt(opt, "concurrency", 1);
        try (ServerProcess server = ServerProcess.start("memberMs=10", "judgeMs=0", "stamp=true", "chunkMs=0")) {
            Fusion fusion = Clients.fusion(server.openAiBase(), Clients.members(3), "judge-1").build();
            OkHttpClient rawClient = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
            EventSource.Factory sse = EventSources.createFactory(rawClient);
            Request rawRequest = new Request.Builder().url(server.openAiBase() + "/chat/completions")
                    .header("Accept", "text/event-stream")
                    .post(RequestBody.create(("{\"model\":\"judge-1\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                            + "\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"judge this\"}]}").getBytes(),
                            MediaType.get("application/json")))
                    .build();
            List<Double> fusionAdded = Collections.synchronizedList(new ArrayList<>());
            List<Double> rawAdded = Collections.synchronizedList(new ArrayList<>());
            int warm = Math.max(50, asks / 5);
            for (int round = 0; round < 2; round++) {
                boolean measure = round == 1;
                int n = measure ? asks : warm;
                Flux.range(0, n).flatMap(i -> Mono.when(
                        fusionFirstToken(fusion).doOnNext(d -> { if (measure) fusionAdded.add(d); }),
                        rawFirstToken(sse, rawRequest).doOnNext(d -> { if (measure) rawAdded.add(d); })),
                        concurrency).blockLast(Duration.ofMinutes(3));
            }
            Stats f = Stats.of(fusionAdded);
            Stats r = Stats.of(rawAdded);
            System.out.printf("concurrency %d, %d asks (each with a raw SSE read of the same judge stream beside it)%n",
                    concurrency, asks);
            System.out.println("server-send -> Fusion subscriber (JudgeDelta)  " + f.fmt("ms"));
            System.out.println("server-send -> raw okhttp-sse onEvent+parse    " + r.fmt("ms"));
            System.out.printf("Fusion ADDED over raw: p50 %.3f ms, p99 %.3f ms%n", f.p(50) - r.p(50), f.p(99) - r.p(99));
        }
    }

    private static Mono<Double> fusionFirstToken(Fusion fusion) {
        AtomicReference<Double> first = new AtomicReference<>();
        return fusion.stream(FusionRequest.of(Clients.PROMPT))
                .doOnNext(e -> {
                    if (e instanceof FusionEvent.JudgeDelta d && first.get() == null) {
                        long now = System.nanoTime();
                        first.set(ms(now - stamp(d.text())));
                    }
                })
                .then(Mono.fromSupplier(first::get));
    }

    private static Mono<Double> rawFirstToken(EventSource.Factory sse, Request request) {
        return Mono.create(sink -> sse.newEventSource(request, new EventSourceListener() {
            boolean seen;

            @Override
            public void onEvent(EventSource source, String id, String type, String data) {
                if (seen || data.startsWith("[")) {
                    return;
                }
                try {
                    JsonNode chunk = JSON.readTree(data);
                    String piece = chunk.path("choices").path(0).path("delta").path("content").asText("");
                    if (!piece.isEmpty()) {
                        seen = true;
                        sink.success(ms(System.nanoTime() - stamp(piece)));
                        source.cancel();
                    }
                } catch (Exception e) {
                    sink.error(e);
                }
            }

            @Override
            public void onFailure(EventSource source, Throwable t, Response response) {
                if (!seen) {
                    sink.error(t != null ? t : new IllegalStateException("HTTP " + (response == null ? "?" : response.code())));
                }
            }
        }));
    }

    // ================================================================== resilience

    /**
     * 10,000 asks (3 members at 50 ms + a 50 ms judge) at concurrency 500, ~1% of requests faulted
     * by the server (seeded: 500, 503, 429 + Retry-After 1 s, reset mid-body, truncated body). Every
     * ask must end in an answer or a typed {@link FusionException}; the client ledger's tokens must
     * equal the server's served usage.
     */
    static void resilience(Map<String, String> opt) throws Exception {
        int asks = intOpt(opt, "asks", 10_000);
        int concurrency = intOpt(opt, "concurrency", 500);
        int members = intOpt(opt, "members", 3);
        int latency = intOpt(opt, "latencyMs", 50);
        String faults = opt.getOrDefault("faults", "0.01");
        try (ServerProcess server = ServerProcess.start("memberMs=" + latency, "judgeMs=" + latency,
                "faults=" + faults, "seed=" + opt.getOrDefault("seed", "42"),
                "faultKinds=" + opt.getOrDefault("faultKinds", "500,503,429,reset,truncated"))) {
            boolean stream = "stream".equals(opt.get("mode"));
            Fusion fusion = Clients.fusion(server.openAiBase(), Clients.members(members), "judge-1")
                    .memberTimeout(Duration.ofSeconds(intOpt(opt, "timeoutS", 60)))
                    .judgeTimeout(Duration.ofSeconds(intOpt(opt, "timeoutS", 60)))
                    .panelStreaming(stream).build();
            java.util.function.Supplier<Mono<FusionResult>> ask = () -> stream
                    ? fusion.stream(FusionRequest.of(Clients.PROMPT)).ofType(FusionEvent.Completed.class).next()
                            .map(FusionEvent.Completed::result)
                    : fusion.askAsync(Clients.PROMPT);
            System.out.println("mode: " + (stream ? "streamed (panel and judge over SSE)" : "non-streamed JSON"));
            // Warm-up (not counted): JIT and connections.
            Flux.range(0, 500).flatMap(i -> ask.get().onErrorResume(e -> Mono.empty()), 100)
                    .blockLast(Duration.ofMinutes(2));
            server.reset();
            ERROR_SAMPLES.clear();
            Map<String, AtomicLong> askOutcomes = new ConcurrentHashMap<>();
            Map<String, AtomicLong> callOutcomes = new ConcurrentHashMap<>();
            List<Double> overhead = Collections.synchronizedList(new ArrayList<>());
            List<Double> cleanOverhead = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Usage> ledger = new AtomicReference<>(Usage.ZERO);
            AtomicLong attempts = new AtomicLong();
            double scripted = 2.0 * latency;
            try (Monitor mon = new Monitor()) {
                long t0 = System.nanoTime();
                Flux.range(0, asks).flatMap(i -> {
                    long s = System.nanoTime();
                    return ask.get()
                            .doOnNext(r -> {
                                double w = ms(System.nanoTime() - s);
                                overhead.add(w - scripted);
                                boolean clean = r.calls().stream().allMatch(c -> c.isOk() && c.attempts() == 1);
                                if (clean) {
                                    cleanOverhead.add(w - scripted);
                                }
                                count(askOutcomes, r.panel().stream().allMatch(CallRecord::isOk)
                                        ? "answered" : "answered (some members failed)");
                                account(r.calls(), ledger, attempts, callOutcomes);
                            })
                            .onErrorResume(e -> {
                                if (e instanceof FusionException) {
                                    count(askOutcomes, "typed error " + e.getClass().getSimpleName());
                                    if (e instanceof AskFailedException a) {
                                        account(a.calls(), ledger, attempts, callOutcomes);
                                    }
                                } else {
                                    count(askOutcomes, "UNTYPED error " + e);
                                }
                                return Mono.empty();
                            });
                }, concurrency).blockLast(Duration.ofMinutes(10));
                long total = System.nanoTime() - t0;
                ServerStats st = server.stats();
                long ended = askOutcomes.values().stream().mapToLong(AtomicLong::get).sum();
                System.out.printf("%d asks (%d members + judge, %d ms each), concurrency %d, faults %s: %.1f s, %.0f asks/s%n",
                        asks, members, latency, concurrency, faults, total / 1e9, asks / (total / 1e9));
                System.out.println("asks ended " + ended + " of " + asks + ": " + new TreeMap<>(askOutcomes));
                ERROR_SAMPLES.forEach((k, v) -> System.out.println("  e.g. " + k + ": " + v));
                System.out.println("calls (" + attempts.get() + " attempts, server saw " + st.requests() + " requests): "
                        + new TreeMap<>(callOutcomes));
                Usage served = st.served();
                System.out.println("client ledger tokens " + ledger.get());
                System.out.println("server served tokens " + served);
                System.out.println("LEDGER " + (ledger.get().equals(served) ? "EQUALS" : "DIFFERS FROM") + " SERVED USAGE");
                System.out.println("overhead (wall - " + (int) scripted + " ms scripted), all asks    " + Stats.of(overhead).fmt("ms"));
                System.out.println("overhead, asks without any retry/failure " + Stats.of(cleanOverhead).fmt("ms"));
                System.out.println("server maxInFlight " + st.maxInFlight());
                System.out.println(mon.summary());
            }
        }
    }

    private static void count(Map<String, AtomicLong> m, String k) {
        m.computeIfAbsent(k, x -> new AtomicLong()).incrementAndGet();
    }

    private static void account(List<CallRecord> calls, AtomicReference<Usage> ledger, AtomicLong attempts,
                                Map<String, AtomicLong> outcomes) {
        for (CallRecord c : calls) {
            ledger.accumulateAndGet(c.usage(), Usage::plus);
            // (every record counts: failed calls keep the usage the provider billed)
            attempts.addAndGet(c.attempts());
            String k = c.isOk() ? (c.attempts() == 1 ? "ok" : "ok after retry") : c.status().wireName() + " "
                    + (c.error() == null ? "?" : c.error().type());
            count(outcomes, k);
            if (!c.isOk() && c.error() != null) {
                ERROR_SAMPLES.putIfAbsent(k, c.error().message() + " [" + c.role().wireName() + ", attempts="
                        + c.attempts() + ", latency=" + c.latency().toMillis() + " ms]");
            }
        }
    }
}
