package dev.fusion;

import dev.fusion.internal.VirtualTime;
import dev.fusion.judge.AgreementRule;
import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a strategy waits for asynchronously (the cascade's agreement rule, through the engine's
 * {@code StrategyContext.await}) is bounded by the ask's deadline, in virtual time, and disposed of when the
 * ask is cancelled.
 */
class CascadeAgreementWaitTest {

    /** A rule that never decides; counts its subscriptions and cancellations. */
    private static final class SilentRule implements AgreementRule {
        final CountDownLatch subscribed = new CountDownLatch(1);
        final CountDownLatch cancelledLatch = new CountDownLatch(1);
        final AtomicInteger cancelled = new AtomicInteger();

        @Override
        public Mono<List<Integer>> largestAgreeingGroup(String question, List<String> answers) {
            return Mono.<List<Integer>>never().doOnSubscribe(s -> subscribed.countDown()).doOnCancel(() -> {
                cancelled.incrementAndGet();
                cancelledLatch.countDown();
            });
        }

        @Override
        public String name() {
            return "silent";
        }
    }

    @Test
    void aRuleThatNeverDecidesIsCutOffByTheDeadlineAndTheAnswersCountAsDisagreeing() throws Exception {
        VirtualTime time = new VirtualTime();
        SilentRule rule = new SilentRule();
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "x"), FakeModel.instant("p:b", "x"))
                .judge(judge).strategy(Strategy.cascade(rule, 2)).deadline(Duration.ofSeconds(10))
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).scheduler(time.scheduler()).build();

        CompletableFuture<FusionResult> result = f.askAsync(FusionRequest.of("q")).toFuture();
        assertThat(rule.subscribed.await(10, TimeUnit.SECONDS)).as("the rule was asked").isTrue();
        assertThat(time.awaitNextTimer()).isEqualTo(Duration.ofSeconds(10)); // the deadline, and the wait bounded by it
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(10));

        FusionResult r = result.get(10, TimeUnit.SECONDS);
        assertThat(rule.cancelled.get()).as("the wait was cut off once").isEqualTo(1);
        assertThat(r.notes()).anyMatch(n -> n.startsWith("agreement rule silent failed (")
                && n.contains("TimeoutException") && n.endsWith("treating the answers as disagreeing"));
        assertThat(r.cascade().orElseThrow().path()).isEqualTo("judged");
        assertThat(judge.calls.get()).as("no time was left for the judge").isZero();
        assertThat(r.judged()).isFalse();
        assertThat(r.answer()).isEqualTo("x");
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void cancellingTheAskDisposesOfTheWait() throws Exception {
        VirtualTime time = new VirtualTime();
        SilentRule rule = new SilentRule();
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "x"), FakeModel.instant("p:b", "x"))
                .judge(judge).strategy(Strategy.cascade(rule, 2)).deadline(Duration.ofSeconds(10))
                .scheduler(time.scheduler()).build();

        Disposable ask = f.askAsync(FusionRequest.of("q")).subscribe();
        assertThat(rule.subscribed.await(10, TimeUnit.SECONDS)).as("the rule was asked").isTrue();
        ask.dispose();

        assertThat(rule.cancelledLatch.await(10, TimeUnit.SECONDS)).as("the rule's wait was disposed of").isTrue();
        assertThat(rule.cancelled.get()).isEqualTo(1);
        assertThat(judge.calls.get()).isZero();
        assertThat(time.elapsed()).isEqualTo(Duration.ZERO);
    }
}
