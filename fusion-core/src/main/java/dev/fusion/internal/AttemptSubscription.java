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
 * own timeout. {@code CallRunnerCancelRaceStressTest} hit that window about once in three runs of
 * 3,000 rounds on a loaded 2-core machine.
 *
 * <p>{@link #watch} puts a thin subscriber right above the model's publisher: the chain and
 * {@link #cancel} both cancel through it, and it passes one cancel on, so the model sees a single
 * cancellation whichever way it came. Whichever of the attempt's subscription and {@link #cancel}
 * comes second sees the other. Thread-safe.
 */
final class AttemptSubscription {

    private static final Subscription CANCELLED = Operators.cancelledSubscription();

    private final AtomicReference<Subscription> current = new AtomicReference<>();

    /**
     * The model's call, its subscription held here while it runs. One plain operator (not a
     * {@code hide().transform(lift)} pair: this runs on every attempt): the watcher is no
     * {@code QueueSubscription}, so neither side can fuse across it and bypass it.
     */
    <T> Mono<T> watch(Mono<T> source) {
        return new WatchedMono<>(source, this);
    }

    /** The model's stream, its subscription held here while it runs. */
    <T> Flux<T> watch(Flux<T> source) {
        return new WatchedFlux<>(source, this);
    }

    private static final class WatchedMono<T> extends Mono<T> {
        private final Mono<T> source;
        private final AttemptSubscription holder;

        WatchedMono(Mono<T> source, AttemptSubscription holder) {
            this.source = source;
            this.holder = holder;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new Watcher<>(actual, holder));
        }
    }

    private static final class WatchedFlux<T> extends Flux<T> {
        private final Flux<T> source;
        private final AttemptSubscription holder;

        WatchedFlux(Flux<T> source, AttemptSubscription holder) {
            this.source = source;
            this.holder = holder;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new Watcher<>(actual, holder));
        }
    }

    /** Cancels the attempt in flight, and any attempt that subscribes later. */
    void cancel() {
        Subscription s = current.getAndSet(CANCELLED);
        if (s != null && s != CANCELLED) {
            s.cancel();
        }
    }

    /** Records the subscription of a new attempt; cancels it at once when the call was cancelled. */
    void attach(Subscription s) {
        Subscription previous = current.getAndUpdate(p -> p == CANCELLED ? p : s);
        if (previous == CANCELLED) {
            s.cancel();
        }
    }

    /** Passes everything through, and hands downstream a subscription whose cancel runs once. */
    private static final class Watcher<T> implements CoreSubscriber<T>, Subscription {
        private final CoreSubscriber<? super T> actual;
        private final AttemptSubscription holder;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private Subscription upstream;

        Watcher(CoreSubscriber<? super T> actual, AttemptSubscription holder) {
            this.actual = actual;
            this.holder = holder;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            holder.attach(this); // before downstream: the model starts its request after onSubscribe returns
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
