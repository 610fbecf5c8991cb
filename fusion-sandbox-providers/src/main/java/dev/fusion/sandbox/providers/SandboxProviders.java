package dev.fusion.sandbox.providers;

import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The offline sandbox, ready for library code: starts the {@link Sandbox} server on 127.0.0.1 (a free
 * port) and hands back {@link Providers} that reach its models and a {@link PriceBook} that prices
 * them. No API key, no network beyond loopback; the HTTP, concurrency and cost arithmetic are real,
 * the models and prices are fictional (every response says so in its {@code x-fusion-sandbox} header; no label
 * is written into an answer, so applications can parse it), so nothing
 * it returns says anything about a real model's quality or price.
 *
 * <pre>{@code
 * try (SandboxProviders sandbox = SandboxProviders.start()) {
 *     Providers providers = sandbox.providers();
 *     Fusion fusion = Fusion.builder()
 *         .panel(providers.model("sandbox-openai:sandbox-swift"),
 *                providers.model("sandbox-openai:sandbox-contrarian"),
 *                providers.model("sandbox-gemini:sandbox-terse"))
 *         .judge(providers.model("sandbox-openai:sandbox-judge"))
 *         .priceBook(sandbox.priceBook())
 *         .build();
 *     System.out.println(fusion.ask("What is the CAP theorem?").answer());
 * }
 * }</pre>
 *
 * <p>Models are named {@code provider:persona}: the provider ({@value Sandbox#PROVIDER_OPENAI},
 * {@value Sandbox#PROVIDER_ANTHROPIC}, {@value Sandbox#PROVIDER_GEMINI}) picks the wire format, the
 * persona ({@value Sandbox#SWIFT}, {@value Sandbox#SCHOLAR}, {@value Sandbox#CONTRARIAN},
 * {@value Sandbox#TERSE}, {@value Sandbox#JUDGE}) the behaviour; every persona answers under every
 * provider. To point your own provider at the server instead, give {@link #baseUrl(WireFormat)} to
 * {@link ProviderSpec#keyless}.
 *
 * <p>Immutable once started and thread-safe; {@link #close()} stops the server (idempotent).
 */
public final class SandboxProviders implements AutoCloseable {

    private final WireServer server;
    private final Providers providers;
    private final PriceBook priceBook;

    private SandboxProviders(WireServer server, Providers base) {
        this.server = server;
        this.providers = base.with(specs(server));
        this.priceBook = BundledPrices.load().with(Sandbox.priceBook());
    }

    /** Starts the sandbox on a free port with the personas' designed latencies (0.2 s to 1.2 s to first byte). */
    public static SandboxProviders start() {
        return start(0, 1.0);
    }

    /**
     * Starts the sandbox on {@code port} of 127.0.0.1 (0 = a free port) with every latency multiplied
     * by {@code latencyScale} (1 = as designed, 0 = instant).
     *
     * @throws IllegalArgumentException for a port outside 0..65535 or a negative or NaN scale
     */
    public static SandboxProviders start(int port, double latencyScale) {
        return start(port, latencyScale, Providers.fromEnv());
    }

    /**
     * As {@link #start(int, double)}, adding the sandbox providers to {@code base} (for example
     * {@code Providers.builder().env(env).build()}), so real and sandbox models can be mixed.
     */
    public static SandboxProviders start(int port, double latencyScale, Providers base) {
        Objects.requireNonNull(base, "base");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        if (!(latencyScale >= 0) || Double.isInfinite(latencyScale)) {
            throw new IllegalArgumentException("latencyScale must be a finite number >= 0, was " + latencyScale);
        }
        WireServer server = Sandbox.start(port, latencyScale);
        try {
            return new SandboxProviders(server, base);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The provider specs that reach this server, by provider name (all keyless). */
    static Map<String, ProviderSpec> specs(WireServer server) {
        Map<String, ProviderSpec> m = new LinkedHashMap<>();
        m.put(Sandbox.providerName(WireFormat.OPENAI),
                ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl(WireFormat.OPENAI)));
        m.put(Sandbox.providerName(WireFormat.ANTHROPIC),
                ProviderSpec.keyless(ProviderKind.ANTHROPIC, server.baseUrl(WireFormat.ANTHROPIC)));
        m.put(Sandbox.providerName(WireFormat.GEMINI),
                ProviderSpec.keyless(ProviderKind.GEMINI, server.baseUrl(WireFormat.GEMINI)));
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The provider specs for the three sandbox provider names, keyless, pointing at this server. */
    public Map<String, ProviderSpec> providerSpecs() {
        return specs(server);
    }

    /** The registry: the base registry's providers plus {@code sandbox-openai}, {@code sandbox-anthropic}, {@code sandbox-gemini}. */
    public Providers providers() {
        return providers;
    }

    /** A model by {@code provider:model}, e.g. {@code sandbox-anthropic:sandbox-scholar}. */
    public ChatModel model(String ref) {
        return providers.model(ref);
    }

    /** The bundled price book plus the sandbox personas' fictional prices under every sandbox provider name. */
    public PriceBook priceBook() {
        return priceBook;
    }

    /** The four panel personas as {@code provider:model}, spread over the three wire formats. */
    public List<String> panel() {
        return Sandbox.panel().stream().map(p -> p.ref().toString()).toList();
    }

    /** The sandbox judge as {@code provider:model}. */
    public String judge() {
        return Sandbox.judge().ref().toString();
    }

    /** The server's root URL, {@code http://127.0.0.1:port}. */
    public String baseUrl() {
        return server.baseUrl();
    }

    /** The base URL a Fusion provider of this format's kind takes (see {@link WireServer#baseUrl(WireFormat)}). */
    public String baseUrl(WireFormat format) {
        return server.baseUrl(format);
    }

    /** The running server (request counts, served usage). */
    public WireServer server() {
        return server;
    }

    /** Stops the server; calls in flight fail. Idempotent. */
    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "SandboxProviders[" + server.baseUrl() + "]";
    }
}
