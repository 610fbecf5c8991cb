package dev.fusion.micrometer;

import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.micrometer.internal.AskObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link Fusion} whose asks are observed: one Micrometer {@link Observation}
 * ({@value GenAiConventions#ASK_OBSERVATION}, span "fusion ask") per ask, with a child
 * ({@value GenAiConventions#CALL_OBSERVATION}, span "chat {model}") per panel and judge call carrying
 * the GenAI attributes ({@code gen_ai.operation.name}, {@code gen_ai.provider.name},
 * {@code gen_ai.request.model}, {@code gen_ai.usage.input_tokens}/{@code output_tokens},
 * {@code error.type}) and Fusion's ({@code fusion.call.role}, {@code fusion.call.step},
 * {@code fusion.call.status}, {@code fusion.cost.usd}). With micrometer-tracing and its OpenTelemetry
 * bridge on the registry, these become OpenTelemetry spans. The ask observation's parent is the
 * observation current on the asking thread, if any.
 *
 * <p>Also records the per-ask meters {@value GenAiConventions#ASK_DURATION} (tags
 * {@code fusion.strategy}, {@code fusion.ask.outcome} = judged | unjudged | failed | cancelled,
 * {@code error.type} on failure) and {@value GenAiConventions#ASK_COST_USD} (asks whose every call
 * is priced). Per-call meters come from {@link FusionMetrics}, a listener on the fusion itself.
 *
 * <pre>{@code
 * Fusion fusion = Fusion.builder()...listener(new FusionMetrics(meterRegistry)).build();
 * ObservedFusion observed = ObservedFusion.of(fusion, observationRegistry, meterRegistry);
 * FusionResult r = observed.ask("Why is the sky blue?");
 * }</pre>
 *
 * <p>Thread-safe: every ask has its own observer state; the wrapped fusion is thread-safe.
 */
public final class ObservedFusion {

    private final Fusion fusion;
    private final ObservationRegistry observations;
    private final MeterRegistry meters;

    private ObservedFusion(Fusion fusion, ObservationRegistry observations, MeterRegistry meters) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
        this.observations = Objects.requireNonNull(observations, "observations");
        this.meters = meters;
    }

    /**
     * Observes {@code fusion}'s asks in {@code observations}; per-ask meters go to {@code meters}
     * (null for none).
     */
    public static ObservedFusion of(Fusion fusion, ObservationRegistry observations, MeterRegistry meters) {
        return new ObservedFusion(fusion, observations, meters);
    }

    /** The fusion being observed. */
    public Fusion fusion() {
        return fusion;
    }

    /** {@link Fusion#ask(String)}, observed. */
    public FusionResult ask(String prompt) {
        return ask(FusionRequest.of(prompt), null);
    }

    /** {@link Fusion#ask(FusionRequest)}, observed. */
    public FusionResult ask(FusionRequest request) {
        return ask(request, null);
    }

    /**
     * {@link Fusion#ask(FusionRequest, Consumer)}, observed; {@code onEvent} (may be null) sees
     * every event after the observer. The ask's observation is current on the calling thread while
     * it waits.
     */
    public FusionResult ask(FusionRequest request, Consumer<FusionEvent> onEvent) {
        AskObserver observer = AskObserver.start(observations, meters, fusion.strategy().name());
        try (Observation.Scope ignored = observer.observation().openScope()) {
            FusionResult result = fusion.ask(request, event -> {
                observer.onEvent(event);
                if (onEvent != null) {
                    onEvent.accept(event);
                }
            });
            observer.succeeded(result);
            return result;
        } catch (RuntimeException | Error e) {
            observer.failed(e);
            throw e;
        }
    }

    /** {@link Fusion#askAsync(FusionRequest)}, observed. */
    public Mono<FusionResult> askAsync(FusionRequest request) {
        return stream(request).ofType(FusionEvent.Completed.class).map(FusionEvent.Completed::result).last();
    }

    /** {@link Fusion#stream(FusionRequest)}, observed; cancelling the subscription ends the ask as cancelled. */
    public Flux<FusionEvent> stream(FusionRequest request) {
        Objects.requireNonNull(request, "request");
        return Flux.defer(() -> {
            AskObserver observer = AskObserver.start(observations, meters, fusion.strategy().name());
            return fusion.stream(request)
                    .doOnNext(observer::onEvent)
                    .doOnError(observer::failed)
                    .doOnCancel(observer::cancelled);
        });
    }

    @Override
    public String toString() {
        return "ObservedFusion[" + fusion + "]";
    }
}
