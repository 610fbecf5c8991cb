package dev.fusion.micrometer;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.FusionListener;
import dev.fusion.model.ModelRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link FusionListener} that records every call Fusion makes as Micrometer meters, named by
 * the OpenTelemetry GenAI conventions (see {@link GenAiConventions} for the sources and choices):
 *
 * <table>
 *   <caption>Meters per call</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>when</th></tr>
 *   <tr><td>{@value GenAiConventions#TOKEN_USAGE}</td><td>distribution summary, {@code tokens}</td>
 *       <td>{@code gen_ai.token.type} (input | output), {@code gen_ai.operation.name},
 *       {@code gen_ai.provider.name}, {@code gen_ai.request.model}, {@code fusion.call.role}</td>
 *       <td>a call that ran and reported tokens; input = prompt tokens (cached included),
 *       output = generated tokens (reasoning included)</td></tr>
 *   <tr><td>{@value GenAiConventions#OPERATION_DURATION}</td><td>timer</td>
 *       <td>the same (no token type), plus {@code error.type} when the call did not answer</td>
 *       <td>a call that ran (not one skipped by the budget)</td></tr>
 *   <tr><td>{@value GenAiConventions#TIME_TO_FIRST_CHUNK}</td><td>timer</td><td>as the duration, no error</td>
 *       <td>a streamed call's first text</td></tr>
 *   <tr><td>{@value GenAiConventions#COST_USD}</td><td>counter, USD</td>
 *       <td>{@code gen_ai.provider.name}, {@code gen_ai.request.model}, {@code fusion.call.role}</td>
 *       <td>a call with a known cost</td></tr>
 *   <tr><td>{@value GenAiConventions#UNPRICED_CALLS}</td><td>counter</td><td>as the cost</td>
 *       <td>a call that ran with an unknown cost (never added to the cost as $0)</td></tr>
 *   <tr><td>{@value GenAiConventions#CALLS}</td><td>counter</td><td>as the cost, plus {@code fusion.call.status}</td>
 *       <td>every call, skipped ones included</td></tr>
 * </table>
 *
 * Only usage the provider reported ({@link dev.fusion.UsageQuality#REPORTED}, at least one token)
 * goes into {@value GenAiConventions#TOKEN_USAGE}: unknown usage and the lower-bound estimates of
 * cut-off calls are left out, as the convention says not to report usage that is not available
 * (their cost still shows as incomplete on the result). Per-ask meters ({@value GenAiConventions#ASK_DURATION},
 * {@value GenAiConventions#ASK_COST_USD}) are recorded by {@link ObservedFusion}, which sees asks.
 *
 * <pre>{@code
 * Fusion fusion = Fusion.builder()...listener(new FusionMetrics(meterRegistry)).build();
 * }</pre>
 *
 * <p>Thread-safe: Micrometer meters are, and this class keeps no other state.
 */
public final class FusionMetrics implements FusionListener {

    private static final Duration[] DURATION_SLOS = Arrays.stream(GenAiConventions.DURATION_BUCKETS_SECONDS)
            .mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);

    private final MeterRegistry registry;

    /** Records into {@code registry}. */
    public FusionMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void onFirstToken(String memberId, ModelRef model, CallRole role, Duration timeToFirstToken) {
        if (timeToFirstToken == null) {
            return;
        }
        Timer.builder(GenAiConventions.TIME_TO_FIRST_CHUNK)
                .description("Time from a streamed call's start to its first text")
                .tags(modelTags(model, role))
                .serviceLevelObjectives(DURATION_SLOS)
                .register(registry)
                .record(timeToFirstToken);
    }

    @Override
    public void onCallFinished(CallRecord record) {
        Tags model = modelTags(record.model(), record.role());
        Counter.builder(GenAiConventions.CALLS)
                .description("Panel and judge calls by how they ended")
                .tags(model).tag(GenAiConventions.STATUS, record.status().wireName())
                .register(registry).increment();
        if (record.status() == CallStatus.SKIPPED) {
            return;
        }
        Tags durationTags = model;
        String errorType = GenAiConventions.errorType(record);
        if (errorType != null) {
            durationTags = durationTags.and(GenAiConventions.ERROR_TYPE, errorType);
        }
        Timer.builder(GenAiConventions.OPERATION_DURATION)
                .description("GenAI operation duration")
                .tags(durationTags)
                .serviceLevelObjectives(DURATION_SLOS)
                .register(registry)
                .record(record.latency());
        if (record.usageQuality() == dev.fusion.UsageQuality.REPORTED && record.usage().totalTokens() > 0) {
            tokens(model, GenAiConventions.TOKEN_INPUT, record.usage().promptTokens());
            tokens(model, GenAiConventions.TOKEN_OUTPUT, record.usage().completionTokens());
        }
        if (record.cost().isPriced()) {
            Counter.builder(GenAiConventions.COST_USD)
                    .description("Known cost of Fusion's calls")
                    .baseUnit("usd")
                    .tags(model)
                    .register(registry)
                    .increment(record.cost().usd().orElseThrow().doubleValue());
        } else {
            Counter.builder(GenAiConventions.UNPRICED_CALLS)
                    .description("Calls that ran without a known cost (not counted in fusion.cost.usd)")
                    .tags(model)
                    .register(registry).increment();
        }
    }

    private void tokens(Tags model, String type, long count) {
        DistributionSummary.builder(GenAiConventions.TOKEN_USAGE)
                .description("Number of input and output tokens used")
                .baseUnit("tokens")
                .tags(model).tag(GenAiConventions.TOKEN_TYPE, type)
                .serviceLevelObjectives(GenAiConventions.TOKEN_BUCKETS)
                .register(registry)
                .record(count);
    }

    static Tags modelTags(ModelRef model, CallRole role) {
        return Tags.of(GenAiConventions.OPERATION_NAME, GenAiConventions.OPERATION_CHAT,
                GenAiConventions.PROVIDER_NAME, GenAiConventions.providerName(model.provider()),
                GenAiConventions.REQUEST_MODEL, model.model(),
                GenAiConventions.ROLE, role.wireName());
    }
}
