package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 item 3: events and listener calls run after the ask's lock is released. Each test blocks
 * user code on a latch that only the engine's progress on other threads can open; before the fix
 * the blocked code held the lock and that progress could not happen (the latch timed out).
 * Nothing here measures wall-clock time: the timeouts only bound a failing run.
 */
class NoUserCodeUnderLockTest {

    private static final long BOUND_S = 10;
    private final ExecutorService other = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-other"));
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-io"));

    @AfterEach
    void stop() {
        other.shutdownNow();
        io.shutdownNow();
    }

    private static ModelResponse answer(String text) {
        return ModelResponse.of(text, Usage.of(100, 50));
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(BOUND_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void aStreamConsumerBlockedInOnEventDelaysNeitherOtherMembersNorTheJudge() {
        Sinks.One<ModelResponse> aDone = Sinks.one();
        Sinks.One<ModelResponse> bDone = Sinks.one();
        Sinks.One<ModelResponse> cDone = Sinks.one();
        CountDownLatch judgeCalled = new CountDownLatch(1);
        FakeModel a = FakeModel.scripted("p:a", n -> aDone.asMono());
        FakeModel b = FakeModel.scripted("p:b", n -> bDone.asMono());
        FakeModel c = FakeModel.scripted("p:c", n -> cDone.asMono());
        FakeModel judge = FakeModel.deferred("p:judge", r -> Mono.fromSupplier(() -> {
            judgeCalled.countDown();
            return answer("merged");
        }));
        Fusion f = Fusion.builder().panel(a, b, c).judge(judge).build();

        List<FusionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch consumerBlocked = new CountDownLatch(1);
        AtomicBoolean judgeStartedWhileBlocked = new AtomicBoolean();
        CountDownLatch completed = new CountDownLatch(1);
        f.stream(FusionRequest.of("q")).subscribe(e -> {
            events.add(e);
            if (e instanceof FusionEvent.MemberAnswered m && m.record().model().equals(a.ref())) {
                consumerBlocked.countDown();
                judgeStartedWhileBlocked.set(await(judgeCalled)); // "a second or more" in onEvent
            }
        }, err -> completed.countDown(), completed::countDown);

        other.execute(() -> aDone.tryEmitValue(answer("alpha"))); // that thread delivers to the consumer and blocks
        assertThat(await(consumerBlocked)).isTrue();
        // While the consumer is blocked: the other members complete on this thread and the judge starts.
        bDone.tryEmitValue(answer("beta"));
        cDone.tryEmitValue(answer("gamma"));
        assertThat(await(judgeCalled)).as("the judge started while the consumer was blocked").isTrue();
        assertThat(await(completed)).isTrue();
        assertThat(judgeStartedWhileBlocked).isTrue();

        // The queued events still arrive in the documented order, each once.
        assertThat(events.get(events.size() - 1)).isInstanceOf(FusionEvent.Completed.class);
        int judgeStart = indexOf(events, FusionEvent.JudgeStarted.class);
        assertThat(events.subList(0, judgeStart)).hasSize(6)
                .allMatch(e -> e instanceof FusionEvent.MemberStarted || e instanceof FusionEvent.MemberAnswered);
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.MemberAnswered).hasSize(3);
        assertThat(((FusionEvent.Completed) events.get(events.size() - 1)).result().answer()).isEqualTo("merged");
    }

    @Test
    void aListenerBlockedInOnCallStartedDelaysNeitherOtherMembersNorTheJudge() {
        Sinks.One<ModelResponse> aDone = Sinks.one();
        Sinks.One<ModelResponse> bDone = Sinks.one();
        CountDownLatch judgeCalled = new CountDownLatch(1);
        CountDownLatch bStarted = new CountDownLatch(1);
        FakeModel a = FakeModel.scripted("p:a", n -> aDone.asMono());
        FakeModel b = FakeModel.deferred("p:b", r -> {
            bStarted.countDown();
            return bDone.asMono();
        });
        FakeModel judge = FakeModel.deferred("p:judge", r -> Mono.fromSupplier(() -> {
            judgeCalled.countDown();
            return answer("merged");
        }));
        CountDownLatch listenerBlocked = new CountDownLatch(1);
        AtomicBoolean judgeStartedWhileBlocked = new AtomicBoolean();
        List<String> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
        Fusion f = Fusion.builder().panel(a, b).judge(judge).listener(new FusionListener() {
            @Override
            public void onCallStarted(String memberId, dev.fusion.model.ModelRef model, CallRole role) {
                if (model.equals(a.ref())) {
                    listenerBlocked.countDown();
                    judgeStartedWhileBlocked.set(await(judgeCalled));
                }
            }

            @Override
            public void onCallFinished(CallRecord record) {
                finished.add(record.model().toString());
            }
        }).build();

        AtomicReference<FusionResult> result = new AtomicReference<>();
        CountDownLatch completed = new CountDownLatch(1);
        // Subscribed on another thread: the thread that starts the panel is the one the listener blocks.
        other.execute(() -> f.askAsync(FusionRequest.of("q")).subscribe(result::set, e -> completed.countDown(),
                completed::countDown));
        assertThat(await(listenerBlocked)).isTrue();
        assertThat(await(bStarted)).as("member b started while a's listener was blocked").isTrue();
        aDone.tryEmitValue(answer("alpha"));
        bDone.tryEmitValue(answer("beta"));
        assertThat(await(judgeCalled)).as("the judge started while the listener was blocked").isTrue();
        assertThat(await(completed)).isTrue();
        assertThat(judgeStartedWhileBlocked).isTrue();
        assertThat(result.get().answer()).isEqualTo("merged");
        assertThat(finished).containsExactlyInAnyOrder("p:a", "p:b", "p:judge");
    }

    /**
     * A consumer that asks again from inside {@code onEvent}, on the same Fusion, while the outer
     * ask's next answer is delivered by the single thread that also delivers the nested ask's answers
     * (an event loop): before the fix that thread waited for the outer ask's lock, held by the
     * consumer waiting for the nested ask — a deadlock, ended only by the nested deadline.
     */
    @Test
    void aConsumerAskingAgainFromOnEventDoesNotDeadlock() {
        Sinks.One<ModelResponse> aOuter = Sinks.one();
        Sinks.One<ModelResponse> bOuter = Sinks.one();
        FakeModel a = FakeModel.deferred("p:a", r -> r.lastUserText().equals("outer") ? aOuter.asMono() : viaIo("a-nested"));
        FakeModel b = FakeModel.deferred("p:b", r -> r.lastUserText().equals("outer") ? bOuter.asMono() : viaIo("b-nested"));
        FakeModel judge = FakeModel.deferred("p:judge", r -> viaIo("merged"));
        Fusion f = Fusion.builder().panel(a, b).judge(judge).build();

        AtomicReference<Object> nested = new AtomicReference<>();
        AtomicReference<FusionResult> outer = new AtomicReference<>();
        AtomicReference<Throwable> outerError = new AtomicReference<>();
        CountDownLatch completed = new CountDownLatch(1);
        f.stream(FusionRequest.of("outer")).subscribe(e -> {
            if (e instanceof FusionEvent.MemberAnswered m && m.record().model().equals(a.ref())) {
                io.execute(() -> bOuter.tryEmitValue(answer("beta"))); // the outer ask's next answer, on io
                try {
                    nested.set(f.ask(FusionRequest.builder().prompt("nested")
                            .deadline(java.time.Duration.ofSeconds(BOUND_S)).build()));
                } catch (RuntimeException ex) {
                    nested.set(ex);
                }
            } else if (e instanceof FusionEvent.Completed c) {
                outer.set(c.result());
            }
        }, err -> {
            outerError.set(err);
            completed.countDown();
        }, completed::countDown);
        other.execute(() -> aOuter.tryEmitValue(answer("alpha"))); // the consumer runs on that thread

        assertThat(await(completed)).isTrue();
        assertThat(outerError.get()).isNull();
        assertThat(nested.get()).isInstanceOf(FusionResult.class);
        assertThat(((FusionResult) nested.get()).answer()).isEqualTo("merged");
        assertThat(outer.get().answer()).isEqualTo("merged");
        assertThat(outer.get().calls()).extracting(CallRecord::text).contains("alpha", "beta");
    }

    private Mono<ModelResponse> viaIo(String text) {
        return Mono.create(s -> io.execute(() -> s.success(answer(text))));
    }

    private static int indexOf(List<FusionEvent> events, Class<?> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
