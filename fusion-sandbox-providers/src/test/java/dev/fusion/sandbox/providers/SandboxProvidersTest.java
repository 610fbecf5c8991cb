package dev.fusion.sandbox.providers;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRef;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class SandboxProvidersTest {

    /** No keys at all: the registry must not need any for sandbox models. */
    private static SandboxProviders start() {
        return SandboxProviders.start(0, 0.0, Providers.builder().env(Map.of()).build());
    }

    private static Fusion.Builder fusion(SandboxProviders sandbox) {
        Providers p = sandbox.providers();
        return Fusion.builder()
                .panel(p.model("sandbox-openai:sandbox-swift"), p.model("sandbox-anthropic:sandbox-scholar"),
                        p.model("sandbox-gemini:sandbox-terse"))
                .judge(p.model(sandbox.judge()))
                .priceBook(sandbox.priceBook())
                .budgetUsd(new BigDecimal("0.05"));
    }

    @Test
    void everyWireFormatAnswersWithNoKeysAndEveryCallIsPricedUnderABudget() {
        try (SandboxProviders sandbox = start()) {
            FusionResult r = fusion(sandbox).build().ask("What is the CAP theorem?");
            assertThat(r.judged()).isTrue();
            // the sandbox judge's merge, with no label inside the answer (the label is the x-fusion-sandbox header)
            assertThat(r.answer()).startsWith("What the answers agree on:").doesNotContain("[sandbox]").contains("consistency");
            assertThat(r.calls()).hasSize(4).allSatisfy(c -> {
                assertThat(c.status()).isEqualTo(CallStatus.OK);
                assertThat(c.cost().usd()).hasValueSatisfying(v -> assertThat(v).isPositive());
            });
            assertThat(r.costComplete()).isTrue();
            assertThat(sandbox.server().requestCount(Sandbox.TERSE)).isEqualTo(1);
        }
    }

    @Test
    void analyzeAndSelectBestRunTheirRealPathWithNoDegradedNote() {
        try (SandboxProviders sandbox = start()) {
            FusionResult analyzed = fusion(sandbox).budgetUsd(new BigDecimal("0.20")).strategy(Strategy.analyze()).build().ask("What is DNS?");
            assertThat(analyzed.notes()).noneMatch(n -> n.contains("degraded"));
            assertThat(analyzed.analysis()).hasValueSatisfying(a -> assertThat(a.consensus()).isNotEmpty());
            assertThat(analyzed.calls().stream().filter(c -> c.role() == dev.fusion.CallRole.JUDGE)).hasSize(2);

            FusionResult best = fusion(sandbox).budgetUsd(new BigDecimal("0.20")).strategy(Strategy.selectBest()).build().ask("What is DNS?");
            assertThat(best.notes()).noneMatch(n -> n.contains("degraded"));
            assertThat(best.ranking()).isPresent();
            // The winner is returned verbatim: one panel member's answer.
            assertThat(best.calls().stream().filter(c -> c.role() == dev.fusion.CallRole.PANEL).map(CallRecord::text))
                    .contains(best.answer());
        }
    }

    @Test
    void thePriceBookCoversEverySandboxModelAndKeepsTheBundledPrices() {
        try (SandboxProviders sandbox = start()) {
            for (String ref : sandbox.panel()) {
                assertThat(sandbox.priceBook().find(ModelRef.parse(ref))).isPresent();
            }
            assertThat(sandbox.priceBook().find(ModelRef.parse("anthropic:claude-opus-4-8"))).isPresent();
            assertThat(sandbox.baseUrl(WireFormat.GEMINI)).isEqualTo(sandbox.baseUrl());
            assertThat(sandbox.providerSpecs()).containsOnlyKeys("sandbox-openai", "sandbox-anthropic", "sandbox-gemini")
                    .allSatisfy((k, v) -> assertThat(v.needsKey()).isFalse());
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingStartsAndCloseIsIdempotent() {
        assertThatThrownBy(() -> SandboxProviders.start(70000, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> SandboxProviders.start(0, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("latencyScale");
        SandboxProviders sandbox = start();
        sandbox.close();
        sandbox.close();
    }
}
