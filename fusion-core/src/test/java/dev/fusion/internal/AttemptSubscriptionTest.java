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
}
