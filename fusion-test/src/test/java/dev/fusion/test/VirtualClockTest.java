package dev.fusion.test;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.QuorumNotMetException;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Asks in virtual time: latencies, deadlines and retry backoff pass exactly, with no real wait. */
class VirtualClockTest {

    private final VirtualClock clock = new VirtualClock();

    @Test
    void anAskTakesExactlyItsVirtualLatencies() {
        Fusion fusion = Fusion.builder()
                .panel(FakeChatModel.on(clock, "fake:a").answer("4", Duration.ofSeconds(2)).build(),
                        FakeChatModel.on(clock, "fake:b").answer("four", Duration.ofSeconds(3)).build())
                .judge(FakeChatModel.on(clock, "fake:judge").answer("Four.", Duration.ofSeconds(1)).build())
                .scheduler(clock.scheduler()).build();
        java.util.concurrent.atomic.AtomicReference<Duration> doneAt = new java.util.concurrent.atomic.AtomicReference<>();
        FusionResult r = clock.run(fusion.askAsync("2 + 2?").doOnSuccess(x -> doneAt.set(clock.elapsed())));
        assertThat(r.answer()).isEqualTo("Four.");
        assertThat(r.panel()).extracting(CallRecord::text).containsExactly("4", "four");
        // The panel's slowest member (3 s), then the judge (1 s): 4 s of virtual time, to the nanosecond.
        assertThat(doneAt.get()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void theDeadlineFiresAtItsVirtualInstant() {
        FakeChatModel stuck = FakeChatModel.on(clock, "fake:stuck").never().build();
        Fusion fusion = Fusion.builder()
                .panel(FakeChatModel.on(clock, "fake:a").answer("a", Duration.ofSeconds(1)).build(), stuck)
                .judge(FakeChatModel.on(clock, "fake:judge").answer("j", Duration.ofSeconds(1)).build())
                .quorum(2).deadline(Duration.ofMinutes(10)).memberTimeout(Duration.ofHours(1))
                .scheduler(clock.scheduler()).build();
        java.util.concurrent.atomic.AtomicReference<Duration> endedAt = new java.util.concurrent.atomic.AtomicReference<>();
        assertThatThrownBy(() -> clock.run(fusion.askAsync("q").doOnError(x -> endedAt.set(clock.elapsed()))))
                .isInstanceOfSatisfying(QuorumNotMetException.class, e -> assertThat(e.calls())
                        .extracting(CallRecord::status).containsExactly(CallStatus.OK, CallStatus.TIMEOUT));
        assertThat(endedAt.get()).isEqualTo(Duration.ofMinutes(10));
        assertThat(stuck.cancellations()).isEqualTo(1);
    }

    @Test
    void retryBackoffRunsOnTheClock() {
        FakeChatModel flaky = FakeChatModel.on(clock, "fake:flaky")
                .fail(ProviderException.http(429, "rate_limit", null, "slow down", Duration.ofSeconds(3)), Duration.ofMillis(100))
                .answer("ok", Duration.ofSeconds(1)).build();
        Fusion fusion = Fusion.builder().panel(flaky)
                .judge(FakeChatModel.on(clock, "fake:judge").answer("j", Duration.ofSeconds(1)).build())
                .retry(RetryPolicy.retries(1)).scheduler(clock.scheduler()).build();
        FusionResult r = clock.run(fusion.askAsync(FusionRequest.of("q")));
        CallRecord member = r.panel().get(0);
        assertThat(member.attempts()).isEqualTo(2);
        assertThat(member.retryDelay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(flaky.calls()).isEqualTo(2);
        // The failed attempt's 100 ms, the server's 3 s wait, the second attempt's 1 s, the judge's 1 s.
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(5_100));
    }

    @Test
    void advanceMovesTimeByHand() {
        FakeChatModel slow = FakeChatModel.on(clock, "fake:slow").answer("late", Duration.ofSeconds(30)).build();
        var pending = slow.call(dev.fusion.model.ModelRequest.builder().messages(
                java.util.List.of(dev.fusion.model.ChatMessage.user("q"))).build()).toFuture();
        clock.advance(Duration.ofSeconds(29));
        assertThat(pending).isNotDone();
        assertThat(clock.advanceToNextTimer()).isEqualTo(Duration.ofSeconds(1));
        assertThat(pending.join().text()).isEqualTo("late");
    }
}
