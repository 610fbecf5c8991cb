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
 * <p>Whichever of {@link #attach} and {@link #cancel} comes second sees the other. The model's
 * publisher sees one cancel per attempt however many paths deliver it: {@link #track} puts a
 * once-only {@link Subscription} between the model and the chain, because the chain usually cancels
 * the attempt too, and Reactor's peeking operators (a model's {@code doOnCancel}) run their hook on
 * every {@code cancel()}, though the Reactive Streams rule 3.7 makes a repeated cancel a no-op.
 * Thread-safe.
 */
final class AttemptSubscription {

    private final AtomicReference<Subscription> current = new AtomicReference<>();

    /**
     * The model's answer with its subscription recorded here ({@link #attach}) and made cancel-once:
     * the chain's cancel and {@link #cancel()} reach the model once between them.
     */
    <T> Mono<T> track(Mono<T> source) {
        return new Mono<>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                source.subscribe(new Once<>(actual, AttemptSubscription.this));
            }
        };
    }

    /** As {@link #track(Mono)}, for a model's stream. */
    <T> Flux<T> track(Flux<T> source) {
        return new Flux<>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                source.subscribe(new Once<>(actual, AttemptSubscription.this));
            }
        };
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

    /** Passes signals through unchanged; forwards the first {@code cancel()} only. */
    private static final class Once<T> implements CoreSubscriber<T>, Subscription {
        private final CoreSubscriber<? super T> actual;
        private final AttemptSubscription owner;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile Subscription upstream;

        Once(CoreSubscriber<? super T> actual, AttemptSubscription owner) {
            this.actual = actual;
            this.owner = owner;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext(); // the model reads MAY_BLOCK_KEY from here
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            // Attached before the chain sees it: a blocking model may run its request inside the
            // chain's first request(n), and a cancel from outside must be able to reach it there.
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
}
