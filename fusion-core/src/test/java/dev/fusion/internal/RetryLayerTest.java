package dev.fusion.internal;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The retry decorator waits each delay on the injected scheduler and nowhere else: in virtual time the
 * attempt is subscribed again exactly when the delay has passed on the clock, never a nanosecond before.
 */
class RetryLayerTest {

    private final VirtualTime time = new VirtualTime();

    @Test
    void eachRetryStartsWhenItsDelayHasPassedOnTheScheduler() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Mono<String> attempt = Mono.defer(() -> attempts.incrementAndGet() < 3
                ? Mono.error(new IllegalStateException("attempt " + attempts.get())) : Mono.just("ok"));
        List<String> seen = new ArrayList<>();
        RetryLayer.Policy policy = (failure, retry) -> {
            seen.add(retry + ":" + failure.getMessage());
            return RetryLayer.Decision.retryAfter(Duration.ofSeconds(retry));
        };

        CompletableFuture<String> result = RetryLayer.around(attempt, policy, time.scheduler()).toFuture();
        time.awaitQuiet();
        assertThat(attempts).hasValue(1);

        step(Duration.ofSeconds(1).minusNanos(1));
        assertThat(attempts).as("1 ns before the first delay").hasValue(1);
        step(Duration.ofNanos(1));
        assertThat(attempts).as("at the first delay").hasValue(2);
        step(Duration.ofSeconds(2).minusNanos(1));
        assertThat(attempts).as("1 ns before the second delay").hasValue(2);
        assertThat(result).isNotDone();
        step(Duration.ofNanos(1));

        assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(attempts).hasValue(3);
        assertThat(seen).containsExactly("1:attempt 1", "2:attempt 2");
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aFailDecisionEndsWithItsErrorAndNoFurtherAttempt() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Mono<String> attempt = Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.error(new IllegalStateException("down"));
        });
        IllegalArgumentException stop = new IllegalArgumentException("not retried: down");

        CompletableFuture<String> result = RetryLayer.around(attempt,
                (failure, retry) -> RetryLayer.Decision.fail(stop), time.scheduler()).toFuture();
        time.awaitQuiet();

        assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isSameAs(stop);
        assertThat(attempts).hasValue(1);
        assertThat(time.awaitQuiet()).as("no timer left armed").isNull();
    }

    @Test
    void aDecisionIsADelayOrAnErrorExactlyOne() {
        assertThatThrownBy(() -> new RetryLayer.Decision(null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryLayer.Decision(Duration.ZERO, new RuntimeException()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void step(Duration d) throws InterruptedException {
        time.awaitQuiet();
        time.advance(d);
        time.awaitQuiet();
    }
}
