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
    void theModelSeesOneCancelWhenTheChainAndTheHolderBothCancel() {
        AttemptSubscription holder = new AttemptSubscription();
        AtomicInteger cancels = new AtomicInteger();
        reactor.core.Disposable chain = holder.watch(reactor.core.publisher.Mono.never().doOnCancel(cancels::incrementAndGet))
                .subscribe();
        chain.dispose();
        holder.cancel();
        assertThat(cancels).hasValue(1);
    }

    @Test
    void aWatchedAttemptSubscribingAfterTheCancelIsCancelledBeforeItRuns() {
        AttemptSubscription holder = new AttemptSubscription();
        holder.cancel();
        AtomicInteger cancels = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean sawCancelWhenStarting = new java.util.concurrent.atomic.AtomicBoolean();
        holder.watch(reactor.core.publisher.Mono.create(sink -> {
            sink.onCancel(cancels::incrementAndGet);
            sawCancelWhenStarting.set(cancels.get() == 1); // a blocking model would return at once
        })).subscribe();
        assertThat(sawCancelWhenStarting).isTrue();
        assertThat(cancels).hasValue(1);
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
    void theChainsCancelAndTheHoldersCancelReachTheModelOnce() {
        // Both paths cancel an attempt (the chain on a timeout or dispose, the holder from CallRunner's
        // cancel); a model's doOnCancel must run once, as for any cancelled subscription.
        for (boolean chainFirst : new boolean[] {true, false}) {
            AttemptSubscription holder = new AttemptSubscription();
            AtomicInteger monoCancels = new AtomicInteger();
            AtomicInteger fluxCancels = new AtomicInteger();
            reactor.core.Disposable mono = holder.watch(reactor.core.publisher.Mono.never()
                    .doOnCancel(monoCancels::incrementAndGet)).subscribe();
            AttemptSubscription streamHolder = new AttemptSubscription();
            reactor.core.Disposable flux = streamHolder.watch(reactor.core.publisher.Flux.never()
                    .doOnCancel(fluxCancels::incrementAndGet)).subscribe();
            if (chainFirst) {
                mono.dispose();
                flux.dispose();
                holder.cancel();
                streamHolder.cancel();
            } else {
                holder.cancel();
                streamHolder.cancel();
                mono.dispose();
                flux.dispose();
            }
            assertThat(monoCancels).as("chain first: %s", chainFirst).hasValue(1);
            assertThat(fluxCancels).as("chain first: %s", chainFirst).hasValue(1);
        }
    }

    @Test
    void aTrackedAnswerPassesThroughWithTheSubscribersContext() {
        AttemptSubscription holder = new AttemptSubscription();
        String seen = holder.watch(reactor.core.publisher.Mono.deferContextual(c -> reactor.core.publisher.Mono.just(
                c.getOrDefault("k", "none")))).contextWrite(c -> c.put("k", "from the caller")).block();
        assertThat(seen).isEqualTo("from the caller");
        assertThat(holder.watch(reactor.core.publisher.Flux.just(1, 2, 3)).collectList().block()).containsExactly(1, 2, 3);
    }
}
