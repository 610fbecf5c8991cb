package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.internal.VirtualTime;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FanOutTest {

    @Test
    void eightMembersRunAtOnce() throws Exception {
        // In virtual time: each member answers 300 ms after it starts, on a timer that only moves when
        // the test moves it. All eight must have started (armed their timers) while time stood at zero,
        // and one step of 300 ms must end the ask. A wall-clock bound (spread < 150 ms, wall < 600 ms)
        // failed when a loaded machine delayed a thread by a few hundred milliseconds.
        VirtualTime time = new VirtualTime();
        CountDownLatch armed = new CountDownLatch(8);
        Scheduler timer = countingTimers(time.scheduler(), armed);
        List<FakeModel> members = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            members.add(FakeModel.answering("p:m" + i, "answer " + i, Duration.ofMillis(300), timer));
        }
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Fusion fusion = Fusion.builder().panel(new ArrayList<>(members)).judge(judge).build();

        CompletableFuture<FusionResult> pending = fusion.askAsync(FusionRequest.of("q")).toFuture();
        // A bound on waiting, not a timing assertion: sequential members would never arm all eight timers.
        assertThat(armed.await(30, TimeUnit.SECONDS)).as("all eight members started before any could finish").isTrue();
        assertThat(pending).isNotDone();
        assertThat(time.awaitNextTimer()).isEqualTo(Duration.ofMillis(300));
        time.advance(Duration.ofMillis(300));
        FusionResult r = pending.get(30, TimeUnit.SECONDS);

        assertThat(r.panel()).hasSize(8).allMatch(CallRecord::isOk);
        members.forEach(m -> assertThat(m.calls.get()).isEqualTo(1));
        // It ended at the deadline: still running 1 ns before it (VirtualAsks.advanceToEnd), over right after.
        assertThat(r.answer()).isEqualTo("merged");
        assertThat(r.judged()).isTrue();
    }

    /** {@code timer}, counting down {@code armed} each time a delayed task has been handed to it. */
    private static Scheduler countingTimers(Scheduler timer, CountDownLatch armed) {
        return new Scheduler() {
            @Override
            public Disposable schedule(Runnable task) {
                return timer.schedule(task);
            }

            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                Disposable d = timer.schedule(task, delay, unit);
                armed.countDown();
                return d;
            }

            @Override
            public long now(TimeUnit unit) {
                return timer.now(unit);
            }

            @Override
            public Worker createWorker() {
                return timer.createWorker();
            }
        };
    }

    @Test
    void quorumPlusGraceCancelsTheStragglerAndDisposesItsSubscription() {
        FakeModel a = FakeModel.answering("p:a", "alpha", Duration.ofMillis(20));
        FakeModel b = FakeModel.answering("p:b", "beta", Duration.ofMillis(40));
        FakeModel slow = FakeModel.never("p:slow");
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Fusion fusion = Fusion.builder().panel(a, b, slow).judge(judge).quorum(2)
                .grace(Duration.ofMillis(150)).memberTimeout(Duration.ofSeconds(30)).build();

        long t0 = System.nanoTime();
        FusionResult r = fusion.ask("q");
        long ms = (System.nanoTime() - t0) / 1_000_000;

        CallRecord slowRecord = r.panel().get(2);
        assertThat(slowRecord.memberId()).isEqualTo("p:slow");
        assertThat(slowRecord.status()).isEqualTo(CallStatus.CANCELLED);
        assertThat(slowRecord.error().message()).contains("grace");
        assertThat(slow.cancellations.get()).isEqualTo(1);
        assertThat(ms).isGreaterThanOrEqualTo(150).isLessThan(5_000);
        assertThat(r.answerOrder()).containsExactlyInAnyOrder("p:a", "p:b");
    }

    @Test
    void deadlineEndsTheAskAndRecordsTimeouts() throws Exception {
        // In virtual time: the ask ends when (and only when) 300 ms of its clock have passed; a wall-clock
        // bound (ended within 290..1,300 ms) failed when a loaded machine stalled a thread.
        VirtualTime time = new VirtualTime();
        FakeModel a = FakeModel.never("p:a");
        FakeModel b = FakeModel.never("p:b");
        Fusion fusion = Fusion.builder().panel(a, b).judge(FakeModel.instant("p:j", "x"))
                .deadline(Duration.ofMillis(300)).scheduler(time.scheduler()).build();

        CompletableFuture<FusionResult> pending = VirtualAsks.advanceWhen(time, fusion, FusionRequest.of("q"),
                () -> a.calls.get() == 1 && b.calls.get() == 1, Duration.ofMillis(300));
        assertThatThrownBy(() -> VirtualAsks.result(pending)).isInstanceOfSatisfying(QuorumNotMetException.class, e -> {
            assertThat(e.calls()).hasSize(2).allMatch(c -> c.status() == CallStatus.TIMEOUT);
            assertThat(e.calls().get(0).error().message()).contains("deadline");
        });
        // It ended at the deadline: still running 1 ns before it (VirtualAsks.advanceToEnd), over right after.
        assertThat(a.cancellations.get()).isEqualTo(1);
    }

    @Test
    void deadlineDuringTheJudgeDegradesToTheBestAnswerWhenAsked() throws Exception {
        VirtualTime time = new VirtualTime();
        FakeModel a = FakeModel.instant("p:a", "Paris is the capital of France");
        FakeModel b = FakeModel.instant("p:b", "The capital of France is Paris");
        FakeModel judge = FakeModel.never("p:judge");
        Fusion fusion = Fusion.builder().panel(a, b).judge(judge).deadline(Duration.ofMillis(300))
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).scheduler(time.scheduler()).build();

        FusionResult r = VirtualAsks.result(VirtualAsks.advanceWhen(time, fusion, FusionRequest.of("q"),
                () -> judge.calls.get() == 1, Duration.ofMillis(300)));

        // It ended at the deadline: still running 1 ns before it (VirtualAsks.advanceToEnd), over right after.
        assertThat(r.judged()).isFalse();
        assertThat(r.answer()).isEqualTo("Paris is the capital of France"); // two answers: panel order wins
        assertThat(r.judgeCalls()).singleElement().satisfies(c -> assertThat(c.status()).isEqualTo(CallStatus.TIMEOUT));
        assertThat(judge.cancellations.get()).isEqualTo(1);
        assertThat(r.notes()).anyMatch(n -> n.contains("unjudged"));
    }

    @Test
    void memberTimeoutIsRecordedAsTimeout() throws Exception {
        // In virtual time: the member's 100 ms timeout fires when (and only when) 100 ms of the ask's clock
        // have passed (VirtualAsks.advanceToEnd: still running 1 ns before it). With a real 100 ms timer the
        // lower bound was read from the record's wall-clock latency, and a loaded machine made it flaky.
        VirtualTime time = new VirtualTime();
        FakeModel slow = FakeModel.never("p:slow");
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", "a"), slow)
                .judge(FakeModel.instant("p:j", "m")).memberTimeout(Duration.ofMillis(100))
                .scheduler(time.scheduler()).build();
        FusionResult r = VirtualAsks.result(VirtualAsks.advanceWhen(time, fusion, FusionRequest.of("q"),
                () -> slow.calls.get() == 1, Duration.ofMillis(100)));
        assertThat(r.panel().get(1).status()).isEqualTo(CallStatus.TIMEOUT);
        assertThat(r.panel().get(1).error().type()).isEqualTo("timeout");
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(100));
        assertThat(slow.cancellations.get()).isEqualTo(1);
    }

    @Test
    void judgeSeesEverySuccessfulAnswerAnonymizedAndNoFailedOne() {
        FakeModel a = FakeModel.instant("vendor:alpha-model", "ALPHA-TEXT");
        FakeModel b = FakeModel.instant("vendor:beta-model", "BETA-TEXT");
        FakeModel c = FakeModel.failing("vendor:gamma-model", ProviderException.http(400, "invalid_request_error",
                null, "GAMMA-ERROR", null));
        FakeModel d = FakeModel.instant("vendor:delta-model", "DELTA-TEXT");
        FakeModel judge = FakeModel.instant("vendor:judge", "merged");
        Fusion fusion = Fusion.builder().panel(a, b, c, d).judge(judge).shuffleSeed(42).build();

        FusionResult r = fusion.ask("What is up?");

        String judgePrompt = judge.requests.get(0).messages().get(0).content();
        assertThat(judgePrompt).contains("ALPHA-TEXT", "BETA-TEXT", "DELTA-TEXT", "What is up?")
                .contains("Answer 1", "Answer 2", "Answer 3").doesNotContain("Answer 4")
                .doesNotContain("GAMMA", "alpha-model", "beta-model", "delta-model", "vendor");
        assertThat(judge.requests.get(0).system()).contains("judge");
        // The order the judge saw is recorded and matches the prompt.
        assertThat(r.answerOrder()).containsExactlyInAnyOrder("vendor:alpha-model", "vendor:beta-model",
                "vendor:delta-model");
        String first = r.answerOrder().get(0).equals("vendor:alpha-model") ? "ALPHA-TEXT"
                : r.answerOrder().get(0).equals("vendor:beta-model") ? "BETA-TEXT" : "DELTA-TEXT";
        assertThat(judgePrompt.indexOf("Answer 1:\n" + first)).isPositive();
        assertThat(r.shuffleSeed()).isEqualTo(42);
        assertThat(r.panel().get(2).status()).isEqualTo(CallStatus.FAILED);
        assertThat(r.panel().get(2).error().status()).isEqualTo(400);
    }

    @Test
    void shuffleOrderDependsOnlyOnTheSeed() {
        List<List<String>> orders = new ArrayList<>();
        for (long seed : new long[] {1, 1, 2, 3, 4, 5}) {
            Fusion fusion = Fusion.builder()
                    .panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b"), FakeModel.instant("p:c", "c"),
                            FakeModel.instant("p:d", "d"))
                    .judge(FakeModel.instant("p:j", "m")).shuffleSeed(seed).build();
            orders.add(fusion.ask("q").answerOrder());
        }
        assertThat(orders.get(0)).isEqualTo(orders.get(1));
        assertThat(orders.subList(1, 6).stream().distinct().count()).isGreaterThan(1);
    }

    @Test
    void ledgerPricesEveryCallAndTotalsEqualTheSum() {
        FakeModel a = FakeModel.answering("p:cheap", "a", new Usage(1000, 200, 0, 0, 300, 50), Duration.ZERO);
        FakeModel b = FakeModel.answering("p:unpriced", "b", Usage.of(10, 10), Duration.ZERO);
        FakeModel judge = FakeModel.answering("p:judge", "m", new Usage(2000, 0, 500, 100, 400, 0), Duration.ZERO);
        Fusion fusion = Fusion.builder().panel(a, b).judge(judge)
                .price("p:cheap", Price.of(dev.fusion.cost.Rates.of("0.27", "1.10").withCacheRead("0.07")))
                .price("p:judge", Price.of(dev.fusion.cost.Rates.of("3", "15").withCacheWrite("3.75").withCacheWrite1h("6")))
                .build();
        FusionResult r = fusion.ask("q");

        BigDecimal cheap = new BigDecimal("0.000669"); // (1000*0.27 + 200*0.07 + 350*1.10) / 1e6 = 669 / 1e6
        BigDecimal judgeCost = new BigDecimal("0.0141"); // (2000*3 + 400*3.75 + 100*6 + 400*15) / 1e6 = 14100 / 1e6
        assertThat(r.panel().get(0).cost().computedUsd()).isEqualByComparingTo(cheap);
        assertThat(r.panel().get(1).cost().isPriced()).isFalse();
        assertThat(r.judge().orElseThrow().cost().computedUsd()).isEqualByComparingTo(judgeCost);
        assertThat(r.totalCostUsd()).isEqualByComparingTo(cheap.add(judgeCost));
        assertThat(r.costComplete()).isFalse();
        assertThat(r.unpricedCalls()).isEqualTo(1);
        assertThat(r.totalUsage()).isEqualTo(new Usage(3010, 200, 500, 100, 710, 50));
        assertThat(r.perModel()).containsKeys("p:cheap", "p:unpriced", "p:judge");
        assertThat(r.perModel().get("p:cheap").costUsd()).isEqualByComparingTo(cheap);
        assertThat(r.perModel().get("p:unpriced").unpricedCalls()).isEqualTo(1);
    }

    @Test
    void tooFewAnswersGivesATypedFailureCarryingEveryRecord() {
        ProviderException boom = ProviderException.http(401, "authentication_error", null, "bad key", null);
        Fusion fusion = Fusion.builder().panel(FakeModel.failing("p:a", boom), FakeModel.failing("p:b", boom),
                FakeModel.instant("p:c", "c")).judge(FakeModel.instant("p:j", "m")).quorum(2).build();
        assertThatThrownBy(() -> fusion.ask("q")).isInstanceOfSatisfying(QuorumNotMetException.class, e -> {
            assertThat(e.quorum()).isEqualTo(2);
            // Once two of three failed the quorum was unreachable: the third was cancelled, not awaited.
            assertThat(e.answered()).isZero();
            assertThat(e.calls()).extracting(CallRecord::memberId).containsExactly("p:a", "p:b", "p:c");
            assertThat(e.calls().get(2).status()).isEqualTo(CallStatus.CANCELLED);
            assertThat(e.calls().get(2).error().message()).contains("can no longer be met");
            assertThat(e.calls().get(0).error().type()).isEqualTo("http_401");
            assertThat(e.getMessage()).contains("p:a failed (http_401)");
        });
    }

    @Test
    void cancellingTheAskCancelsEveryCallInFlight() throws InterruptedException {
        FakeModel a = FakeModel.never("p:a");
        FakeModel b = FakeModel.never("p:b");
        List<CallRecord> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Fusion fusion = Fusion.builder().panel(a, b).judge(FakeModel.instant("p:j", "m"))
                .listener(new FusionListener() {
                    @Override
                    public void onCallFinished(CallRecord record) {
                        seen.add(record);
                    }
                }).build();
        reactor.core.Disposable d = fusion.askAsync(FusionRequest.of("q")).subscribe();
        Eventually.holds("both calls in flight", () -> a.inFlight.get() == 1 && b.inFlight.get() == 1);
        d.dispose();
        assertThat(a.cancellations.get()).isEqualTo(1);
        assertThat(b.cancellations.get()).isEqualTo(1);
        // Listener calls run on the event thread, never on the disposing one: wait for them to be delivered.
        Eventually.holds("two listener calls", () -> seen.size() >= 2);
        assertThat(seen).hasSize(2).allMatch(c -> c.status() == CallStatus.CANCELLED);
    }
}
