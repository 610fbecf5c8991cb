package dev.fusion.cli;

import dev.fusion.cost.PriceBook;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.SandboxMain;
import dev.fusion.sandbox.providers.SandboxProviders;
import dev.fusion.sandbox.WireServer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline sandbox as the CLI and examples use it: the {@link Sandbox} personas on a
 * {@link WireServer} on loopback, reachable as three providers, one per wire format
 * ({@code sandbox-openai}, {@code sandbox-anthropic}, {@code sandbox-gemini}), with clearly
 * fictional prices so the cost arithmetic is real. The judge really merges (SandboxMerger).
 */
public final class SandboxBackend implements AutoCloseable {

    private final SandboxProviders sandbox;
    private final WireServer server;

    private SandboxBackend(SandboxProviders sandbox) {
        this.sandbox = sandbox;
        this.server = sandbox.server();
    }

    /** Starts on any free port, with the personas' normal latencies. */
    public static SandboxBackend start() {
        return start(0);
    }

    /** Starts on the given port of 127.0.0.1 (0 = any free port). */
    public static SandboxBackend start(int port) {
        return start(port, 1.0);
    }

    /**
     * Starts with the personas' latencies multiplied by {@code latencyScale} (1 = as designed, 0 = instant;
     * the CLI reads {@code FUSION_SANDBOX_LATENCY_SCALE}).
     */
    public static SandboxBackend start(int port, double latencyScale) {
        if (latencyScale < 0 || Double.isNaN(latencyScale)) {
            throw new IllegalArgumentException("sandbox latency scale must be >= 0, was " + latencyScale);
        }
        return new SandboxBackend(SandboxProviders.start(port, latencyScale));
    }

    /** The latency scale set in {@code FUSION_SANDBOX_LATENCY_SCALE}, else 1. */
    static double latencyScale(Map<String, String> env) {
        String v = env.get("FUSION_SANDBOX_LATENCY_SCALE");
        if (v == null || v.isBlank()) {
            return 1.0;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new CliException("FUSION_SANDBOX_LATENCY_SCALE must be a number like 0.5, was '" + v + "'");
        }
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    /** Provider specs pointing at this server, by provider name. */
    public Map<String, ProviderSpec> providerSpecs() {
        return new LinkedHashMap<>(sandbox.providerSpecs());
    }

    /** The sandbox panel as {@code provider:model}, spread over the three wire formats. */
    public List<String> panel() {
        return Sandbox.panel().stream().map(p -> p.ref().toString()).toList();
    }

    public String judge() {
        return Sandbox.judge().ref().toString();
    }

    /** Fictional prices (USD per million tokens) for every persona under every sandbox provider. */
    public PriceBook prices() {
        return Sandbox.priceBook();
    }

    /** Endpoints and models, for {@code fusion sandbox}. */
    public String describe() {
        return SandboxMain.describe(server);
    }

    @Override
    public void close() {
        sandbox.close();
    }
}
