package dev.fusion.examples;

import dev.fusion.cli.SandboxBackend;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;

import java.util.List;

/**
 * Shared by the examples: real models when {@code OPENROUTER_API_KEY} is set, otherwise the
 * offline sandbox (started in-process, stopped at exit), so every example runs on a fresh machine.
 */
final class Models implements AutoCloseable {

    final Providers providers;
    final PriceBook prices;
    final boolean sandbox;
    private final SandboxBackend backend;
    private final List<String> cheap;
    private final List<String> flagship;

    private Models(Providers providers, PriceBook prices, SandboxBackend backend, List<String> cheap, List<String> flagship) {
        this.providers = providers;
        this.prices = prices;
        this.backend = backend;
        this.sandbox = backend != null;
        this.cheap = cheap;
        this.flagship = flagship;
    }

    static Models open() {
        String key = System.getenv("OPENROUTER_API_KEY");
        if (key != null && !key.isBlank()) {
            return new Models(Providers.fromEnv(), BundledPrices.load(), null,
                    List.of("openrouter:deepseek/deepseek-v4-pro", "openrouter:moonshotai/kimi-k2.6",
                            "openrouter:google/gemini-3.5-flash"),
                    List.of("openrouter:anthropic/claude-opus-4.8", "openrouter:openai/gpt-6.2-sol"));
        }
        SandboxBackend sb = SandboxBackend.start(0, Double.parseDouble(System.getProperty("fusion.sandbox.latencyScale", "1")));
        System.out.println("[sandbox] no OPENROUTER_API_KEY: running on the offline sandbox at " + sb.baseUrl()
                + " (fictional models and prices; real HTTP and cost arithmetic)");
        Providers p = Providers.fromEnv().with(sb.providerSpecs());
        List<String> panel = sb.panel();
        return new Models(p, BundledPrices.load().with(sb.prices()), sb, panel, List.of(sb.judge(), panel.get(panel.size() - 1)));
    }

    /** The i-th cheap model (wrapping around). */
    ChatModel cheap(int i) {
        return providers.model(cheap.get(i % cheap.size()));
    }

    int cheapCount() {
        return cheap.size();
    }

    /** The i-th flagship model (wrapping around). */
    ChatModel flagship(int i) {
        return providers.model(flagship.get(i % flagship.size()));
    }

    @Override
    public void close() {
        if (backend != null) {
            backend.close();
        }
    }
}
