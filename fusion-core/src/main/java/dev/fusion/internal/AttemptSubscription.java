package dev.fusion.internal;

import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

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
 * <p>Whichever of {@link #attach} and {@link #cancel} comes second sees the other. Cancelling a
 * subscription twice is harmless (the chain may cancel it as well). Thread-safe.
 */
final class AttemptSubscription {

    private final AtomicReference<Subscription> current = new AtomicReference<>();

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
