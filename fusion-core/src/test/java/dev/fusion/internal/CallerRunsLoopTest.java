package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blocking caller's task loop: a cancel that races the start of a call the caller runs itself
 * (whichever comes second must see the other, or the caller would sit in a request that was
 * already cancelled), a throwing task, a task handed over after the wait ended.
 */
class CallerRunsLoopTest {

    private static final ModelRef REF = ModelRef.parse("fake:slow");

    @Test
    void aCancelInProgressWhenTheCallerStartsTheCallKeepsTheCallFromRunning() throws Exception {
        CountDownLatch cancellerInFinish = new CountDownLatch(1);
        CountDownLatch letCancellerGo = new CountDownLatch(1);
        AtomicInteger subscribed = new AtomicInteger();
        ChatModel model = new ChatModel() {
            @Override
            public ModelRef ref() {
                if (Thread.currentThread().getName().equals("canceller")) {
                    // cancel() is past its check of the subscription and now records: hold it here.
                    cancellerInFinish.countDown();
                    try {
                        letCancellerGo.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return REF;
            }

            @Override
            public reactor.core.publisher.Mono<ModelResponse> call(ModelRequest request) {
                return reactor.core.publisher.Mono.create(sink -> {
                    subscribed.incrementAndGet();
                    CountDownLatch cancelled = new CountDownLatch(1);
                    sink.onCancel(cancelled::countDown);
                    try {
                        // Runs on the caller, like Call.execute(): only a cancel ends it early.
                        if (!cancelled.await(5, TimeUnit.SECONDS)) {
                            sink.success(ModelResponse.of("late", Usage.of(1, 1)));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        };
        Sinks.One<CallRecord> done = Sinks.one();
        CallRunner runner = new CallRunner(new CallRunner.Spec("m", model, CallRole.PANEL,
                ModelRequest.builder().user("q").build(), RetryPolicy.DEFAULT, Duration.ofSeconds(30), false, null),
                PriceBook.empty(), List.of(), new ProviderLimiter(Map.of(), FusionTimer.shared()), FusionTimer.shared(),
                null, null, done::tryEmitValue);
        // The caller parks on a manual ticker, so the test knows the moment it waits for the record.
        ManualTicker ticker = new ManualTicker();
        CallerRuns runs = new CallerRuns(FusionTimer.shared()::schedule, ticker);
        runner.runOn(runs).start(); // queued for this thread

        Thread canceller = new Thread(() -> runner.cancel(CallStatus.CANCELLED, "cancelled", "grace over"), "canceller");
        canceller.start();
        assertThat(cancellerInFinish.await(10, TimeUnit.SECONDS)).isTrue();
        Thread caller = Thread.currentThread();
        new Thread(() -> {
            try {
                ticker.awaitIdle(caller); // the caller ran the queued start and now waits for the record
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                letCancellerGo.countDown();
            }
        }).start();

        long t0 = System.nanoTime();
        CallRecord r = runs.await(done.asMono()); // runs the queued start, then waits for the record
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.status()).isEqualTo(CallStatus.CANCELLED);
        assertThat(subscribed.get()).as("the cancelled call was never sent").isZero();
        assertThat(ms).as("the caller was not stuck in the request").isLessThan(4_000);
        canceller.join(5_000);
    }

    @Test
    void aTaskThatThrowsOnTheCallerDoesNotEndTheWait() {
        try (dev.fusion.testing.LogCapture log = dev.fusion.testing.LogCapture.start()) {
            CallerRuns runs = new CallerRuns(FusionTimer.shared()::schedule);
            Sinks.One<String> result = Sinks.one();
            runs.execute(() -> {
                throw new IllegalStateException("a broken task");
            });
            runs.execute(() -> result.tryEmitValue("after"));
            assertThat(runs.await(result.asMono())).isEqualTo("after");
            // the caller ran the broken task itself, so its warning is logged before await returns
            assertThat(log.text()).contains("WARN dev.fusion.internal.CallerRuns - a task run by the waiting caller threw",
                    "a broken task");
        }
    }

    @Test
    void aTaskHandedOverAfterTheWaitEndedRunsElsewhere() throws Exception {
        CallerRuns runs = new CallerRuns(FusionTimer.shared()::schedule);
        assertThat(runs.await(reactor.core.publisher.Mono.just(1))).isEqualTo(1);
        CountDownLatch ran = new CountDownLatch(1);
        Thread[] on = new Thread[1];
        runs.execute(() -> {
            on[0] = Thread.currentThread();
            ran.countDown();
        });
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(on[0]).isNotSameAs(Thread.currentThread());
    }

    @Test
    void theWaitingCallerParksUntilATaskIsHandedOverThenRunsIt() throws Exception {
        ManualTicker ticker = new ManualTicker();
        Sinks.One<String> result = Sinks.one();
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<CallerRuns> runs = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch created = new CountDownLatch(1);
        Thread caller = new Thread(() -> {
            CallerRuns r = new CallerRuns(FusionTimer.shared()::schedule, ticker);
            runs.set(r);
            created.countDown();
            try {
                outcome.set(r.await(result.asMono()));
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "blocking-caller");
        caller.start();
        assertThat(created.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(ticker.awaitIdle(caller)).as("nothing to do: parked without a time limit").isNull();
        Thread[] ranOn = new Thread[1];
        int unparks = ticker.unparks(caller);
        runs.get().execute(() -> ranOn[0] = Thread.currentThread());
        assertThat(ticker.unparks(caller)).as("handing a task over wakes the caller").isEqualTo(unparks + 1);
        assertThat(ticker.awaitIdle(caller)).as("ran it, parked again").isNull();
        assertThat(ranOn[0]).isSameAs(caller);

        result.tryEmitValue("done");
        caller.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(outcome.get()).isEqualTo("done");
    }
}
