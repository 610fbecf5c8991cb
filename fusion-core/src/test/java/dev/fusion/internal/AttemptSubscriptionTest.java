package dev.fusion.internal;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AttemptSubscriptionTest {

    private static final class Counting implements Subscription {
        final AtomicInteger cancels = new AtomicInteger();

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    @Test
    void aCancelReachesTheAttemptInFlight() {
        AttemptSubscription holder = new AttemptSubscription();
        Counting first = new Counting();
        Counting second = new Counting();
        holder.attach(first);
        holder.attach(second); // a retry: the first attempt has ended
        holder.cancel();
        assertThat(first.cancels).hasValue(0);
        assertThat(second.cancels).hasValue(1);
    }

    @Test
    void anAttemptAttachedAfterTheCancelIsCancelledAtOnce() {
        // The window of reactor/reactor-core#4398: the chain's cancel ran before the attempt subscribed.
        AttemptSubscription holder = new AttemptSubscription();
        holder.cancel();
        Counting late = new Counting();
        holder.attach(late);
        assertThat(late.cancels).hasValue(1);
        Counting later = new Counting();
        holder.attach(later);
        assertThat(later.cancels).hasValue(1);
    }

    @Test
    void cancellingTwiceCancelsOnce() {
        AttemptSubscription holder = new AttemptSubscription();
        Counting s = new Counting();
        holder.attach(s);
        holder.cancel();
        holder.cancel();
        assertThat(s.cancels).hasValue(1);
    }

    @Test
    void aCancelFromHereAndOneThroughTheChainReachTheModelOnce() {
        // Both paths cancel on a caller's cancel; the model must see one cancel (it may count, log or bill it).
        AttemptSubscription holder = new AttemptSubscription();
        AtomicInteger modelCancels = new AtomicInteger();
        reactor.core.Disposable chain = holder.tracked(reactor.core.publisher.Mono.never()
                .doOnCancel(modelCancels::incrementAndGet)).subscribe();
        chain.dispose();
        holder.cancel();
        assertThat(modelCancels).hasValue(1);

        AttemptSubscription streamed = new AttemptSubscription();
        AtomicInteger streamCancels = new AtomicInteger();
        reactor.core.Disposable stream = streamed.tracked(reactor.core.publisher.Flux.never()
                .doOnCancel(streamCancels::incrementAndGet)).subscribe();
        streamed.cancel();
        stream.dispose();
        assertThat(streamCancels).hasValue(1);
    }
}
