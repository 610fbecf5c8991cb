package dev.fusion;

import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class StreamTest {

    @Test
    void eventsArriveInTheDocumentedOrderAndDeltasConcatenateToTheAnswer() {
        FakeModel a = FakeModel.answering("p:a", "alpha", Duration.ofMillis(10));
        FakeModel b = FakeModel.failing("p:b", ProviderException.http(400, "x", null, "no", null));
        FakeModel judge = FakeModel.streaming("p:judge", "the merged answer is here", Duration.ofMillis(5));
        Fusion f = Fusion.builder().panel(a, b).judge(judge).build();

        List<FusionEvent> events = f.stream(FusionRequest.of("q")).collectList().block();

        assertThat(events).isNotNull();
        assertThat(events.get(events.size() - 1)).isInstanceOf(FusionEvent.Completed.class);
        int judgeStart = indexOf(events, FusionEvent.JudgeStarted.class);
        for (int i = 0; i < judgeStart; i++) {
            assertThat(events.get(i)).isInstanceOfAny(FusionEvent.MemberStarted.class, FusionEvent.MemberAnswered.class,
                    FusionEvent.MemberFailed.class);
        }
        assertThat(indexOf(events, FusionEvent.MemberStarted.class)).isLessThan(indexOf(events, FusionEvent.MemberAnswered.class));
        StringBuilder deltas = new StringBuilder();
        events.stream().filter(e -> e instanceof FusionEvent.JudgeDelta).forEach(e -> deltas.append(((FusionEvent.JudgeDelta) e).text()));
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();
        assertThat(deltas).hasToString(r.answer());
        assertThat(events.stream().filter(e -> e instanceof FusionEvent.JudgeDelta).count()).isGreaterThan(3);
        assertThat(r.judge().orElseThrow().timeToFirstToken()).isNotNull();
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.MemberFailed).hasSize(1);
    }

    @Test
    void firstJudgeDeltaArrivesBeforeTheJudgeFinishes() throws InterruptedException {
        FakeModel judge = FakeModel.streaming("p:judge", "one two three four five six", Duration.ofMillis(150));
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(judge).build();
        List<Long> deltaAt = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] doneAt = new long[1];
        f.ask(FusionRequest.of("q"), e -> {
            if (e instanceof FusionEvent.JudgeDelta) {
                deltaAt.add(System.nanoTime());
            } else if (e instanceof FusionEvent.Completed) {
                doneAt[0] = System.nanoTime();
            }
        });
        // Six words 150 ms apart: the first delta must come ~750 ms before completion, not with it.
        assertThat((doneAt[0] - deltaAt.get(0)) / 1_000_000).isGreaterThan(500);
    }

    @Test
    void cancellingMidJudgeCancelsTheJudgeAndRecordsIt() throws InterruptedException {
        FakeModel judge = FakeModel.streaming("p:judge", "a b c d e f g h i j k l", Duration.ofMillis(100));
        List<CallRecord> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch judgeFinished = new CountDownLatch(1);
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(judge).listener(new FusionListener() {
            @Override
            public void onCallFinished(CallRecord record) {
                finished.add(record);
                if (record.role() == CallRole.JUDGE) {
                    judgeFinished.countDown();
                }
            }
        }).build();
        CountDownLatch firstDelta = new CountDownLatch(1);
        var sub = f.stream(FusionRequest.of("q")).subscribe(e -> {
            if (e instanceof FusionEvent.JudgeDelta) {
                firstDelta.countDown();
            }
        });
        assertThat(firstDelta.await(5, TimeUnit.SECONDS)).isTrue();
        sub.dispose();
        assertThat(judge.cancellations.get()).isPositive();
        // Listeners hear of the cancelled judge on the ask's outbox, a moment after the cancel (failed once
        // at load 51 when read at once): wait for that event, bounded.
        assertThat(judgeFinished.await(10, TimeUnit.SECONDS)).as("the judge's record reached the listener").isTrue();
        CallRecord judgeRecord = finished.stream().filter(c -> c.role() == CallRole.JUDGE).findFirst().orElseThrow();
        assertThat(judgeRecord.status()).isEqualTo(CallStatus.CANCELLED);
        assertThat(judgeRecord.text()).startsWith("a ");
        // The panel call that had answered keeps its cost and status.
        assertThat(finished.stream().filter(c -> c.role() == CallRole.PANEL)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CallStatus.OK));
    }

    @Test
    void judgeFailingMidStreamFallsBackAndSaysSo() {
        FakeModel broken = FakeModel.scripted("p:broken", n -> reactor.core.publisher.Mono.error(
                ProviderException.truncated("stream ended without message_stop", "partial")));
        FakeModel good = FakeModel.streaming("p:good", "fine answer", Duration.ofMillis(1));
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(broken).fallbackJudge(good)
                .judgeRetry(RetryPolicy.NONE).build();
        List<FusionEvent> events = f.stream(FusionRequest.of("q")).collectList().block();
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.JudgeStarted).hasSize(2);
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.JudgeFailed).singleElement()
                .satisfies(e -> assertThat(((FusionEvent.JudgeFailed) e).record().text()).isEqualTo("partial"));
        assertThat(((FusionEvent.Completed) events.get(events.size() - 1)).result().answer()).isEqualTo("fine answer");
    }

    @Test
    void streamErrorsWithTheTypedFailureAfterThePanelEvents() {
        Fusion f = Fusion.builder().panel(FakeModel.failing("p:a", ProviderException.http(500, "x", null, "down", null)))
                .judge(FakeModel.instant("p:j", "m")).retry(RetryPolicy.NONE).build();
        List<FusionEvent> seen = new ArrayList<>();
        Throwable[] error = new Throwable[1];
        f.stream(FusionRequest.of("q")).doOnNext(seen::add).onErrorResume(e -> {
            error[0] = e;
            return Flux.empty();
        }).blockLast();
        assertThat(error[0]).isInstanceOf(QuorumNotMetException.class);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(1)).isInstanceOf(FusionEvent.MemberFailed.class);
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
