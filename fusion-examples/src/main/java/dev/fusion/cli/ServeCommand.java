package dev.fusion.cli;

import dev.fusion.micrometer.FusionMetrics;
import dev.fusion.providers.Providers;
import dev.fusion.server.FusionServer;
import dev.fusion.server.ServerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code fusion serve}: the configured fusions behind OpenAI- and Anthropic-compatible endpoints until
 * stopped. Prints one line when listening (URL, models, start time); on SIGTERM or Ctrl-C stops taking asks,
 * lets the asks in flight finish until the drain deadline, cancels the rest, and exits.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve fusions as models (fusion/default, fusion/<name>) over the OpenAI chat/responses and"
                + " Anthropic messages APIs until stopped.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Config: a Fusion config (fusion/default), optional"
            + " fusions: {name: {...}} and server: {host, port, keys, ...}.")
    Path config;

    @Option(names = "--port", paramLabel = "PORT", description = "Port (default: server.port from the config, else 8080; 0 = any free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default 127.0.0.1; anything else needs server.keys).")
    String host;

    @Option(names = "--sandbox", description = "Serve the built-in offline sandbox fusion (the config's server: section still applies).")
    boolean sandbox;

    @Override
    public Integer call() throws InterruptedException {
        FusionCli.Io io = FusionCli.io();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ServerConfig sc = config == null ? null : load(config, io);
        FusionServer.Builder b;
        Setup setup = null;
        List<String> notes = new ArrayList<>();
        AutoCloseable sandboxBackend = null;
        if (sc != null && !sc.fusions().isEmpty() && !sandbox) {
            Providers providers = Providers.builder().env(io.env).build();
            dev.fusion.cost.PriceBook prices = dev.fusion.providers.BundledPrices.load();
            if (sc.fusions().values().stream().anyMatch(f -> f.spec().sandboxEnabled())) {
                // sandbox: true in the file, as `fusion ask --config` reads it: the sandbox's providers and
                // prices by name, each file's own providers and prices over them.
                SandboxBackend sb = SandboxBackend.start(0, SandboxBackend.latencyScale(io.env));
                sandboxBackend = sb;
                providers = providers.with(sb.providerSpecs());
                prices = prices.with(sb.prices());
                notes.add("sandbox: true in " + config + "; the sandbox-* models and their prices are fictional");
            }
            try {
                b = sc.toServerBuilder(providers, prices, registry, fb -> { });
            } catch (RuntimeException e) {
                closeQuietly(sandboxBackend);
                throw e;
            }
        } else {
            CommonOptions o = new CommonOptions();
            o.sandbox = sandbox;
            FusionMetrics metrics = new FusionMetrics(registry);
            setup = Setup.resolve(o, io.env, false, fb -> fb.listener(metrics));
            b = sc == null ? FusionServer.builder().meterRegistry(registry) : sc.serverOnly(registry);
            b.fusion("default", setup.fusion);
            if (setup.isSandbox()) {
                notes.add("sandbox");
            }
            if (sc != null && !sc.fusions().isEmpty()) {
                notes.add("--sandbox: the config's fusions are not served");
            }
        }
        if (port != null) {
            b.port(port);
        }
        if (host != null) {
            b.host(host);
        }
        FusionServer server;
        try {
            server = b.start();
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (setup != null) {
                setup.close();
            }
            closeQuietly(sandboxBackend);
            throw new CliException(e.getMessage());
        }
        long startedMs = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        int keys = sc == null ? 0 : sc.keys().size();
        io.out.println("fusion serve: listening on " + server.baseUrl() + "/v1 serving " + String.join(", ", server.models())
                + " (" + (keys == 0 ? "no keys, loopback only" : keys + " key" + (keys == 1 ? "" : "s"))
                + (notes.isEmpty() ? "" : "; " + String.join("; ", notes)) + ") in " + startedMs + " ms");
        io.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Setup toClose = setup;
        AutoCloseable backendToClose = sandboxBackend;
        Thread hook = new Thread(() -> {
            try {
                server.close();
                if (toClose != null) {
                    toClose.close();
                }
                closeQuietly(backendToClose);
            } finally {
                System.out.println("fusion serve: stopped");
                System.out.flush();
                stopped.countDown();
            }
        }, "fusion-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // stopping anyway: nothing more to release
        }
    }

    private static ServerConfig load(Path file, FusionCli.Io io) {
        try {
            return ServerConfig.load(file, io.env);
        } catch (RuntimeException e) {
            throw new CliException(e.getMessage().startsWith("config file ") ? e.getMessage() : "config " + file + ": " + e.getMessage());
        }
    }
}
