package dev.fusion;

import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A blocking ask's failure is thrown on the calling thread, with the original (other thread's) failure as cause. */
class CallerSiteTest {

    /** Fails on a Reactor thread, never on the caller's. */
    private static FakeModel failingElsewhere(String ref, AtomicReference<Thread> failedOn) {
        return FakeModel.scripted(ref, n -> Mono.<ModelResponse>defer(() -> {
            failedOn.set(Thread.currentThread());
            return Mono.error(ProviderException.http(500, "server_error", null, "boom", null));
        }).subscribeOn(Schedulers.parallel()));
    }

    private static boolean hasFrameOf(Throwable t, String method) {
        return Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(CallerSiteTest.class.getName())
                && f.getMethodName().equals(method));
    }

    @Test
    void quorumFailureIsRethrownOnTheCallerWithTheOriginalAsCause() {
        AtomicReference<Thread> failedOn = new AtomicReference<>();
        Fusion fusion = Fusion.builder().panel(failingElsewhere("p:a", failedOn), failingElsewhere("p:b", failedOn))
                .judge(FakeModel.instant("p:j", "x")).retry(RetryPolicy.NONE).build();

        Throwable t = catchThrowable(() -> fusion.ask("q"));

        assertThat(failedOn.get()).isNotNull().isNotSameAs(Thread.currentThread());
        assertThat(t).isExactlyInstanceOf(QuorumNotMetException.class);
        QuorumNotMetException e = (QuorumNotMetException) t;
        assertThat(hasFrameOf(e, "quorumFailureIsRethrownOnTheCallerWithTheOriginalAsCause")).isTrue();
        assertThat(e.getCause()).isExactlyInstanceOf(QuorumNotMetException.class).isNotSameAs(e);
        QuorumNotMetException original = (QuorumNotMetException) e.getCause();
        assertThat(e.getMessage()).isEqualTo(original.getMessage());
        assertThat(e.calls()).isEqualTo(original.calls());
        assertThat(e.quorum()).isEqualTo(original.quorum());
        assertThat(e.answered()).isEqualTo(original.answered());
    }

    @Test
    void theEventOverloadRethrowsOnTheCallerToo() {
        AtomicReference<Thread> failedOn = new AtomicReference<>();
        Fusion fusion = Fusion.builder().panel(failingElsewhere("p:a", failedOn), failingElsewhere("p:b", failedOn))
                .judge(FakeModel.instant("p:j", "x")).retry(RetryPolicy.NONE).build();

        Throwable t = catchThrowable(() -> fusion.ask(FusionRequest.of("q"), event -> { }));

        assertThat(t).isExactlyInstanceOf(QuorumNotMetException.class);
        assertThat(hasFrameOf(t, "theEventOverloadRethrowsOnTheCallerToo")).isTrue();
        assertThat(t.getCause()).isExactlyInstanceOf(QuorumNotMetException.class).isNotSameAs(t);
    }

    @Test
    void typesThatCannotBeCopiedKeepTheirIdentityAndGainTheCallersStackAsSuppressed() {
        RuntimeException odd = new UnsupportedOperationException("odd");
        RuntimeException thrown = CallerSite.rethrow(odd);
        assertThat(thrown).isSameAs(odd);
        assertThat(odd.getSuppressed()).hasSize(1);
        assertThat(hasFrameOf(odd.getSuppressed()[0],
                "typesThatCannotBeCopiedKeepTheirIdentityAndGainTheCallersStackAsSuppressed")).isTrue();

        BudgetExceededException budget = new BudgetExceededException("too small", java.math.BigDecimal.ONE,
                java.math.BigDecimal.TEN);
        RuntimeException copy = CallerSite.rethrow(budget);
        assertThat(copy).isExactlyInstanceOf(BudgetExceededException.class).hasMessage("too small").hasCause(budget);
        assertThat(((BudgetExceededException) copy).neededUsd()).isEqualTo(java.math.BigDecimal.TEN);
    }
}
