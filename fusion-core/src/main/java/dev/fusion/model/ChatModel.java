package dev.fusion.model;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The model SPI: anything that can answer a {@link ModelRequest}. HTTP providers implement it,
 * and so can tests and users (a local model, a cache, a router).
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>{@link #call} is lazy (nothing happens before subscription) and must not block the
 *       subscribing thread (unless {@link #MAY_BLOCK_KEY} names it); cancelling the subscription
 *       must abort the underlying request.</li>
 *   <li>Failures are signalled as errors, preferably {@link ProviderException} so that Fusion can
 *       tell retryable failures from final ones. An empty, truncated or malformed answer is a
 *       failure, never an empty {@link ModelResponse}.</li>
 *   <li>Implementations do not retry: Fusion owns the single retry layer.</li>
 *   <li>Implementations must be thread-safe: one instance serves many concurrent calls.</li>
 * </ul>
 */
public interface ChatModel {

    /**
     * A Reactor {@link reactor.util.context.Context} key Fusion may set on a {@link #call}: its
     * value is a {@link Thread} that is allowed to block on this call. When {@code call} is
     * subscribed on that very thread, an implementation may run the request synchronously there
     * instead of handing it to another thread (a blocking {@code Fusion.ask} caller runs a call
     * while it waits, which saves a thread wake-up). On any other thread, and when the key is
     * absent, the contract above holds: never block. Cancellation must still abort the request
     * from another thread while it runs. Implementations may ignore the key.
     */
    String MAY_BLOCK_KEY = "dev.fusion.model.ChatModel.mayBlockThread";

    /** Provider and model id, used for pricing and in the ledger. */
    ModelRef ref();

    /** Answers the request once (no retries). */
    Mono<ModelResponse> call(ModelRequest request);

    /**
     * Streams the answer. The default adapts {@link #call}: one delta with the whole text, one
     * {@link ModelStreamEvent.ToolCallDelta} per tool call, then the completion. Providers that can stream override it.
     */
    default Flux<ModelStreamEvent> stream(ModelRequest request) {
        return call(request).flatMapMany(r -> {
            java.util.List<ModelStreamEvent> events = new java.util.ArrayList<>();
            if (!r.text().isEmpty()) {
                events.add(new ModelStreamEvent.TextDelta(r.text()));
            }
            for (int i = 0; i < r.toolCalls().size(); i++) {
                ToolCall c = r.toolCalls().get(i);
                events.add(new ModelStreamEvent.ToolCallDelta(i, c.id(), c.name(), c.argumentsJson()));
            }
            events.add(new ModelStreamEvent.Completed(r));
            return Flux.fromIterable(events);
        });
    }

    /**
     * Checks, before any call, that this model can take {@code request} as it is: images where the
     * provider is text-only, a reasoning setting it cannot express, an extra body field colliding with
     * one Fusion sets. The default accepts everything; HTTP models check what their wire format needs.
     * A call with a request that fails here fails the same way, without reaching the network.
     *
     * @throws dev.fusion.InvalidConfigurationException naming the model and what to change
     */
    default void validate(ModelRequest request) {
    }

    /** Whether {@link #stream} really streams (true) or adapts {@link #call} (false). */
    default boolean streamsNatively() {
        return false;
    }

    /**
     * Collects a stream into the response of its {@link ModelStreamEvent.Completed} event; a stream
     * that ends without one fails with a {@link ProviderException} carrying the partial text.
     */
    static Mono<ModelResponse> collect(Flux<ModelStreamEvent> events) {
        return Mono.defer(() -> {
            StringBuilder partial = new StringBuilder();
            AtomicReference<ModelResponse> done = new AtomicReference<>();
            return events.doOnNext(e -> {
                if (e instanceof ModelStreamEvent.TextDelta d) {
                    partial.append(d.text());
                } else if (e instanceof ModelStreamEvent.Completed c) {
                    done.set(c.response());
                }
            }).then(Mono.fromSupplier(() -> {
                ModelResponse r = done.get();
                if (r == null) {
                    throw ProviderException.truncated("stream ended without its terminal event", partial.toString());
                }
                return r;
            }));
        });
    }
}
