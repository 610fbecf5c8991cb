package dev.fusion.bench.server;

import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.sandbox.providers.SandboxProviders;
import dev.fusion.server.FusionServer;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The same fusion on the same sandbox, asked in process ({@code Fusion.stream}) and through the gateway (a
 * streamed chat completion over loopback HTTP), in alternating windows in one JVM. Reports p50 of the whole
 * ask and of the time to the first judge token per mode, and process CPU per ask per mode (the gateway mode's
 * CPU includes the HTTP client's, so it is an upper bound of the gateway's own).
 * <pre>
 *   java -cp fusion-examples/target/fusion-cli.jar:&lt;this class&gt; dev.fusion.bench.server.GatewayVsInProcess [windows] [asksPerWindow] [latencyScale]
 * </pre>
 */
public final class GatewayVsInProcess {

    public static void main(String[] args) throws Exception {
        int windows = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perWindow = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        double scale = args.length > 2 ? Double.parseDouble(args[2]) : 0.0;
        try (SandboxProviders sandbox = SandboxProviders.start(0, scale)) {
            Fusion.Builder b = Fusion.builder().priceBook(sandbox.priceBook()).quorum(2).shuffleSeed(7);
            for (String m : sandbox.panel()) {
                b.panel(sandbox.model(m));
            }
            Fusion fusion = b.judge(sandbox.model(sandbox.judge())).build();
            try (FusionServer server = FusionServer.builder().port(0).fusion("default", fusion).start()) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String body = "{\"model\":\"fusion/default\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}";
                HttpRequest req = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                FusionRequest ask = FusionRequest.of("Why is the sky blue?");
                com.sun.management.OperatingSystemMXBean os =
                        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                List<Long> inTotal = new ArrayList<>();
                List<Long> inFirst = new ArrayList<>();
                List<Long> gwTotal = new ArrayList<>();
                List<Long> gwFirst = new ArrayList<>();
                long inCpu = 0;
                long gwCpu = 0;
                // warm-up, both modes
                for (int i = 0; i < perWindow; i++) {
                    inProcess(fusion, ask, new ArrayList<>(), new ArrayList<>());
                    gateway(http, req, new ArrayList<>(), new ArrayList<>());
                }
                for (int w = 0; w < windows; w++) {
                    boolean gatewayFirst = w % 2 == 1;
                    for (int half = 0; half < 2; half++) {
                        boolean gw = (half == 0) == gatewayFirst;
                        long cpu0 = os.getProcessCpuTime();
                        for (int i = 0; i < perWindow; i++) {
                            if (gw) {
                                gateway(http, req, gwTotal, gwFirst);
                            } else {
                                inProcess(fusion, ask, inTotal, inFirst);
                            }
                        }
                        long cpu = os.getProcessCpuTime() - cpu0;
                        if (gw) {
                            gwCpu += cpu;
                        } else {
                            inCpu += cpu;
                        }
                    }
                }
                int n = windows * perWindow;
                System.out.printf("asks per mode %d (latency scale %s)%n", n, scale);
                System.out.printf("in process: p50 total %.2f ms, p50 first judge token %.2f ms, CPU %.2f ms/ask%n",
                        p50(inTotal), p50(inFirst), inCpu / 1e6 / n);
                System.out.printf("gateway:    p50 total %.2f ms, p50 first judge token %.2f ms, CPU %.2f ms/ask%n",
                        p50(gwTotal), p50(gwFirst), gwCpu / 1e6 / n);
                System.out.printf("added: p50 total %+.2f ms, p50 first token %+.2f ms, CPU ratio %.2fx%n",
                        p50(gwTotal) - p50(inTotal), p50(gwFirst) - p50(inFirst), (double) gwCpu / inCpu);
            }
        }
    }

    private static void inProcess(Fusion fusion, FusionRequest ask, List<Long> total, List<Long> first) {
        long t0 = System.nanoTime();
        long[] firstAt = {0};
        Iterator<FusionEvent> it = fusion.stream(ask).toIterable().iterator();
        while (it.hasNext()) {
            FusionEvent e = it.next();
            if (e instanceof FusionEvent.JudgeDelta && firstAt[0] == 0) {
                firstAt[0] = System.nanoTime();
            }
        }
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

    private static double p50(List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        return s.get(s.size() / 2) / 1e6;
    }

    private GatewayVsInProcess() {
    }

}
