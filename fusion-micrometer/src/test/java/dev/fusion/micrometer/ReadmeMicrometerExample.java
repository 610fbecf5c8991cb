package dev.fusion.micrometer;

// Shown in docs/integrations/micrometer.md; compiled with the tests so it stays correct.

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;

public class ReadmeMicrometerExample {
    public static void main(String[] args) {
        MeterRegistry meters = new SimpleMeterRegistry();                // your app's registry (Prometheus, OTLP, ...)
        ObservationRegistry observations = ObservationRegistry.create(); // add micrometer-tracing's handler for spans
        Providers providers = Providers.fromEnv();
        Fusion fusion = Fusion.builder()
                .panel(providers.model("openrouter:deepseek/deepseek-v4-pro"), providers.model("gemini:gemini-3.5-flash"))
                .judge(providers.model("anthropic:claude-opus-4-8"))
                .priceBook(BundledPrices.load())
                .listener(new FusionMetrics(meters))                    // per-call gen_ai.* and fusion.cost.usd meters
                .build();
        ObservedFusion observed = ObservedFusion.of(fusion, observations, meters); // a span per ask, a child per call

        FusionResult r = observed.ask("Why is the sky blue?");
        System.out.println(r.answer());
        meters.get("gen_ai.client.token.usage").summaries()
                .forEach(s -> System.out.println(s.getId().getTags() + " " + s.totalAmount()));
    }
}
