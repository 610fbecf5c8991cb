package dev.fusion.micrometer;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.QuorumNotMetException;
import dev.fusion.RetryPolicy;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Per-call GenAI meters, per-ask meters and observations, for a real ask over HTTP with one failing member. */
class FusionMetricsTest {

    private static final java.util.function.Predicate<io.micrometer.observation.Observation.ContextView> CHILD_OF_ASK =
            p -> "fusion.ask".equals(p.getName());

    private static WireServer server;

    @BeforeAll
    static void start() {
        server = SandboxFusions.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static CallRecord call(FusionResult r, String model) {
        return r.calls().stream().filter(c -> c.model().model().equals(model)).findFirst().orElseThrow();
    }

    @Test
    void anAskWithOneFailingMemberIsMeasuredByConventionNames() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TestObservationRegistry observations = TestObservationRegistry.create();
        Fusion fusion = SandboxFusions.withFailingMember(server).listener(new FusionMetrics(meters)).build();

        FusionResult result = ObservedFusion.of(fusion, observations, meters).ask("Why is the sky blue?");

        assertThat(result.judged()).isTrue();
        CallRecord swift = call(result, Sandbox.SWIFT);
        CallRecord broken = call(result, SandboxFusions.BROKEN);
        CallRecord judge = result.judge().orElseThrow();
        assertThat(broken.isOk()).isFalse();

        // gen_ai.client.token.usage: input and output per call, the ledger's figures
        DistributionSummary swiftIn = meters.get("gen_ai.client.token.usage")
                .tags("gen_ai.token.type", "input", "gen_ai.operation.name", "chat",
                        "gen_ai.provider.name", "sandbox-openai", "gen_ai.request.model", Sandbox.SWIFT,
                        "fusion.call.role", "panel").summary();
        assertThat(swiftIn.count()).isEqualTo(1);
        assertThat(swiftIn.totalAmount()).isEqualTo(swift.usage().promptTokens()).isPositive();
        DistributionSummary judgeOut = meters.get("gen_ai.client.token.usage")
                .tags("gen_ai.token.type", "output", "gen_ai.request.model", Sandbox.JUDGE, "fusion.call.role", "judge")
                .summary();
        assertThat(judgeOut.totalAmount()).isEqualTo(judge.usage().completionTokens()).isPositive();
        assertThat(swiftIn.getId().getBaseUnit()).isEqualTo("tokens");
        // the failed call reported no tokens: not in the token histogram
        assertThat(meters.find("gen_ai.client.token.usage").tag("gen_ai.request.model", SandboxFusions.BROKEN)
                .meters()).isEmpty();

        // gen_ai.client.operation.duration: error.type only on the failure
        Timer brokenDuration = meters.get("gen_ai.client.operation.duration")
                .tags("gen_ai.request.model", SandboxFusions.BROKEN, "error.type", "http_400").timer();
        assertThat(brokenDuration.count()).isEqualTo(1);
        Timer swiftDuration = meters.get("gen_ai.client.operation.duration")
                .tags("gen_ai.request.model", Sandbox.SWIFT).timer();
        assertThat(swiftDuration.count()).isEqualTo(1);
        assertThat(swiftDuration.getId().getTag("error.type")).isNull();
        assertThat(swiftDuration.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(swift.latency().toNanos());
        assertThat(meters.get("gen_ai.client.operation.duration").timers()).hasSize(4);

        // time to first chunk for the streamed panel calls
        Timer ttft = meters.get("gen_ai.client.operation.time_to_first_chunk")
                .tags("gen_ai.request.model", Sandbox.SWIFT).timer();
        assertThat(ttft.count()).isEqualTo(1);
        assertThat(ttft.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(swift.timeToFirstToken().toNanos());

        // fusion.cost.usd by model and role; the counters add up to the ledger
        Counter swiftCost = meters.get("fusion.cost.usd")
                .tags("gen_ai.request.model", Sandbox.SWIFT, "fusion.call.role", "panel").counter();
        assertThat(swiftCost.count()).isCloseTo(swift.cost().usd().orElseThrow().doubleValue(), within(1e-12));
        double costSum = meters.get("fusion.cost.usd").counters().stream().mapToDouble(Counter::count).sum();
        assertThat(costSum).isCloseTo(result.totalCostUsd().doubleValue(), within(1e-12));
        assertThat(meters.get("fusion.calls").tags("fusion.call.status", "failed").counter().count()).isEqualTo(1);
        assertThat(meters.find("fusion.cost.unpriced.calls").meters()).isEmpty();

        // per ask
        Timer ask = meters.get("fusion.ask.duration").tags("fusion.strategy", "synthesize", "fusion.ask.outcome", "judged")
                .timer();
        assertThat(ask.count()).isEqualTo(1);
        DistributionSummary askCost = meters.get("fusion.ask.cost.usd").tags("fusion.strategy", "synthesize").summary();
        assertThat(askCost.totalAmount()).isCloseTo(result.totalCostUsd().doubleValue(), within(1e-12));
        assertThat(result.totalCostUsd()).isPositive();

        // observations: the ask and one child per call, the failure marked
        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("fusion.ask", 1)
                .hasNumberOfObservationsWithNameEqualTo("fusion.call", 4)
                .hasObservationWithNameEqualTo("fusion.ask").that()
                .hasContextualNameEqualTo("fusion ask")
                .hasLowCardinalityKeyValue("fusion.strategy", "synthesize")
                .hasLowCardinalityKeyValue("fusion.ask.outcome", "judged")
                .hasHighCardinalityKeyValue("fusion.cost.usd", result.totalCostUsd().toPlainString())
                .hasBeenStarted().hasBeenStopped();
        TestObservationRegistryAssert.assertThat(observations)
                .forAllObservationsWithNameEqualTo("fusion.call", o -> o
                        .hasLowCardinalityKeyValue("gen_ai.operation.name", "chat")
                        .hasLowCardinalityKeyValue("gen_ai.provider.name", "sandbox-openai")
                        .hasParentObservationContextMatching(
                                CHILD_OF_ASK))
                .hasAnObservation(o -> o.hasNameEqualTo("fusion.call")
                        .hasContextualNameEqualTo("chat " + SandboxFusions.BROKEN)
                        .hasLowCardinalityKeyValue("error.type", "http_400")
                        .hasLowCardinalityKeyValue("fusion.call.status", "failed")
                        .hasError())
                .hasAnObservation(o -> o.hasNameEqualTo("fusion.call")
                        .hasLowCardinalityKeyValue("gen_ai.request.model", Sandbox.JUDGE)
                        .hasLowCardinalityKeyValue("fusion.call.role", "judge")
                        .hasLowCardinalityKeyValue("fusion.call.step", "synthesize")
                        .hasHighCardinalityKeyValue("gen_ai.usage.output_tokens", Long.toString(judge.usage().completionTokens()))
                        .hasHighCardinalityKeyValue("fusion.cost.usd", judge.cost().usd().orElseThrow().toPlainString())
                        .doesNotHaveError());
    }

    @Test
    void anUnpricedCallIsCountedAsUnknownNeverAsZeroDollars() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Providers p = SandboxFusions.providers(server);
        Fusion fusion = Fusion.builder()
                .panel(SandboxFusions.model(p, Sandbox.SWIFT), SandboxFusions.model(p, SandboxFusions.UNPRICED))
                .judge(SandboxFusions.model(p, Sandbox.JUDGE))
                .quorum(2).retry(RetryPolicy.NONE).allowUnpriced(true)
                .priceBook(Sandbox.priceBook())
                .listener(new FusionMetrics(meters)).build();

        FusionResult result = ObservedFusion.of(fusion, TestObservationRegistry.create(), meters).ask("Why is the sky blue?");

        assertThat(result.costComplete()).isFalse();
        assertThat(meters.get("fusion.cost.unpriced.calls").tags("gen_ai.request.model", SandboxFusions.UNPRICED)
                .counter().count()).isEqualTo(1);
        assertThat(meters.find("fusion.cost.usd").tag("gen_ai.request.model", SandboxFusions.UNPRICED).meters()).isEmpty();
        // the ask's cost is incomplete, so no ask-cost sample (its duration still is)
        assertThat(meters.find("fusion.ask.cost.usd").meters()).isEmpty();
        assertThat(meters.get("fusion.ask.duration").timer().count()).isEqualTo(1);
        // tokens of the unpriced call are known and still recorded
        assertThat(meters.get("gen_ai.client.token.usage").tags("gen_ai.request.model", SandboxFusions.UNPRICED,
                "gen_ai.token.type", "output").summary().totalAmount())
                .isEqualTo(call(result, SandboxFusions.UNPRICED).usage().completionTokens());
        BigDecimal priced = result.calls().stream().filter(c -> c.cost().isPriced())
                .map(c -> c.cost().usd().orElseThrow()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(meters.get("fusion.cost.usd").counters().stream().mapToDouble(Counter::count).sum())
                .isCloseTo(priced.doubleValue(), within(1e-12));
    }

    @Test
    void aFailedAskIsRecordedAsFailedWithItsErrorTypeAndItsCallsClosed() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TestObservationRegistry observations = TestObservationRegistry.create();
        Providers p = SandboxFusions.providers(server);
        Fusion fusion = Fusion.builder()
                .panel(SandboxFusions.model(p, SandboxFusions.BROKEN))
                .judge(SandboxFusions.model(p, Sandbox.JUDGE))
                .retry(RetryPolicy.NONE).priceBook(Sandbox.priceBook())
                .listener(new FusionMetrics(meters)).build();

        assertThatThrownBy(() -> ObservedFusion.of(fusion, observations, meters).ask("Why is the sky blue?"))
                .isInstanceOf(QuorumNotMetException.class);

        assertThat(meters.get("fusion.ask.duration").tags("fusion.ask.outcome", "failed",
                "error.type", "QuorumNotMetException").timer().count()).isEqualTo(1);
        assertThat(meters.get("gen_ai.client.operation.duration").tags("error.type", "http_400").timer().count())
                .isEqualTo(1);
        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("fusion.call", 1)
                .hasObservationWithNameEqualTo("fusion.ask").that()
                .hasLowCardinalityKeyValue("fusion.ask.outcome", "failed")
                .hasLowCardinalityKeyValue("error.type", "QuorumNotMetException")
                .hasError()
                .hasBeenStopped();
        TestObservationRegistryAssert.assertThat(observations)
                .hasObservationWithNameEqualTo("fusion.call").that()
                .hasLowCardinalityKeyValue("fusion.call.status", "failed")
                .hasBeenStopped();
    }

    @Test
    void aCancelledAskEndsItsObservationsAsCancelled() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TestObservationRegistry observations = TestObservationRegistry.create();
        Fusion fusion = SandboxFusions.withFailingMember(server).build();

        // The subscriber takes the first event (a member starting) and cancels the ask.
        List<FusionEvent> events = ObservedFusion.of(fusion, observations, meters)
                .stream(FusionRequest.of("Why is the sky blue?")).take(1).collectList().block();

        assertThat(events).singleElement().isInstanceOf(FusionEvent.MemberStarted.class);
        assertThat(meters.get("fusion.ask.duration").tags("fusion.ask.outcome", "cancelled").timer().count()).isEqualTo(1);
        TestObservationRegistryAssert.assertThat(observations)
                .hasObservationWithNameEqualTo("fusion.ask").that()
                .hasLowCardinalityKeyValue("fusion.ask.outcome", "cancelled")
                .hasBeenStopped();
        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("fusion.call", 1)
                .hasObservationWithNameEqualTo("fusion.call").that()
                .hasLowCardinalityKeyValue("fusion.call.status", "cancelled")
                .hasBeenStopped();
    }

    @Test
    void providerNamesMapToTheConventionsWellKnownValues() {
        assertThat(GenAiConventions.providerName("gemini")).isEqualTo("gcp.gemini");
        assertThat(GenAiConventions.providerName("moonshot")).isEqualTo("moonshot_ai");
        assertThat(GenAiConventions.providerName("xai")).isEqualTo("x_ai");
        assertThat(GenAiConventions.providerName("OpenAI")).isEqualTo("openai");
        assertThat(GenAiConventions.providerName("sandbox-openai")).isEqualTo("sandbox-openai");
    }
}
