package dev.fusion;

import dev.fusion.internal.VirtualTime;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 item 6: the engine works out what is left of the ask's deadline and of a call's timeout on
 * the scheduler's clock, the clock its deadline and timeout timers run on, so deadline logic can be
 * tested in virtual time (no sleeps, no wall-clock bounds): here the ask runs on a {@link VirtualTime}
 * scheduler and only virtual time passes.
 */
class DeadlineInVirtualTimeTest {

    @Test
    void aRetryAfterIsWeighedAgainstTheDeadlineLeftInVirtualTime() throws Exception {
        VirtualTime time = new VirtualTime();
        Sinks.One<ModelResponse> reply = Sinks.one();
        CountDownLatch called = new CountDownLatch(1);
        FakeModel limited = FakeModel.scripted("p:b", n -> {
            called.countDown();
            return reply.asMono();
        });
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"), limited).judge(FakeModel.instant("p:j", "m"))
                .deadline(Duration.ofSeconds(10)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();

        CompletableFuture<FusionResult> result = f.askAsync(FusionRequest.of("q")).toFuture();
        assertThat(called.await(10, TimeUnit.SECONDS)).as("p:b was called").isTrue();
        time.advance(Duration.ofSeconds(8)); // no timer is due yet: the deadline is at 10 s
        // 8 s (virtual) into the ask p:b is rate-limited for 3 s: only 2 s of the deadline are left, so
        // it fails at once with the provider's cause. Read on the real clock, ~10 s would seem left and
        // the call would wait 3 s of virtual time that never pass.
        reply.tryEmitError(ProviderException.http(429, "rate_limit", null, "slow down", Duration.ofSeconds(3)));

        FusionResult r = result.get(10, TimeUnit.SECONDS);
        CallRecord b = r.panel().get(1);
        assertThat(b.status()).isEqualTo(CallStatus.FAILED);
        assertThat(b.error().type()).isEqualTo("http_429");
        assertThat(b.error().message()).contains("3000 ms", "but only 2000 ms are left before the ask deadline");
        assertThat(b.attempts()).isEqualTo(1);
        assertThat(limited.calls.get()).isEqualTo(1);
        assertThat(r.answer()).isEqualTo("m");
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(8));
    }
}
