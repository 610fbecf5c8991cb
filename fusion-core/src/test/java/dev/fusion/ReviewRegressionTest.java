package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scenarios found in review of the merged engine; each failed before its fix. */
class ReviewRegressionTest {

    @Test
    void aLayeredAskDoesNotOutliveItsDeadline() throws Exception {
        // b answers round 1, then hangs; the deadline ends round 2 and round 3 must not start. In virtual
        // time: a answers 50 ms after each call, so at 300 ms the ask must be over (a wall-clock bound of
        // 1,300 ms failed on a loaded machine without a bug).
        dev.fusion.internal.VirtualTime time = new dev.fusion.internal.VirtualTime();
        FakeModel a = FakeModel.answering("p:a", "alpha", Duration.ofMillis(50), time.scheduler());
        FakeModel b = FakeModel.scripted("p:b", n -> n == 1 ? Mono.just(dev.fusion.model.ModelResponse.of("beta",
                dev.fusion.cost.Usage.of(1, 1))) : Mono.never());
        Fusion f = Fusion.builder().panel(a, b).judge(FakeModel.instant("p:j", "m")).strategy(Strategy.layered(3))
                .quorum(1).deadline(Duration.ofMillis(300)).memberTimeout(Duration.ofSeconds(3))
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).scheduler(time.scheduler()).build();
        java.util.concurrent.CompletableFuture<FusionResult> pending = VirtualAsks.advanceWhen(time, f,
                FusionRequest.of("q"), () -> a.calls.get() == 1 && b.calls.get() == 1, Duration.ofMillis(50));
        // round 1 answered at 50 ms; round 2 starts: let its calls begin, then run out the deadline
        VirtualAsks.await(() -> b.calls.get() == 2 || pending.isDone(), new java.util.concurrent.CompletableFuture<>());
        VirtualAsks.advanceToEnd(time, pending, Duration.ofMillis(250));
        FusionResult r = VirtualAsks.result(pending);
        // It ended at the deadline: still running 1 ns before it (VirtualAsks.advanceToEnd), over right after.
        assertThat(r.panel()).anyMatch(c -> c.status() == CallStatus.TIMEOUT);
        assertThat(b.calls.get()).isLessThanOrEqualTo(2); // never called for round 3
    }

    @Test
    void anExceptionInsideTheEngineEndsTheAskInsteadOfHangingIt() {
        TokenEstimator exploding = (model, text) -> {
            if (text.contains("<answer")) {
                throw new IllegalStateException("estimator broke");
            }
            return 10;
        };
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(FakeModel.instant("p:j", "m"))
                .price("p:a", Price.of("1", "1")).price("p:j", Price.of("1", "1")).budgetUsd(new BigDecimal("1"))
                .tokenEstimator(exploding).deadline(Duration.ofMillis(500)).build();
        assertThatThrownBy(() -> f.askAsync(FusionRequest.of("q")).block(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("estimator broke");
                    assertThat(e.calls()).extracting(CallRecord::memberId).contains("p:a");
                });
    }

    @Test
    void aPerRequestBudgetOverUnpricedModelsIsRefusedBeforeAnyCall() {
        FakeModel a = FakeModel.instant("p:a", "a");
        Fusion f = Fusion.builder().panel(a).judge(FakeModel.instant("p:j", "m")).build();
        assertThatThrownBy(() -> f.ask(FusionRequest.builder().prompt("q").budgetUsd(new BigDecimal("0.000001")).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("[p:a, p:j]");
        assertThat(a.calls.get()).isZero();
    }

    @Test
    void cancelledAsksGiveTheirSpendCapReservationBack() {
        // Since issue 12 a panel call cut off after its request was sent keeps its worst case as spent
        // (a provider bills what it already processed): the cap leaves room for those, and everything
        // else reserved (the judge's share, calls never sent) must come back.
        BigDecimal perCutOff = Price.of("1", "1").worstCase(
                TokenEstimator.defaultEstimator().estimate(ModelRef.parse("p:a"), "q\n"), 1000);
        java.util.concurrent.atomic.AtomicInteger cutOff = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> started =
                new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(1));
        Fusion f = Fusion.builder().panel(FakeModel.never("p:a")).judge(FakeModel.instant("p:j", "m"))
                .price("p:a", Price.of("1", "1")).price("p:j", Price.of("1", "1"))
                .maxOutputTokens(1000).judgeMaxOutputTokens(1000)
                .listener(new FusionListener() {
                    @Override
                    public void onCallStarted(String memberId, ModelRef model, CallRole role) {
                        started.get().countDown();
                    }

                    @Override
                    public void onCallFinished(CallRecord r) {
                        if (r.usageQuality() == UsageQuality.ESTIMATED) {
                            cutOff.incrementAndGet();
                        }
                    }
                })
                .spendCapUsd(new BigDecimal("0.01").add(perCutOff.multiply(BigDecimal.valueOf(40))), null).build();
        for (int i = 0; i < 20; i++) {
            f.stream(FusionRequest.of("q")).take(0).blockLast();                          // cancelled at once
            // Mid-flight: cancelled once the panel call has started (an event, not a wall-clock guess).
            java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
            started.set(latch);
            reactor.core.Disposable ask = f.askAsync(FusionRequest.of("q")).subscribe(r -> { }, e -> { });
            try {
                assertThat(latch.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            ask.dispose();
        }
        // Only the cut-off calls were spent, and nothing stays reserved: a full-size ask is still admitted.
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos(); // a bound on waiting, not a timing assertion
        while (cutOff.get() < 20 && System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertThat(cutOff.get()).isGreaterThanOrEqualTo(20);
        assertThat(f.spentUsd()).isEqualByComparingTo(perCutOff.multiply(BigDecimal.valueOf(cutOff.get())));
        Fusion probe = f;
        assertThatThrownBy(() -> probe.ask(FusionRequest.builder().prompt("q").deadline(Duration.ofMillis(200)).build()))
                .isInstanceOf(QuorumNotMetException.class); // ran (and timed out), not refused by the cap
    }

    @Test
    void providerPermitsSurviveCancellationStorms() {
        Fusion.Builder b = Fusion.builder().judge(FakeModel.instant("q:j", "m")).providerLimit("lim", 1, 0)
                .quorum(1).grace(Duration.ZERO);
        for (int i = 0; i < 3; i++) {
            b.panel(FakeModel.answering("lim:m" + i, "a" + i, Duration.ofMillis(i == 0 ? 1 : 20)));
        }
        Fusion f = b.build();
        for (int i = 0; i < 30; i++) {
            f.askAsync(FusionRequest.of("q")).timeout(Duration.ofMillis(i % 3 == 0 ? 2 : 50), Mono.empty()).block();
        }
        // Every permit came back: one more ask gets through the limit of 1 and answers.
        FusionResult r = f.askAsync(FusionRequest.of("q")).block(Duration.ofSeconds(5));
        assertThat(r).isNotNull();
        assertThat(r.answer()).isEqualTo("m");
    }

    @Test
    void aFirstJudgeCallThatCouldPassTheBudgetIsNotMade() {
        // The plan assumed answers of at most maxOutputTokens; this estimator counts the real judge prompt as huge.
        TokenEstimator estimator = (ModelRef model, String text) -> text.contains("<answer") ? 5_000_000 : 10;
        FakeModel judge = FakeModel.instant("p:j", "m");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b")).judge(judge)
                .price("p:a", Price.of("1", "1")).price("p:b", Price.of("1", "1")).price("p:j", Price.of("1", "1"))
                .budgetUsd(new BigDecimal("0.5")).tokenEstimator(estimator).onJudgeFailure(OnJudgeFailure.BEST_ANSWER)
                .build();
        FusionResult r = f.ask("q");
        assertThat(judge.calls.get()).isZero();
        assertThat(r.judged()).isFalse();
        assertThat(r.judgeCalls()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CallStatus.SKIPPED);
            assertThat(c.error().message()).contains("judges' reservation");
        });
        assertThat(r.totalCostUsd()).isLessThanOrEqualTo(new BigDecimal("0.5"));
    }
}
