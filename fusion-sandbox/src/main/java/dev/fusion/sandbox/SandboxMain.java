package dev.fusion.sandbox;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the sandbox server until killed:
 * {@code java dev.fusion.sandbox.SandboxMain [--port N] [--latency-scale X]} (port 0, the default,
 * picks a free one; the bound port is printed). The {@code fusion sandbox} CLI command calls
 * {@link #start(int, double, PrintStream)} to get the running server.
 */
public final class SandboxMain {

    private SandboxMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        double scale = 1.0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--port") || a.equals("-p")) && i + 1 < args.length) {
                port = Integer.parseInt(args[++i]);
            } else if (a.startsWith("--port=")) {
                port = Integer.parseInt(a.substring(7));
            } else if (a.equals("--latency-scale") && i + 1 < args.length) {
                scale = Double.parseDouble(args[++i]);
            } else if (a.startsWith("--latency-scale=")) {
                scale = Double.parseDouble(a.substring(16));
            } else if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: SandboxMain [--port N] [--latency-scale X]");
                return;
            } else if (a.matches("\\d+")) {
                port = Integer.parseInt(a);
            } else {
                System.err.println("unknown argument: " + a + " (usage: SandboxMain [--port N] [--latency-scale X])");
                System.exit(2);
            }
        }
        WireServer server = start(port, scale, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "sandbox-shutdown"));
        stopped.await();
    }

    /** Starts the sandbox server and prints where it listens and what it serves. */
    public static WireServer start(int port, double latencyScale, PrintStream out) {
        WireServer server = Sandbox.start(port, latencyScale);
        out.print(describe(server));
        out.flush();
        return server;
    }

    /**
     * The text {@link #main} prints: per wire format the base URL a Fusion provider of that kind
     * takes (for Gemini the host root: the {@code gemini} kind appends {@code /v1beta/...} itself)
     * and the full endpoint, then the models and their fictional prices.
     */
    public static String describe(WireServer server) {
        StringBuilder sb = new StringBuilder();
        sb.append("Fusion sandbox listening on ").append(server.baseUrl()).append(" (port ").append(server.port())
                .append(") - scripted offline models, not real ones.\n\n");
        sb.append("Base URLs to configure (ProviderSpec baseUrl, or baseUrl: under providers: in a config file):\n");
        format(sb, "OpenAI-compatible", "openai", server.baseUrl(WireFormat.OPENAI),
                "POST " + server.baseUrl(WireFormat.OPENAI) + "/chat/completions");
        format(sb, "Anthropic", "anthropic", server.baseUrl(WireFormat.ANTHROPIC),
                "POST " + server.baseUrl(WireFormat.ANTHROPIC) + "/v1/messages");
        format(sb, "Gemini", "gemini", server.baseUrl(WireFormat.GEMINI),
                "POST " + server.baseUrl(WireFormat.GEMINI) + "/v1beta/models/{model}:generateContent"
                        + " (or :streamGenerateContent?alt=sse)");
        sb.append("\nModels (every model answers on every format; fictional USD prices per million tokens):\n");
        for (Sandbox.Persona p : Sandbox.personas()) {
            sb.append(String.format(Locale.ROOT, "  %-38s %5d ms  in %6s  out %6s  %s%n", p.ref(),
                    p.firstByte().toMillis(), p.price().base().input().toPlainString(),
                    p.price().base().output().toPlainString(), p.description()));
        }
        sb.append("\nStop with Ctrl+C.\n");
        return sb.toString();
    }

    private static void format(StringBuilder sb, String name, String kind, String baseUrl, String endpoint) {
        sb.append("  ").append(name).append(" (kind ").append(kind).append(")\n");
        sb.append("    base URL  ").append(baseUrl).append('\n');
        sb.append("    endpoint  ").append(endpoint).append('\n');
    }
}
