package dev.fusion.bench.server;

import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.providers.SandboxProviders;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The same fusion on the same sandbox, asked in process ({@code Fusion.stream}) and through the gateway (a
 * streamed chat completion over loopback HTTP), in alternating windows in one JVM. Reports p50 of the whole
 * ask and of the time to the first judge token per mode, and CPU per ask per mode.
 *
 * <p>The sandbox upstream runs in a child JVM (same class path), so its CPU is in no mode. In process, the ask
 * is streamed by a subscriber that sees each event on the thread delivering it, the main thread subscribing and
 * waiting; its CPU is the process's. Through the gateway, the CPU of an ask is the process's minus the CPU of
 * the threads that play the client: the main thread (it sends the request and reads the stream) and the HTTP
 * client's threads (its executor, {@code bench-client-*}, and its {@code HttpClient-*-SelectorManager}),
 * measured per thread with {@link ThreadMXBean}. What is left is the fusion (engine, provider calls to the
 * sandbox) in process, and the fusion plus the gateway (Reactor Netty event loops, encoding) through it. The JIT compiler threads' CPU (read
 * from {@code /proc/self/task} on Linux) is reported apart: it is warm-up, not the cost of an ask, and it does
 * not settle within a short run on a loaded machine. GC threads count.
 *
 * <p>Several gateway builds can be compared in the same run: {@code -Dbench.variants=before=DIR,after=DIR}
 * loads {@code dev.fusion.server} from each directory (compiled classes) in its own class loader, the rest
 * from the class path; each variant is a mode of the alternation. {@code -Dbench.threadGroups=true} prints
 * the CPU per ask by thread group.
 * <pre>
 *   java -cp fusion-examples/target/fusion-cli.jar:&lt;this class&gt; dev.fusion.bench.server.GatewayVsInProcess [windows] [asksPerWindow] [latencyScale]
 * </pre>
 */
