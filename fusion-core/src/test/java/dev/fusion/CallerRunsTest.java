package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.internal.VirtualTime;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blocking {@code ask} lets its caller run one panel call and the judge calls: those calls are
 * subscribed on the caller with {@link ChatModel#MAY_BLOCK_KEY} naming it, and a model that then
 * blocks there is still ended by its timeout and by the deadline.
 */
class CallerRunsTest {

    /** Answers at once, or, when allowed to block the subscribing thread, blocks like {@code Call.execute}. */
    static final class BlockingWhenAllowed implements ChatModel {
        private final ModelRef ref;
        private final Duration blockFor;
        final Map<String, Boolean> mayBlockHere = new ConcurrentHashMap<>();
        final AtomicInteger cancelled = new AtomicInteger();
        /** Counted down when the model starts blocking the caller. */
        final CountDownLatch blocking = new CountDownLatch(1);
        volatile Thread subscribedOn;

        BlockingWhenAllowed(String ref, Duration blockFor) {
            this.ref = ModelRef.parse(ref);
            this.blockFor = blockFor;
        }

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            return Mono.create(sink -> {
                subscribedOn = Thread.currentThread();
                boolean mayBlock = sink.contextView().getOrDefault(MAY_BLOCK_KEY, null) == Thread.currentThread();
                mayBlockHere.put(Thread.currentThread().getName(), mayBlock);
                if (!mayBlock) {
                    sink.success(ModelResponse.of(ref.model() + " answer", Usage.of(10, 5)));
                    return;
                }
                CountDownLatch cancel = new CountDownLatch(1);
                sink.onCancel(() -> {
                    cancelled.incrementAndGet();
                    cancel.countDown();
                });
                blocking.countDown();
                try {
                    if (!cancel.await(blockFor.toMillis(), TimeUnit.MILLISECONDS)) {
                        sink.success(ModelResponse.of(ref.model() + " answer (ran on the caller)", Usage.of(10, 5)));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    sink.error(e);
                }
            });
        }
    }

    @Test
    void theCallerRunsTheLastPanelCallAndTheJudgeOnItsOwnThread() {
        BlockingWhenAllowed a = new BlockingWhenAllowed("fake:a", Duration.ofMillis(20));
        BlockingWhenAllowed b = new BlockingWhenAllowed("fake:b", Duration.ofMillis(20));
        BlockingWhenAllowed judge = new BlockingWhenAllowed("fake:judge", Duration.ofMillis(20));
        Fusion fusion = Fusion.builder().panel(a, b).judge(judge).build();

        FusionResult r = fusion.ask("q");

        String caller = Thread.currentThread().getName();
        assertThat(r.answer()).isEqualTo("judge answer (ran on the caller)");
        assertThat(b.mayBlockHere).containsEntry(caller, true);
        assertThat(judge.mayBlockHere).containsEntry(caller, true);
        assertThat(a.mayBlockHere.values()).as("only the designated call may block").containsOnly(false);
        assertThat(b.subscribedOn).isSameAs(Thread.currentThread());
    }

    @Test
    void anAsyncAskNeverLetsAModelBlock() {
        BlockingWhenAllowed a = new BlockingWhenAllowed("fake:a", Duration.ofSeconds(30));
        BlockingWhenAllowed judge = new BlockingWhenAllowed("fake:judge", Duration.ofSeconds(30));
        Fusion fusion = Fusion.builder().panel(a).judge(judge).build();

        FusionResult r = fusion.askAsync("q").block(Duration.ofSeconds(10));

        assertThat(r.answer()).isEqualTo("judge answer");
        assertThat(a.mayBlockHere.values()).containsOnly(false);
        assertThat(judge.mayBlockHere.values()).containsOnly(false);
    }

    @Test
    void aCallBlockingTheCallerStillEndsAtItsTimeout() throws Exception {
        BlockingWhenAllowed fast = new BlockingWhenAllowed("fake:fast", Duration.ZERO);
        BlockingWhenAllowed stuck = new BlockingWhenAllowed("fake:stuck", Duration.ofSeconds(60));
        BlockingWhenAllowed judge = new BlockingWhenAllowed("fake:judge", Duration.ofMillis(10));
        VirtualTime time = new VirtualTime();
        Fusion fusion = Fusion.builder().panel(fast, stuck).judge(judge).memberTimeout(Duration.ofMillis(300))
                .scheduler(time.scheduler()).build();
        ClockDriver driver = ClockDriver.advanceOnceBlocked(stuck, time);

        FusionResult r = fusion.ask("q");

        assertThat(driver.advanced()).as("the timeout cancelled the call the caller was running: the next timer"
                + " once it blocked was the 300 ms member timeout, and advancing to it ended the ask").isEqualTo(Duration.ofMillis(300));
        assertThat(stuck.cancelled.get()).isEqualTo(1);
        CallRecord stuckRecord = r.calls().stream().filter(c -> c.memberId().equals("fake:stuck")).findFirst().orElseThrow();
        assertThat(stuckRecord.status()).isEqualTo(CallStatus.TIMEOUT);
        assertThat(r.answer()).isEqualTo("judge answer (ran on the caller)");
    }

    @Test
    void aJudgeBlockingTheCallerStillEndsAtTheDeadline() throws Exception {
        BlockingWhenAllowed a = new BlockingWhenAllowed("fake:a", Duration.ZERO);
        BlockingWhenAllowed judge = new BlockingWhenAllowed("fake:judge", Duration.ofSeconds(60));
        VirtualTime time = new VirtualTime();
        // 30 s of virtual time (the engine reads the time left on the scheduler's clock, so real time
        // does not count); the judge's own timeout (120 s) comes after the deadline.
        Fusion fusion = Fusion.builder().panel(a).judge(judge).deadline(Duration.ofSeconds(30))
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).scheduler(time.scheduler()).build();
        ClockDriver driver = ClockDriver.advanceOnceBlocked(judge, time);

        FusionResult r = fusion.ask("q");

        assertThat(driver.advanced()).as("the deadline (30 s, virtual) ended the judge the caller was running")
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(judge.cancelled.get()).isEqualTo(1);
        List<CallRecord> judges = r.calls().stream().filter(c -> c.role() == CallRole.JUDGE).toList();
        assertThat(judges).singleElement().extracting(CallRecord::status).isEqualTo(CallStatus.TIMEOUT);
    }

    /**
     * Moves virtual time on behalf of a caller blocked in {@code ask}: once {@code model} blocks the
     * caller, it advances time to the next armed timer, once.
     */
    private static final class ClockDriver {
        private final Thread thread;
        private final java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();

        private ClockDriver(BlockingWhenAllowed model, VirtualTime time) {
            thread = new Thread(() -> {
                try {
                    if (!model.blocking.await(10, TimeUnit.SECONDS)) {
                        throw new AssertionError(model.ref() + " never blocked the caller");
                    }
                    Duration next = time.awaitNextTimer();
                    if (next == null) {
                        throw new AssertionError("no timer armed while " + model.ref() + " blocks the caller");
                    }
                    time.advance(next);
                    outcome.set(next);
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "clock-driver");
            thread.setDaemon(true);
            thread.start();
        }

        static ClockDriver advanceOnceBlocked(BlockingWhenAllowed model, VirtualTime time) {
            return new ClockDriver(model, time);
        }

        /** How far it advanced virtual time (fails when it could not). */
        Duration advanced() throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(20));
            Object o = outcome.get();
            if (o instanceof Throwable t) {
                throw new AssertionError("the clock driver failed", t);
            }
            return (Duration) o;
        }
    }

    @Test
    void aModelWhoseMonoThrowsOnSubscribeIsRecordedAsFailedAndTheAskEnds() {
        ChatModel broken = new ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("fake:broken");
            }

            @Override
            public Mono<ModelResponse> call(ModelRequest request) {
                return new Mono<>() {
                    @Override
                    public void subscribe(reactor.core.CoreSubscriber<? super ModelResponse> actual) {
                        throw new IllegalStateException("broken model");
                    }
                };
            }
        };
        BlockingWhenAllowed ok = new BlockingWhenAllowed("fake:ok", Duration.ZERO);
        BlockingWhenAllowed judge = new BlockingWhenAllowed("fake:judge", Duration.ZERO);
        // The broken model is the last member: the caller starts it.
        Fusion fusion = Fusion.builder().panel(ok, broken).judge(judge).retry(RetryPolicy.NONE).build();

        FusionResult r = fusion.ask("q");

        CallRecord rec = r.calls().stream().filter(c -> c.memberId().equals("fake:broken")).findFirst().orElseThrow();
        assertThat(rec.status()).isEqualTo(CallStatus.FAILED);
        assertThat(rec.error().message()).contains("broken model");
        assertThat(r.answer()).startsWith("judge answer");
    }

    @Test
    void anInterruptedCallerCancelsTheAskAndThrows() throws Exception {
        BlockingWhenAllowed slow = new BlockingWhenAllowed("fake:slow", Duration.ofSeconds(30));
        FakeModel never = FakeModel.never("fake:never");
        Fusion fusion = Fusion.builder().panel(never, slow)
                .judge(FakeModel.instant("fake:judge", "j")).build();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                fusion.ask("q");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        caller.start();
        assertThat(slow.blocking.await(10, TimeUnit.SECONDS)).as("the caller is inside the slow call").isTrue();
        // The caller is inside the slow call, whose wait here is interruptible (a socket read would
        // not be); then it sees the interrupt, cancels the ask (the never-answering member too) and throws.
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isNotNull();
        Eventually.holds("the never-answering member cancelled", () -> never.cancellations.get() > 0);
        assertThat(never.cancellations.get()).as("the ask was cancelled, not orphaned").isEqualTo(1);
    }
}
