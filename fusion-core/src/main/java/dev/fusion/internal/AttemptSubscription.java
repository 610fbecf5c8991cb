package dev.fusion.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The subscription to the model's publisher for the attempt in flight, held so that a cancel from
 * outside reaches the request directly, not only through the operator chain above it.
 *
 * <p>Why not rely on the chain: Reactor's subscription arbiter (used by {@code retryWhen} and
 * {@code timeout}, {@code Operators.MultiSubscriptionSubscriber}) reads its cancelled flag before it
 * takes its work-in-progress slot, so a {@code cancel()} that runs whole in between leaves the new
 * attempt's subscription installed and never cancelled (reactor/reactor-core#4398, open in 3.8.8).
 * A blocking caller running the request inside {@code subscribe()} then sits in it until the call's
 * own timeout. {@code CallRunnerCancelRaceStressTest} hits that window about once in 10,000 rounds
 * on a loaded machine.
 *
 * <p>Whichever of {@link #attach} and {@link #cancel} comes second sees the other. A cancel from here
 * and one through the chain reach the model once: {@link #tracked} puts a cancel-once subscription
 * between the model and the chain and attaches that (a model counts, logs or bills a cancel; the
 * Reactive Streams rule that a second cancel is a no-op is not kept by every operator in between).
 * Thread-safe.
 */
final class AttemptSubscription {

    private final AtomicReference<Subscription> current = new AtomicReference<>();

    /** {@code attempt} with its subscription attached here, cancelled at most once whoever cancels it. */
    <T> Mono<T> tracked(Mono<T> attempt) {
        return attempt.hide().transform(Operators.<T, T>lift((scannable, actual) -> new CancelOnce<>(actual, this)));
    }

    /** As {@link #tracked(Mono)}, for a streamed attempt. */
    <T> Flux<T> tracked(Flux<T> attempt) {
        return attempt.hide().transform(Operators.<T, T>lift((scannable, actual) -> new CancelOnce<>(actual, this)));
    }

    /** Passes signals through (not fuseable: the source is hidden); the model's subscription sees one cancel at most. */
    private static final class CancelOnce<T> implements CoreSubscriber<T>, Subscription {
        private final CoreSubscriber<? super T> actual;
        private final AttemptSubscription owner;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile Subscription upstream;

        CancelOnce(CoreSubscriber<? super T> actual, AttemptSubscription owner) {
            this.actual = actual;
            this.owner = owner;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            owner.attach(this);
            actual.onSubscribe(this);
        }

        @Override
        public void onNext(T t) {
            actual.onNext(t);
        }

        @Override
        public void onError(Throwable t) {
            actual.onError(t);
        }

        @Override
        public void onComplete() {
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                upstream.cancel();
            }
        }
    }

    /** Records the subscription of a new attempt; cancels it at once when the call was cancelled. */
    void attach(Subscription s) {
        Subscription previous = current.getAndUpdate(p -> p == Operators.cancelledSubscription() ? p : s);
        if (previous == Operators.cancelledSubscription()) {
            s.cancel();
        }
    }

    /** Cancels the attempt in flight, and any attempt attached later. */
    void cancel() {
        Subscription s = current.getAndSet(Operators.cancelledSubscription());
        if (s != null && s != Operators.cancelledSubscription()) {
            s.cancel();
        }
    }
}
