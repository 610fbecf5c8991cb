package dev.fusion;

import dev.fusion.internal.VirtualTime;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResilienceTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(40),
            Duration.ofSeconds(2), 0.25);

    private static ProviderException status(int code, Duration retryAfter) {
        return ProviderException.http(code, "err", null, "status " + code, retryAfter);
    }

    private Fusion fusion(FakeModel member, RetryPolicy retry) {
        return Fusion.builder().panel(member, FakeModel.instant("p:ok", "ok")).judge(FakeModel.instant("p:j", "m"))
                .retry(retry).build();
    }

    @Test
    void retryableStatusesAreRetriedAndAttemptsRecorded() {
        for (int code : new int[] {408, 409, 429, 500, 503, 529}) {
            FakeModel m = FakeModel.failingThen("p:flaky", 2, status(code, null), "fine");
            CallRecord r = fusion(m, FAST).ask("q").panel().get(0);
            assertThat(r.status()).as("status %d", code).isEqualTo(CallStatus.OK);
            assertThat(r.attempts()).as("attempts for %d", code).isEqualTo(3);
            assertThat(r.text()).isEqualTo("fine");
            assertThat(r.retryDelay()).isPositive();
        }
    }

    @Test
    void finalStatusesAreNeverRetried() {
        for (int code : new int[] {400, 401, 403, 404, 422}) {
            FakeModel m = FakeModel.failingThen("p:bad", 1, status(code, null), "never");
            CallRecord r = fusion(m, FAST).ask("q").panel().get(0);
            assertThat(r.status()).isEqualTo(CallStatus.FAILED);
            assertThat(r.attempts()).as("attempts for %d", code).isEqualTo(1);
            assertThat(r.error().status()).isEqualTo(code);
            assertThat(r.error().retryable()).isFalse();
        }
    }

    @Test
    void retryAfterFromTheServerIsHonoured() {
        FakeModel m = FakeModel.failingThen("p:limited", 1, status(429, Duration.ofMillis(300)), "fine");
        long t0 = System.nanoTime();
        CallRecord r = fusion(m, FAST).ask("q").panel().get(0);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(290);
        assertThat(r.retryDelay()).isEqualTo(Duration.ofMillis(300));
        assertThat(r.attempts()).isEqualTo(2);
    }

    @Test
    void aServerDelayAboveTheCapFailsFastInsteadOfSleeping() throws Exception {
        // In virtual time that never moves: a sleep of any length would hang the ask, so finishing at all
        // proves it did not wait (a wall-clock bound of 1 s failed on a loaded machine without a bug).
        VirtualTime time = new VirtualTime();
        FakeModel m = FakeModel.failingThen("p:quota", 1, status(429, Duration.ofHours(1)), "never");
        Fusion f = Fusion.builder().panel(m, FakeModel.instant("p:ok", "ok")).judge(FakeModel.instant("p:j", "m"))
                .retry(FAST).scheduler(time.scheduler()).build();
        CallRecord r = VirtualAsks.result(f.askAsync(FusionRequest.of("q")).toFuture()).panel().get(0);
        assertThat(time.elapsed()).isZero();
        assertThat(r.status()).isEqualTo(CallStatus.FAILED);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.error().type()).isEqualTo("http_429");
    }

    @Test
    void aRetryThatWouldOutliveTheMemberTimeoutIsNotStarted() throws Exception {
        VirtualTime time = new VirtualTime();
        FakeModel m = FakeModel.failingThen("p:limited", 1, status(503, Duration.ofMillis(1500)), "never");
        Fusion f = Fusion.builder().member(Member.of(m).withTimeout(Duration.ofMillis(500)))
                .panel(FakeModel.instant("p:ok", "ok")).judge(FakeModel.instant("p:j", "m")).retry(FAST)
                .scheduler(time.scheduler()).build();
        CallRecord r = VirtualAsks.result(f.askAsync(FusionRequest.of("q")).toFuture()).panel().get(0);
        assertThat(time.elapsed()).isZero(); // failed at once, without waiting for the timeout
        assertThat(r.status()).isEqualTo(CallStatus.FAILED);
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void retriesStopAtMaxRetries() {
        FakeModel m = FakeModel.failingThen("p:down", 99, status(500, null), "never");
        CallRecord r = fusion(m, FAST).ask("q").panel().get(0);
        assertThat(r.status()).isEqualTo(CallStatus.FAILED);
        assertThat(r.attempts()).isEqualTo(4);
        assertThat(m.calls.get()).isEqualTo(4);
    }

    @Test
    void fallbackJudgeAnswersWhenTheFirstFails() {
        FakeModel j1 = FakeModel.failing("p:j1", status(401, null));
        FakeModel j2 = FakeModel.instant("p:j2", "from the fallback");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(j1).fallbackJudge(j2).build();
        FusionResult r = f.ask("q");
        assertThat(r.answer()).isEqualTo("from the fallback");
        assertThat(r.judged()).isTrue();
        assertThat(r.judgeCalls()).extracting(c -> c.status().wireName()).containsExactly("failed", "ok");
        assertThat(r.judge().orElseThrow().memberId()).isEqualTo("p:j2");
        assertThat(r.notes()).anyMatch(n -> n.contains("falling back to p:j2"));
    }

    @Test
    void everyJudgeFailingFailsWithAllRecordsByDefault() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"))
                .judge(FakeModel.failing("p:j1", status(500, null)))
                .fallbackJudge(FakeModel.failing("p:j2", status(401, null))).judgeRetry(RetryPolicy.NONE).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOfSatisfying(JudgeFailedException.class, e -> {
            assertThat(e.calls()).extracting(CallRecord::memberId).containsExactly("p:a", "p:j1", "p:j2");
            assertThat(e.getMessage()).contains("p:j1 failed (http_500)", "p:j2 failed (http_401)");
        });
    }

    @Test
    void bestAnswerDegradationPicksTheAnswerThatAgreesMost() {
        Fusion f = Fusion.builder()
                .panel(FakeModel.instant("p:odd", "Bananas grow on trees"),
                        FakeModel.instant("p:b", "The capital of France is Paris, a city on the Seine"),
                        FakeModel.instant("p:c", "Paris is the capital of France and lies on the Seine"))
                .judge(FakeModel.failing("p:j", status(400, null)))
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).build();
        FusionResult r = f.ask("q");
        assertThat(r.judged()).isFalse();
        // b and c agree equally with each other and not at all with the outlier: the tie goes to b (panel order).
        assertThat(r.answer()).startsWith("The capital of France");
        assertThat(r.judgeCalls()).singleElement().satisfies(c -> assertThat(c.status()).isEqualTo(CallStatus.FAILED));
    }

    @Test
    void aFailureThatWasBilledKeepsItsUsageAndCost() {
        ProviderException empty = new ProviderException(ProviderException.Kind.EMPTY_ANSWER, -1, "empty_answer", null,
                false, null, null, dev.fusion.cost.Usage.of(1000, 0).plus(new dev.fusion.cost.Usage(0, 0, 0, 0, 0, 500)),
                "finish_reason length: the whole budget went to reasoning", null);
        Fusion f = Fusion.builder().panel(FakeModel.failing("p:thinker", empty), FakeModel.instant("p:ok", "ok"))
                .judge(FakeModel.instant("p:j", "m")).price("p:thinker", dev.fusion.cost.Price.of("1", "10")).build();
        CallRecord r = f.ask("q").panel().get(0);
        assertThat(r.status()).isEqualTo(CallStatus.FAILED);
        assertThat(r.usage().reasoning()).isEqualTo(500);
        assertThat(r.cost().computedUsd()).isEqualByComparingTo("0.006"); // (1000 x 1 + 500 x 10) / 1e6
    }

    @Test
    void nonProviderExceptionsAreRecordedNotThrown() {
        FakeModel m = FakeModel.scripted("p:buggy", n -> Mono.error(new IllegalStateException("kaboom")));
        CallRecord r = fusion(m, FAST).ask("q").panel().get(0);
        assertThat(r.status()).isEqualTo(CallStatus.FAILED);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.error().message()).contains("IllegalStateException", "kaboom");
    }

    @Test
    void providerLimitQueuesCallsAndRecordsTheWait() {
        FakeModel[] ms = new FakeModel[6];
        Fusion.Builder b = Fusion.builder().judge(FakeModel.instant("q:j", "m")).providerLimit("lim", 2, 0);
        for (int i = 0; i < ms.length; i++) {
            ms[i] = FakeModel.answering("lim:m" + i, "a" + i, Duration.ofMillis(100));
            b.panel(ms[i]);
        }
        java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
        b.listener(new FusionListener() {
            @Override
            public void onCallStarted(String id, dev.fusion.model.ModelRef model, CallRole role) {
                if (model.provider().equals("lim")) {
                    peak.accumulateAndGet(live.incrementAndGet(), Math::max);
                }
            }

            @Override
            public void onCallFinished(CallRecord r) {
                if (r.model().provider().equals("lim")) {
                    live.decrementAndGet();
                }
            }
        });
        FusionResult r = b.build().ask("q");
        assertThat(r.panel()).allMatch(CallRecord::isOk);
        assertThat(peak.get()).isEqualTo(2);
        assertThat(r.panel().stream().filter(c -> c.queued().toMillis() >= 150).count()).isGreaterThanOrEqualTo(2);
    }
}
