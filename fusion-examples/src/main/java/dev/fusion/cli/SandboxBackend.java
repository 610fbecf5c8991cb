package dev.fusion.cli;

import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ModelRef;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireServer;

import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline sandbox as the CLI and examples use it: a {@link WireServer} on loopback with
 * sandbox personas, reachable as three providers of the three wire formats
 * ({@code sandbox} = OpenAI-compatible, {@code sandbox-anthropic}, {@code sandbox-gemini}), with
 * clearly fictional prices so the cost arithmetic is real.
 */
public final class SandboxBackend implements AutoCloseable {

    private final WireServer server;

    private SandboxBackend(WireServer server) {
        this.server = server;
    }

    /** Starts on any free port. */
    public static SandboxBackend start() {
        return start(0);
    }

    /** Starts on the given port of 127.0.0.1 (0 = any free port). */
    public static SandboxBackend start(int port) {
        Behaviour.Builder b = Behaviour.builder();
        b.model("swift", Script.answer(r -> "[sandbox] Short answer to \"" + r.lastUserText() + "\".").withLatency(Duration.ofMillis(120)));
        b.model("scholar", Script.answer(r -> "[sandbox] A thorough answer to \"" + r.lastUserText() + "\".").withLatency(Duration.ofMillis(400)));
        b.model("contrarian", Script.answer(r -> "[sandbox] Another view on \"" + r.lastUserText() + "\".").withLatency(Duration.ofMillis(250)));
        b.model("judge", Script.answer(r -> "[sandbox] merged: " + r.lastUserText().lines().filter(l -> l.startsWith("[sandbox]")).findFirst().orElse("")));
        return new SandboxBackend(WireServer.start(b.build(), port));
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    /** Provider specs pointing at this server, by provider name. */
    public Map<String, ProviderSpec> providerSpecs() {
        Map<String, ProviderSpec> m = new LinkedHashMap<>();
        m.put("sandbox", ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl() + "/v1"));
        m.put("sandbox-anthropic", ProviderSpec.keyless(ProviderKind.ANTHROPIC, server.baseUrl()));
        m.put("sandbox-gemini", ProviderSpec.keyless(ProviderKind.GEMINI, server.baseUrl()));
        return m;
    }

    /** The sandbox panel, one member per wire format. */
    public List<String> panel() {
        return List.of("sandbox:swift", "sandbox-anthropic:scholar", "sandbox-gemini:contrarian");
    }

    public String judge() {
        return "sandbox:judge";
    }

    /** Fictional prices (USD per million tokens) for the sandbox models. */
    public PriceBook prices() {
        String src = "fictional sandbox price (fusion-sandbox)";
        LocalDate d = LocalDate.of(2026, 11, 22);
        return PriceBook.empty()
                .with(ModelRef.parse("sandbox:swift"), Price.of("0.10", "0.40").withSource(src, d))
                .with(ModelRef.parse("sandbox-anthropic:scholar"), Price.of("0.80", "4.00").withSource(src, d))
                .with(ModelRef.parse("sandbox-gemini:contrarian"), Price.of("0.30", "2.50").withSource(src, d))
                .with(ModelRef.parse("sandbox:judge"), Price.of("3.00", "15.00").withSource(src, d));
    }

    /** Endpoints and models, for {@code fusion sandbox}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("offline sandbox listening on ").append(server.baseUrl()).append('\n');
        sb.append("  OpenAI-compatible: POST ").append(server.baseUrl()).append("/v1/chat/completions\n");
        sb.append("  Anthropic:         POST ").append(server.baseUrl()).append("/v1/messages\n");
        sb.append("  Gemini:            POST ").append(server.baseUrl()).append("/v1beta/models/{model}:generateContent\n");
        sb.append("  models: swift, scholar, contrarian (panel), judge; any model id works on any endpoint\n");
        sb.append("  config: providers: {sb: {kind: openai, baseUrl: \"").append(server.baseUrl())
                .append("/v1\"}}  panel: [sb:swift, sb:scholar, sb:contrarian]  judge: sb:judge\n");
        return sb.toString();
    }

    @Override
    public void close() {
        server.close();
    }
}