public final class GatewayVsInProcess {

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--sandbox-child")) {
            sandboxChild(Double.parseDouble(args[1]));
            return;
        }
        int windows = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perWindow = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        double scale = args.length > 2 ? Double.parseDouble(args[2]) : 0.0;
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GatewayVsInProcess.class.getName(), "--sandbox-child",
                String.valueOf(scale)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            Map<String, ProviderSpec> specs = new LinkedHashMap<>();
            for (int i = 0; i < 3; i++) {
                String[] line = childOut.readLine().split(" ");
                WireFormat f = WireFormat.valueOf(line[0]);
                ProviderKind kind = switch (f) {
                    case OPENAI -> ProviderKind.OPENAI;
                    case ANTHROPIC -> ProviderKind.ANTHROPIC;
                    case GEMINI -> ProviderKind.GEMINI;
                };
                specs.put(Sandbox.providerName(f), ProviderSpec.keyless(kind, line[1]));
            }
            run(windows, perWindow, scale, Providers.fromEnv().with(specs));
        } finally {
            child.destroy();
        }
    }

    private static void sandboxChild(double scale) throws Exception {
        try (SandboxProviders sandbox = SandboxProviders.start(0, scale)) {
            for (WireFormat f : List.of(WireFormat.OPENAI, WireFormat.ANTHROPIC, WireFormat.GEMINI)) {
                System.out.println(f.name() + " " + sandbox.baseUrl(f));
            }
            System.out.flush();
            // until the parent closes our stdin or ends us
            while (System.in.read() >= 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** One way of asking: in process (no request) or through one gateway build. */
    private static final class Mode {
        final String name;
        final HttpRequest request;
        final AutoCloseable server;
        final List<Long> total = new ArrayList<>();
        final List<Long> first = new ArrayList<>();
        final Map<String, Long> groups = new TreeMap<>();
        long cpu;
        long cpuWithClient;
        long jit;

        Mode(String name, HttpRequest request, AutoCloseable server) {
            this.name = name;
            this.request = request;
            this.server = server;
        }
    }

    /** Loads {@code dev.fusion.server.*} from {@code dir} first, everything else from the class path. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL dir, ClassLoader parent) {
            super(new URL[] {dir}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.fusion.server.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = super.loadClass(name, false);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /** Starts {@code FusionServer} as loaded by {@code loader} on a free port: the server and its base URL. */
    private static Object[] startServer(ClassLoader loader, Fusion fusion) throws Exception {
        Class<?> server = Class.forName("dev.fusion.server.FusionServer", true, loader);
        Object builder = server.getMethod("builder").invoke(null);
        builder = builder.getClass().getMethod("port", int.class).invoke(builder, 0);
        builder = builder.getClass().getMethod("fusion", String.class, Fusion.class).invoke(builder, "default", fusion);
        Object s = builder.getClass().getMethod("start").invoke(builder);
        return new Object[] {s, server.getMethod("baseUrl").invoke(s)};
    }

    private static void run(int windows, int perWindow, double scale, Providers providers) throws Exception {
        Fusion.Builder b = Fusion.builder().priceBook(BundledPrices.load().with(Sandbox.priceBook())).quorum(2).shuffleSeed(7);
        for (var p : Sandbox.panel()) {
            b.panel(providers.model(p.ref().toString()));
        }
        Fusion fusion = b.judge(providers.model(Sandbox.judge().ref().toString())).build();
        AtomicInteger clientThreads = new AtomicInteger();
        ExecutorService clientPool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-client-" + clientThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        String body = "{\"model\":\"fusion/default\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}";
        List<Mode> modes = new ArrayList<>();
        modes.add(new Mode("in process", null, null));
        String variants = System.getProperty("bench.variants", "");
        Map<String, ClassLoader> loaders = new LinkedHashMap<>();
        if (variants.isBlank()) {
            loaders.put("gateway", GatewayVsInProcess.class.getClassLoader());
        } else {
            for (String v : variants.split(",")) {
                String[] kv = v.split("=", 2);
                loaders.put("gateway " + kv[0], new ChildFirst(new File(kv[1]).toURI().toURL(), GatewayVsInProcess.class.getClassLoader()));
            }
        }
        try {
            for (var e : loaders.entrySet()) {
                Object[] started = startServer(e.getValue(), fusion);
                HttpRequest req = HttpRequest.newBuilder(URI.create(started[1] + "/v1/chat/completions"))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                modes.add(new Mode(e.getKey(), req, (AutoCloseable) started[0]));
            }
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientPool).build();
            FusionRequest ask = FusionRequest.of("Why is the sky blue?");
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            int warmup = Integer.getInteger("bench.warmup", 1000);
            for (int i = 0; i < warmup; i++) {
                for (Mode m : modes) {
                    once(m, fusion, ask, http, new ArrayList<>(), new ArrayList<>());
                }
            }
            double load0 = os.getSystemLoadAverage();
            for (int w = 0; w < windows; w++) {
                for (int k = 0; k < modes.size(); k++) {
                    Mode m = modes.get((k + w) % modes.size()); // each window starts with another mode
                    Map<String, Long> groups0 = groupCpu(threads);
                    long client0 = m.request == null ? 0 : clientCpu(threads);
                    long cpu0 = os.getProcessCpuTime();
                    for (int i = 0; i < perWindow; i++) {
                        once(m, fusion, ask, http, m.total, m.first);
                    }
                    long proc = os.getProcessCpuTime() - cpu0;
                    long client = m.request == null ? 0 : clientCpu(threads) - client0;
                    Map<String, Long> groups1 = groupCpu(threads);
                    groups1.forEach((g, v) -> m.groups.merge(g, v - groups0.getOrDefault(g, 0L), Long::sum));
                    long jit = 0;
                    for (var g : groups1.entrySet()) {
                        if (g.getKey().startsWith("[jvm] C")) {
                            jit += g.getValue() - groups0.getOrDefault(g.getKey(), 0L);
                        }
                    }
                    m.cpu += proc - client;
                    m.cpuWithClient += proc;
                    m.jit += jit;
                }
            }
            int n = windows * perWindow;
            System.out.printf("asks per mode %d after %d warm-up asks per mode (latency scale %s, load average %.2f at the start, %.2f at the end)%n",
                    n, warmup, scale, load0, os.getSystemLoadAverage());
            Mode in = modes.get(0);
            for (Mode m : modes) {
                System.out.printf("%-16s p50 total %6.2f ms, p50 first judge token %6.2f ms, CPU ms/ask: %.3f without client and JIT, %.3f without client, %.3f with (JIT %.3f)%n",
                        m.name + ":", p50(m.total), p50(m.first), (m.cpu - m.jit) / 1e6 / n, m.cpu / 1e6 / n, m.cpuWithClient / 1e6 / n, m.jit / 1e6 / n);
            }
            for (Mode m : modes.subList(1, modes.size())) {
                System.out.printf("%s vs in process: added p50 total %+.2f ms, added p50 first token %+.2f ms, CPU ratio %.2fx without client and JIT (%.2fx without client, %.2fx with)%n",
                        m.name, p50(m.total) - p50(in.total), p50(m.first) - p50(in.first),
                        (double) (m.cpu - m.jit) / (in.cpu - in.jit), (double) m.cpu / in.cpu, (double) m.cpuWithClient / in.cpuWithClient);
            }
            int chunkAsks = Integer.getInteger("bench.chunks", 0);
            if (chunkAsks > 0) {
                for (Mode m : modes.subList(1, modes.size())) {
                    long chunks = 0;
                    for (int i = 0; i < chunkAsks; i++) {
                        chunks += chunks(m.request.uri(), body);
                    }
                    System.out.printf("%s: %.1f HTTP chunks (buffers written) per streamed ask, over %d asks%n",
                            m.name, (double) chunks / chunkAsks, chunkAsks);
                }
            }
            if (Boolean.getBoolean("bench.threadGroups")) {
                Set<String> names = new TreeSet<>();
                modes.forEach(m -> names.addAll(m.groups.keySet()));
                System.out.println("CPU ms/ask by thread group (" + String.join(" / ", modes.stream().map(m -> m.name).toList()) + "):");
                for (String g : names) {
                    StringBuilder line = new StringBuilder(String.format("  %-40s", g));
                    boolean any = false;
                    for (Mode m : modes) {
                        long v = m.groups.getOrDefault(g, 0L);
                        any |= v != 0;
                        line.append(String.format(" %8.3f", v / 1e6 / n));
                    }
                    if (any) {
                        System.out.println(line);
                    }
                }
            }
        } finally {
            for (Mode m : modes) {
                if (m.server != null) {
                    m.server.close();
                }
            }
            clientPool.shutdownNow();
        }
    }

    private static void once(Mode m, Fusion fusion, FusionRequest ask, HttpClient http, List<Long> total, List<Long> first) throws Exception {
        if (m.request == null) {
            inProcess(fusion, ask, total, first);
        } else {
            gateway(http, m.request, total, first);
        }
    }

    private static final boolean SYSTEM_TIME = Boolean.getBoolean("bench.threadGroups");

    /** CPU time of every live thread, summed by name without its digits (diagnostics), plus the JVM's own threads. */
    private static Map<String, Long> groupCpu(ThreadMXBean threads) {
        Map<String, Long> out = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long c = threads.getThreadCpuTime(t.getId());
            if (c > 0) {
                // OkHttp names its threads after the call they run: one group for them
                String name = t.getName().startsWith("OkHttp http") ? "fusion-http-#" : t.getName().replaceAll("[0-9]+", "#");
                out.merge(name, c, Long::sum);
            }
        }
        // the JVM's own threads (JIT compilers, GC), which ThreadMXBean does not list: from /proc on Linux
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks != null) {
            long tick = 10_000_000L; // USER_HZ = 100
            for (File task : tasks) {
                try {
                    String comm = Files.readString(task.toPath().resolve("comm")).strip();
                    if (SYSTEM_TIME) {
                        String stat = Files.readString(task.toPath().resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        out.merge("[kernel time] " + comm.replaceAll("[0-9]+", "#"), Long.parseLong(f[12]) * tick, Long::sum);
                    }
                    if (!(comm.startsWith("C1 ") || comm.startsWith("C2 ") || comm.startsWith("GC ") || comm.startsWith("G1 ")
                            || comm.startsWith("VM "))) {
                        continue;
                    }
                    String stat = Files.readString(task.toPath().resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ns = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * tick;
                    out.merge("[jvm] " + comm.replaceAll("[0-9]+", "#"), ns, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        }
        return out;
    }

    /** CPU time of the threads that play the client: main, the HTTP client's executor and selector. */
    private static long clientCpu(ThreadMXBean threads) {
        long sum = 0;
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.equals("main") || name.startsWith("bench-client-")
                    || (name.startsWith("HttpClient-") && name.endsWith("-SelectorManager"))) {
                if (ids.add(t.getId())) {
                    long c = threads.getThreadCpuTime(t.getId());
                    if (c > 0) {
                        sum += c;
                    }
                }
            }
        }
        return sum;
    }

    /**
     * The in-process ask as an application streams it: a subscriber that sees each event on the thread that
     * delivers it (as the gateway's does), the calling thread waiting for the end. The calling thread's CPU
     * (it subscribes: the engine starts the ask on it) counts as the ask's.
     */
    private static void inProcess(Fusion fusion, FusionRequest ask, List<Long> total, List<Long> first) {
        long t0 = System.nanoTime();
        long[] firstAt = {0};
        fusion.stream(ask).doOnNext(e -> {
            if (e instanceof FusionEvent.JudgeDelta && firstAt[0] == 0) {
                firstAt[0] = System.nanoTime();
            }
        }).then().block();
        total.add(System.nanoTime() - t0);
        first.add(firstAt[0] - t0);
    }

    private static void gateway(HttpClient http, HttpRequest req, List<Long> total, List<Long> first) throws Exception {
        long t0 = System.nanoTime();
        long firstAt = 0;
        HttpResponse<java.util.stream.Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
        Iterator<String> it = r.body().iterator();
        while (it.hasNext()) {
            String line = it.next();
            if (firstAt == 0 && line.startsWith("data: ") && line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                firstAt = System.nanoTime();
            }
        }
        total.add(System.nanoTime() - t0);
        first.add(firstAt - t0);
    }

    /**
     * Asks once over a plain socket and counts the HTTP chunks of the streamed answer: each buffer the gateway
     * writes is one chunk ({@code -Dbench.chunks=N} prints the mean over N asks per gateway mode).
     */
    static int chunks(URI uri, String body) throws IOException {
        try (java.net.Socket s = new java.net.Socket(uri.getHost(), uri.getPort())) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(b);
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            String line;
            while (!(line = readLine(in)).isEmpty()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length")) {
                    throw new IOException("not chunked: " + line);
                }
            }
            int n = 0;
            for (;;) {
                int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    return n;
                }
                n++;
                in.readFully(new byte[size]);
                readLine(in);
            }
        }
    }

    private static String readLine(java.io.DataInputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        if (c < 0 && sb.isEmpty()) {
            throw new IOException("connection closed");
        }
        return sb.toString();
    }

    private static double p50(List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        return s.get(s.size() / 2) / 1e6;
    }

    private GatewayVsInProcess() {
    }

}
