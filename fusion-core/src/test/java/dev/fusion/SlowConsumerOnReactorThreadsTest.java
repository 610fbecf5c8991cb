package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A slow consumer never delays the judge, even when every member's answer completes on a Reactor
 * worker (a model built on {@code Mono.delay}, WebClient, anything Reactor-based): events and listener
 * calls run on the library's event thread, not on the thread that must complete the next member.
 * No wall-clock bound: the consumer blocks on a latch that only the judge's call releases, so before the
 * fix (events delivered on the worker) the judge was never called while the consumer waited.
 */
class SlowConsumerOnReactorThreadsTest {

    private final List<Scheduler> schedulers = new ArrayList<>();

    @AfterEach
    void dispose() {
        schedulers.forEach(Scheduler::dispose);
    }

    /** Members whose answers complete on {@code workers} after a few milliseconds each. */
    private static List<FakeModel> panel(int size, Scheduler workers) {
        List<FakeModel> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            members.add(FakeModel.answering("p:m" + i, "answer " + i, Duration.ofMillis(5L * (i + 1)), workers));
        }
        return members;
    }

    private static FakeModel judge(CountDownLatch judgeCalled) {
        return FakeModel.deferred("p:judge", r -> Mono.fromSupplier(() -> {
            judgeCalled.countDown();
            return ModelResponse.of("judged", Usage.of(10, 5));
        }));
    }

    /** Streams an ask whose consumer blocks on the first MemberAnswered until the judge was called. */
    private static boolean judgeCalledWhileConsumerBlocked(List<FakeModel> members) {
        CountDownLatch judgeCalled = new CountDownLatch(1);
        Fusion fusion = Fusion.builder().panel(members.toArray(FakeModel[]::new)).judge(judge(judgeCalled))
                .quorum(members.size()).build();
        AtomicBoolean released = new AtomicBoolean();
        AtomicBoolean blocked = new AtomicBoolean();
        FusionEvent last = fusion.stream(FusionRequest.of("q")).doOnNext(ev -> {
            if (ev instanceof FusionEvent.MemberAnswered && blocked.compareAndSet(false, true)) {
                try {
                    released.set(judgeCalled.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).blockLast();
        assertThat(last).isInstanceOf(FusionEvent.Completed.class);
        return released.get();
    }

    @Test
    void everyMemberOnOneReactorWorker() {
        Scheduler one = Schedulers.newParallel("one-worker", 1);
        schedulers.add(one);
        assertThat(judgeCalledWhileConsumerBlocked(panel(3, one)))
                .as("the judge was called while the consumer still blocked on the first answer").isTrue();
    }

    @Test
    void membersOnReactorsParallelScheduler() {
        // One more member than workers: at least two share a worker, whatever the core count.
        int n = Schedulers.DEFAULT_POOL_SIZE + 1;
        assertThat(judgeCalledWhileConsumerBlocked(panel(n, Schedulers.parallel()))).isTrue();
    }

    @Test
    void aBlockingListenerDoesNotDelayTheJudgeEither() {
        Scheduler one = Schedulers.newParallel("one-worker", 1);
        schedulers.add(one);
        CountDownLatch judgeCalled = new CountDownLatch(1);
        AtomicBoolean released = new AtomicBoolean();
        AtomicBoolean blocked = new AtomicBoolean();
        Fusion fusion = Fusion.builder().panel(panel(3, one).toArray(FakeModel[]::new)).judge(judge(judgeCalled))
                .quorum(3).listener(new FusionListener() {
                    @Override
                    public void onCallFinished(CallRecord record) {
                        if (blocked.compareAndSet(false, true)) {
                            try {
                                released.set(judgeCalled.await(30, TimeUnit.SECONDS));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                }).build();
        assertThat(fusion.ask("q").answer()).isEqualTo("judged");
        assertThat(released).isTrue();
    }
}
