package dev.fusion;

import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: a server-requested delay (Retry-After) longer than the time left fails the call at once
 * with the provider's cause, the delay asked and the time left, instead of sleeping into the
 * deadline and recording {@code timeout}.
 */
class RetryAfterBeyondTimeLeftTest {

    private static ProviderException rateLimited(Duration retryAfter) {
        return ProviderException.http(429, "rate_limit", null, "slow down", retryAfter);
    }

    @Test
    void beyondTheAskDeadlineFailsAtOnceWithTheProvidersCause() {
        FakeModel limited = FakeModel.failing("p:b", rateLimited(Duration.ofSeconds(20)));
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a"), limited)
                .judge(FakeModel.instant("p:j", "m")).deadline(Duration.ofSeconds(2))
                .memberTimeout(Duration.ofSeconds(60)).build().ask("q");
        CallRecord b = r.panel().get(1);
        assertThat(b.status()).isEqualTo(CallStatus.FAILED);
        assertThat(b.error().type()).isEqualTo("http_429");
        assertThat(b.error().message()).contains("20000 ms", "Retry-After", "left before the ask deadline");
        assertThat(b.attempts()).isEqualTo(1);
        assertThat(b.retryDelay()).isZero();
        assertThat(limited.calls.get()).isEqualTo(1);
    }

    @Test
    void beyondTheCallTimeoutFailsAtOnceToo() {
        FakeModel limited = FakeModel.failing("p:b", rateLimited(Duration.ofSeconds(20)));
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a"), limited)
                .judge(FakeModel.instant("p:j", "m")).deadline(Duration.ofSeconds(60))
                .memberTimeout(Duration.ofSeconds(2)).build().ask("q");
        CallRecord b = r.panel().get(1);
        assertThat(b.status()).isEqualTo(CallStatus.FAILED);
        assertThat(b.error().type()).isEqualTo("http_429");
        assertThat(b.error().message()).contains("20000 ms", "left of the call timeout");
    }

    @Test
    void aDelayThatFitsIsStillHonoured() {
        FakeModel limited = FakeModel.failingThen("p:b", 1, rateLimited(Duration.ofMillis(1)), "b");
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a"), limited)
                .judge(FakeModel.instant("p:j", "m")).build().ask("q");
        assertThat(r.panel().get(1).status()).isEqualTo(CallStatus.OK);
        assertThat(r.panel().get(1).attempts()).isEqualTo(2);
    }
}
