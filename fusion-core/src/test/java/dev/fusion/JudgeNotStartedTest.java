package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 17 item 4: when the deadline comes before the judge starts, the judge is recorded as
 * {@code timeout} with a message saying how to fix it (not {@code every judge failed ()}).
 */
class JudgeNotStartedTest {

    @Test
    void aJudgeTheDeadlineLeftNoTimeForIsRecordedAsTimeout() {
        // The engine's timers are frozen (a virtual clock that is never advanced, so the deadline timer
        // cannot fire), while the clock the engine reads the time left on jumps 1.5 s as the panel
        // answers: the answer arrives after the deadline has passed, before its timer could say so.
        // (The round itself starts at time 0, within the deadline.)
        FrozenTimers frozen = new FrozenTimers();
        FakeModel late = FakeModel.scripted("p:a", n -> Mono.fromSupplier(() -> {
            frozen.jump(Duration.ofMillis(1500));
            return ModelResponse.of("a", Usage.of(10, 10));
        }));
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

    /**
     * A scheduler whose timers never fire (they go to a virtual-time scheduler nobody advances) and
     * whose clock ({@link #now}) moves only when the test {@link #jump jumps} it.
     */
    private static final class FrozenTimers implements Scheduler {
        private final VirtualTimeScheduler timers = VirtualTimeScheduler.create();
        private final AtomicLong nanos = new AtomicLong();

        void jump(Duration d) {
            nanos.addAndGet(d.toNanos());
        }

        @Override
        public long now(TimeUnit unit) {
            return unit.convert(nanos.get(), TimeUnit.NANOSECONDS);
        }

        @Override
        public Disposable schedule(Runnable task) {
            return timers.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return timers.schedule(task, delay, unit);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return timers.schedulePeriodically(task, initialDelay, period, unit);
        }

        @Override
        public Worker createWorker() {
            return timers.createWorker();
        }
    }
}
