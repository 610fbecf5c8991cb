package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 17 item 4: when the deadline comes before the judge starts, the judge is recorded as
 * {@code timeout} with a message saying how to fix it (not {@code every judge failed ()}).
 */
class JudgeNotStartedTest {

    @Test
    void aJudgeTheDeadlineLeftNoTimeForIsRecordedAsTimeout() {
        // The engine's timers run on a virtual clock that is never advanced, so the deadline timer
        // cannot fire: the panel's answer, on a real timer, arrives after the deadline has passed.
        // (The round itself starts within the deadline's first second: it starts as the ask does.)
        VirtualTimeScheduler frozen = VirtualTimeScheduler.create();
        FakeModel late = FakeModel.scripted("p:a", n -> Mono.delay(Duration.ofMillis(1500), Schedulers.parallel())
                .map(x -> ModelResponse.of("a", Usage.of(10, 10))));
        FakeModel judge = FakeModel.instant("p:j", "m");
        Fusion f = Fusion.builder().panel(late).judge(judge).scheduler(frozen).deadline(Duration.ofSeconds(1)).build();
        assertThatThrownBy(() -> f.askAsync(FusionRequest.of("q")).block(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(JudgeFailedException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("()");
                    CallRecord j = e.calls().stream().filter(c -> c.role() == CallRole.JUDGE).findFirst().orElseThrow();
                    assertThat(j.memberId()).isEqualTo("p:j");
                    assertThat(j.status()).isEqualTo(CallStatus.TIMEOUT);
                    assertThat(j.error().message())
                            .isEqualTo("deadline reached before the judge started; raise --timeout / deadlineMs");
                });
        assertThat(judge.calls.get()).isZero();
    }
}
