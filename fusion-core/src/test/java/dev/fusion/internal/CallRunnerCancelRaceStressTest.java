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
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stress test for the race fixed in c3470dd: {@code CallRunner.cancel()} on one thread against the
 * blocking caller starting the same call ({@code CallerRuns} runs the subscribe, and the model runs
 * its request right there, as {@code Call.execute()} does). Whichever comes second must see the
 * other; before the fix, a cancel that read "no subscription yet" just before the caller subscribed
 * left the caller inside a request nobody would cancel, until the call's own timeout.
 *
 * <p>Each round releases both sides at once after seeded random delays. The model detects the bug
 * without any timing: it blocks until its sink is cancelled, and if {@code cancel()} has already
 * returned while its sink is still live, that cancel missed it (cancel disposes synchronously, so on
 * correct code a live call is cancelled before {@code cancel()} returns). The old code
 * (the pre-fix publish-then-check in subscribe, read-then-dispose in cancel) fails it in every run.
 *
 * <p>It also found a second window, in Reactor itself: the subscription arbiter under
 * {@code retryWhen}/{@code timeout} can install a new subscription after a cancel has run whole
 * (reactor/reactor-core#4398); about one run in three failed on a loaded 2-core machine, every run
 * of 60 passes with {@link AttemptSubscription}, which cancels the model's subscription directly.
 */
class CallRunnerCancelRaceStressTest {

    private static final ModelRef REF = ModelRef.parse("fake:race");
    private static final int ROUNDS = 3_000;
    /**
     * The caller needs a while (building the call) before it publishes its subscription, the cancel
     * almost none before it reads it: the cancel is delayed more, to land anywhere from before the
     * caller's start to after it.
     */
    private static final int CANCEL_MAX_SPIN = 20_000;
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(6);
    /**
     * Rounds run whatever the clock says: the time budget only bounds how many more are run. With both
     * cores busy a cold JVM managed a single round in the budget, and the test failed for that alone.
     */
    private static final int MIN_ROUNDS = 20;

    private volatile boolean cancelReturned;
    private final AtomicInteger missedCancels = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();

    /** Blocks the subscribing thread until cancelled, or until it is certain the cancel missed it. */
    private final ChatModel model = new ChatModel() {
        @Override
        public ModelRef ref() {
            return REF;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            return Mono.create(sink -> {
                sent.incrementAndGet();
                CountDownLatch cancelled = new CountDownLatch(1);
                sink.onCancel(cancelled::countDown);
                try {
                    while (!cancelled.await(20, TimeUnit.MICROSECONDS)) {
                        if (cancelReturned && cancelled.getCount() > 0) {
                            missedCancels.incrementAndGet(); // the caller would sit here until the call timeout
                            sink.success(ModelResponse.of("stuck", Usage.of(1, 1)));
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    };

    @Test
    void aCancelNeverMissesACallTheBlockingCallerIsStarting() {
        ProviderLimiter limiter = new ProviderLimiter(Map.of(), FusionTimer.shared());
        long end = System.nanoTime() + BUDGET_NANOS;
        int rounds = 0;
        try (Interleavings race = new Interleavings(13L, 1_000, CANCEL_MAX_SPIN)) {
            for (; rounds < ROUNDS && (rounds < MIN_ROUNDS || System.nanoTime() - end < 0); rounds++) {
                cancelReturned = false;
                Sinks.One<CallRecord> done = Sinks.one();
                CallRunner runner = new CallRunner(new CallRunner.Spec("m", model, CallRole.PANEL,
                        ModelRequest.builder().user("q").build(), RetryPolicy.DEFAULT, Duration.ofSeconds(30), false, null),
                        PriceBook.empty(), List.of(), limiter, FusionTimer.shared(), null, null, done::tryEmitValue);
                CallerRuns runs = new CallerRuns(FusionTimer.shared()::schedule);
                runner.runOn(runs).start(); // queued for this thread
                CallRecord[] record = new CallRecord[1];
                race.run(
                        () -> record[0] = runs.await(done.asMono()), // the caller: runs the start, waits for the record
                        () -> {
                            runner.cancel(CallStatus.CANCELLED, "cancelled", "grace over");
                            cancelReturned = true;
                        });
                assertThat(record[0].status()).isEqualTo(CallStatus.CANCELLED);
            }
        }
        System.out.printf("CallRunnerCancelRaceStressTest: %d rounds, %d calls reached the model, %d cancels missed%n",
                rounds, sent.get(), missedCancels.get());
        assertThat(missedCancels.get()).as("cancels that missed a starting call, in %d rounds (%d calls sent)",
                rounds, sent.get()).isZero();
        assertThat(rounds).as("rounds run within the time budget").isGreaterThanOrEqualTo(MIN_ROUNDS);
    }
}
