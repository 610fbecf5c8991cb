package dev.fusion.test;

import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted {@link ChatModel} on a {@link VirtualClock}: each call takes the next step of its script
 * (answer, fail, or never answer, each after a latency in virtual time), and the last step repeats. No
 * network, no real timer: a latency passes only when the test moves the clock.
 *
 * <pre>{@code
 * FakeChatModel flaky = FakeChatModel.on(clock, "fake:flaky")
 *         .fail(ProviderException.http(503, "overloaded", null, "busy", null), Duration.ofMillis(50))
 *         .answer("42", Duration.ofMillis(200))
 *         .build();
 * }</pre>
 *
 * <p>It records every request it was sent ({@link #requests()}), how often it was called and cancelled.
 * Immutable script; thread-safe.
 */
public final class FakeChatModel implements ChatModel {

    private final ModelRef ref;
    private final VirtualClock clock;
    private final List<Step> script;
    private final List<ModelRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger cancellations = new AtomicInteger();

    private FakeChatModel(Builder b) {
        this.ref = b.ref;
        this.clock = b.clock;
        this.script = List.copyOf(b.steps);
    }

    /** A script for the model {@code ref} ({@code "provider:model"}) on {@code clock}. */
    public static Builder on(VirtualClock clock, String ref) {
        return new Builder(Objects.requireNonNull(clock, "clock"), ModelRef.parse(ref));
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public Mono<ModelResponse> call(ModelRequest request) {
        return Mono.defer(() -> {
            requests.add(request);
            int n = calls.incrementAndGet();
            Step step = script.get(Math.min(n, script.size()) - 1);
            if (step.never) {
                return Mono.<ModelResponse>never();
            }
            return Mono.delay(step.latency, clock.scheduler()).map(x -> {
                if (step.failure != null) {
                    throw step.failure;
                }
                return step.reply.apply(request);
            });
        }).doOnCancel(cancellations::incrementAndGet);
    }

    /** Every request sent so far, in order (a copy). */
    public List<ModelRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Calls made so far (one per attempt, retries included). */
    public int calls() {
        return calls.get();
    }

    /** Calls cancelled before they answered (a deadline, a grace period, a cancelled ask). */
    public int cancellations() {
        return cancellations.get();
    }

    @Override
    public String toString() {
        return "FakeChatModel[" + ref + ", " + script.size() + " step(s)]";
    }

    private record Step(Duration latency, Function<ModelRequest, ModelResponse> reply, RuntimeException failure,
                        boolean never) {
    }

    /** The script of a {@link FakeChatModel}, step by step. Not thread-safe; build once. */
    public static final class Builder {
        private final VirtualClock clock;
        private final ModelRef ref;
        private final List<Step> steps = new ArrayList<>();
        private Usage usage = Usage.of(100, 50);

        private Builder(VirtualClock clock, ModelRef ref) {
            this.clock = clock;
            this.ref = ref;
        }

        /** The usage reported with the answers of the steps added after this (default 100 in, 50 out). */
        public Builder usage(Usage usage) {
            this.usage = Objects.requireNonNull(usage, "usage");
            return this;
        }

        /** A step: answers {@code text} after {@code latency} of virtual time. */
        public Builder answer(String text, Duration latency) {
            Usage u = usage;
            return reply(r -> ModelResponse.of(text, u), latency);
        }

        /** A step: answers with what {@code reply} makes of the request, after {@code latency}. */
        public Builder reply(Function<ModelRequest, ModelResponse> reply, Duration latency) {
            steps.add(new Step(check(latency), Objects.requireNonNull(reply, "reply"), null, false));
            return this;
        }

        /** A step: fails with {@code failure} (a {@code ProviderException}, say) after {@code latency}. */
        public Builder fail(RuntimeException failure, Duration latency) {
            steps.add(new Step(check(latency), null, Objects.requireNonNull(failure, "failure"), false));
            return this;
        }

        /** A step: never answers (until the call is cancelled: its timeout, the deadline). */
        public Builder never() {
            steps.add(new Step(Duration.ZERO, null, null, true));
            return this;
        }

        /** The model; the last step repeats for every later call. */
        public FakeChatModel build() {
            if (steps.isEmpty()) {
                throw new IllegalStateException("a fake model needs at least one step (answer, reply, fail or never)");
            }
            return new FakeChatModel(this);
        }

        private static Duration check(Duration latency) {
            if (Objects.requireNonNull(latency, "latency").isNegative()) {
                throw new IllegalArgumentException("a latency cannot be negative: " + latency);
            }
            return latency;
        }
    }
}
