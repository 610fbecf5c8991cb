package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A scriptable in-memory model for engine tests; records requests, subscriptions and cancellations. */
final class FakeModel implements ChatModel {

    private final ModelRef ref;
    private final Function<Integer, Mono<ModelResponse>> behaviour; // by attempt number (1-based)
    private Function<ModelRequest, Mono<ModelResponse>> byRequest; // when set, replaces behaviour
    private final Duration chunkDelay;
    final List<ModelRequest> requests = Collections.synchronizedList(new ArrayList<>());
    final List<Long> subscribeNanos = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger cancellations = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    private FakeModel(String ref, Function<Integer, Mono<ModelResponse>> behaviour, Duration chunkDelay) {
        this.ref = ModelRef.parse(ref);
        this.behaviour = behaviour;
        this.chunkDelay = chunkDelay;
    }

    static FakeModel answering(String ref, String text, Usage usage, Duration latency) {
        return new FakeModel(ref, n -> Mono.delay(latency).map(x -> ModelResponse.of(text, usage)), null);
    }

    /** Answers after {@code latency} on {@code timer} (a virtual-time scheduler in timing tests). */
    static FakeModel answering(String ref, String text, Duration latency, reactor.core.scheduler.Scheduler timer) {
        return new FakeModel(ref, n -> Mono.delay(latency, timer).map(x -> ModelResponse.of(text, Usage.of(100, 50))), null);
    }

    static FakeModel answering(String ref, String text, Duration latency) {
        return answering(ref, text, Usage.of(100, 50), latency);
    }

    static FakeModel instant(String ref, String text) {
        return new FakeModel(ref, n -> Mono.fromSupplier(() -> ModelResponse.of(text, Usage.of(100, 50))), null);
    }

    static FakeModel never(String ref) {
        return new FakeModel(ref, n -> Mono.never(), null);
    }

    static FakeModel failing(String ref, RuntimeException e) {
        return new FakeModel(ref, n -> Mono.error(e), null);
    }

    /** Fails with {@code e} for the first {@code times} attempts, then answers. */
    static FakeModel failingThen(String ref, int times, RuntimeException e, String text) {
        return new FakeModel(ref, n -> n <= times ? Mono.error(e)
                : Mono.just(ModelResponse.of(text, Usage.of(100, 50))), null);
    }

    /** Answers each request with a text computed from it (usage 100 in / 50 out). */
    static FakeModel replying(String ref, Function<ModelRequest, String> reply) {
        return responding(ref, r -> ModelResponse.of(reply.apply(r), Usage.of(100, 50)));
    }

    /** Answers each request with a response computed from it. */
    static FakeModel responding(String ref, Function<ModelRequest, ModelResponse> reply) {
        FakeModel m = new FakeModel(ref, null, null);
        m.byRequest = r -> Mono.fromSupplier(() -> reply.apply(r));
        return m;
    }

    /** Answers each request with a Mono computed from it (the test decides when and on which thread it completes). */
    static FakeModel deferred(String ref, Function<ModelRequest, Mono<ModelResponse>> reply) {
        FakeModel m = new FakeModel(ref, null, null);
        m.byRequest = reply;
        return m;
    }

    /** Text of the last user message of request {@code i} (0-based). */
    String userText(int i) {
        return requests.get(i).lastUserText();
    }

    static FakeModel scripted(String ref, Function<Integer, Mono<ModelResponse>> behaviour) {
        return new FakeModel(ref, behaviour, null);
    }

    /** Streams the answer word by word with a delay per word. */
    static FakeModel streaming(String ref, String text, Duration chunkDelay) {
        return new FakeModel(ref, n -> Mono.just(ModelResponse.of(text, Usage.of(100, 50))), chunkDelay);
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public Mono<ModelResponse> call(ModelRequest request) {
        return Mono.defer(() -> {
            requests.add(request);
            subscribeNanos.add(System.nanoTime());
            int n = calls.incrementAndGet();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            return byRequest != null ? byRequest.apply(request) : behaviour.apply(n);
        }).doOnCancel(cancellations::incrementAndGet).doFinally(s -> inFlight.decrementAndGet());
    }

    @Override
    public Flux<ModelStreamEvent> stream(ModelRequest request) {
        if (chunkDelay == null) {
            return ChatModel.super.stream(request);
        }
        return call(request).flatMapMany(r -> {
            List<String> words = new ArrayList<>();
            for (String w : r.text().split("(?<= )")) {
                words.add(w);
            }
            return Flux.fromIterable(words).delayElements(chunkDelay)
                    .<ModelStreamEvent>map(ModelStreamEvent.TextDelta::new)
                    .concatWith(Mono.just(new ModelStreamEvent.Completed(r)));
        }).doOnCancel(cancellations::incrementAndGet);
    }

    @Override
    public boolean streamsNatively() {
        return chunkDelay != null;
    }
}
