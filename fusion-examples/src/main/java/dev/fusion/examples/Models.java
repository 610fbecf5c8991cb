package dev.fusion.examples;

import dev.fusion.cli.SandboxBackend;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;

import java.util.List;

/**
 * Shared by the examples: real models when {@code OPENROUTER_API_KEY} is set, otherwise the
 * offline sandbox (started in-process, stopped at exit), so every example runs on a fresh machine.
 * On the sandbox the roles map to personas: cheap = swift, terse, contrarian; flagship = the slow,
 * expensive scholar (then the contrarian); judge = the sandbox judge, which merges. Sandbox prices
 * are fictional: its figures show the arithmetic, never a real model's quality or price.
 */
final class Models implements AutoCloseable {

    final Providers providers;
    final PriceBook prices;
    final boolean sandbox;
    private final SandboxBackend backend;
    private final List<String> cheap;
    private final List<String> flagship;
    private final String judge;

    private Models(Providers providers, PriceBook prices, SandboxBackend backend, List<String> cheap,
                   List<String> flagship, String judge) {
        this.providers = providers;
        this.prices = prices;
        this.backend = backend;
        this.sandbox = backend != null;
        this.cheap = cheap;
        this.flagship = flagship;
        this.judge = judge;
    }

    static Models open() {
        String key = System.getenv("OPENROUTER_API_KEY");
        if (key != null && !key.isBlank()) {
            // OpenRouter reports each call's cost itself (usage.cost), so models without a bundled price are still costed.
            List<String> flagships = List.of("openrouter:anthropic/claude-opus-4.8", "openrouter:openai/gpt-6.2-sol");
            return new Models(Providers.fromEnv(), BundledPrices.load(), null,
                    List.of("openrouter:deepseek/deepseek-v4-pro", "openrouter:moonshotai/kimi-k2.6",
                            "openrouter:google/gemini-3.5-flash"), flagships, flagships.get(0));
        }
        SandboxBackend sb = SandboxBackend.start(0, Double.parseDouble(System.getProperty("fusion.sandbox.latencyScale", "1")));
        System.out.println("[sandbox] no OPENROUTER_API_KEY: running on the offline sandbox at " + sb.baseUrl()
                + " (fictional models and prices; real HTTP and cost arithmetic)");
        Providers p = Providers.fromEnv().with(sb.providerSpecs());
        List<String> cheap = List.of(ref(Sandbox.SWIFT), ref(Sandbox.TERSE), ref(Sandbox.CONTRARIAN));
        List<String> flagships = List.of(ref(Sandbox.SCHOLAR), ref(Sandbox.CONTRARIAN));
        return new Models(p, BundledPrices.load().with(sb.prices()), sb, cheap, flagships, sb.judge());
    }

    private static String ref(String persona) {
        return Sandbox.persona(persona).ref().toString();
    }

    /** The i-th cheap model (wrapping around). */
    ChatModel cheap(int i) {
        return providers.model(cheap.get(i % cheap.size()));
    }

    int cheapCount() {
        return cheap.size();
    }

    /** The i-th flagship model (wrapping around): on the sandbox, the slow and expensive scholar first. */
    ChatModel flagship(int i) {
        return providers.model(flagship.get(i % flagship.size()));
    }

    /** The judge: the first flagship with real models; the sandbox's merging judge on the sandbox. */
    ChatModel judge() {
        return providers.model(judge);
    }

    /** A judge from the cheap tier: the first cheap model with real models; the sandbox judge on the sandbox. */
    ChatModel cheapJudge() {
        return sandbox ? judge() : cheap(0);
    }

    @Override
    public void close() {
        if (backend != null) {
            backend.close();
        }
    }
}
