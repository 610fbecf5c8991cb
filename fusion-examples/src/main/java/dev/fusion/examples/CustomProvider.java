package dev.fusion.examples;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.cli.SandboxBackend;
import dev.fusion.cost.Price;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;

import java.util.Map;

/**
 * A custom provider: any OpenAI-compatible server by base URL (Ollama, vLLM, LM Studio, llama.cpp).
 * Pass the base URL and model ids: {@code CustomProvider http://127.0.0.1:11434/v1 llama3.2 qwen2.5}.
 * Without arguments it points at the offline sandbox's OpenAI-compatible endpoint instead.
 */
public final class CustomProvider {
    public static void main(String[] args) {
        SandboxBackend sb = args.length >= 2 ? null
                : SandboxBackend.start(0, Double.parseDouble(System.getProperty("fusion.sandbox.latencyScale", "1")));
        try {
            String baseUrl = sb != null ? sb.baseUrl() + "/v1" : args[0];
            String[] models = sb != null ? sb.panel().stream().map(m -> m.substring(m.indexOf(':') + 1)).toArray(String[]::new)
                    : java.util.Arrays.copyOfRange(args, 1, args.length);
            if (sb != null) {
                System.out.println("[sandbox] no base URL given: using the offline sandbox's OpenAI-compatible endpoint " + baseUrl);
            }
            Providers providers = Providers.fromEnv().with(Map.of("mylab", ProviderSpec.keyless(ProviderKind.OPENAI, baseUrl)));
            Fusion.Builder b = Fusion.builder();
            for (String m : models) {
                b.panel(providers.model("mylab:" + m));
                b.price("mylab:" + m, Price.of("0", "0")); // self-hosted: no per-token charge
            }
            // On the sandbox the judge is its merging judge; on your server, the first model judges.
            String judge = sb != null ? dev.fusion.sandbox.Sandbox.JUDGE : models[0];
            b.judge(providers.model("mylab:" + judge));
            b.price("mylab:" + judge, Price.of("0", "0"));
            FusionResult r = b.build().ask("In one paragraph: why do databases use write-ahead logs?");
            System.out.println(r.answer());
            r.calls().forEach(c -> System.out.println("  " + c.memberId() + " " + c.status().wireName() + " "
                    + c.latency().toMillis() + " ms " + c.usage().totalTokens() + " tokens"));
        } finally {
            if (sb != null) {
                sb.close();
            }
        }
    }
}
