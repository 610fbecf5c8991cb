package dev.fusion.e2e;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionListener;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Streaming through core + providers + a real loopback server, for each wire format of the judge. */
class StreamingOverHttpTest {

    private static final String JUDGE_TEXT = "one two three four five six seven eight nine ten eleven twelve";

    private WireServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Fusion fusion(ProviderKind judgeKind, Duration chunkDelay, List<CallRecord> finished) {
        server = WireServer.start(Behaviour.builder()
                .model("a", Reply.text("alpha"))
                .model("b", Reply.text("beta"))
                .model("judge", Reply.text(JUDGE_TEXT).chunkDelay(chunkDelay).wordsPerChunk(1))
                .build());
        String base = server.baseUrl();
        Providers p = Providers.builder().env(Map.of()).build().with(Map.of(
                "o", ProviderSpec.keyless(ProviderKind.OPENAI, base + "/v1"),
                "j", ProviderSpec.keyless(judgeKind, judgeKind == ProviderKind.OPENAI ? base + "/v1" : base)));
        return Fusion.builder().panel(p.model("o:a"), p.model("o:b")).judge(p.model("j:judge"))
                .listener(new FusionListener() {
                    @Override
                    public void onCallFinished(CallRecord record) {
                        finished.add(record);
                    }
                }).build();
    }

    @ParameterizedTest
    @EnumSource(ProviderKind.class)
    void judgeDeltasArriveWhileTheServerIsStillSendingAndConcatenateToTheAnswer(ProviderKind kind) {
        Fusion f = fusion(kind, Duration.ofMillis(60), new java.util.concurrent.CopyOnWriteArrayList<>());
        List<Long> deltaNanos = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long[] completedAt = new long[1];
        FusionResult r = f.ask(FusionRequest.of("q"), e -> {
            if (e instanceof FusionEvent.JudgeDelta d) {
                deltaNanos.add(System.nanoTime());
                text.append(d.text());
            } else if (e instanceof FusionEvent.Completed) {
                completedAt[0] = System.nanoTime();
            }
        });
        assertThat(text.toString()).isEqualTo(r.answer()).isEqualTo(JUDGE_TEXT);
        // 12 words, 60 ms apart: the first delta must come long before the stream ended (nothing buffered).
        assertThat(deltaNanos.size()).isGreaterThanOrEqualTo(6);
        assertThat((completedAt[0] - deltaNanos.get(0)) / 1_000_000).isGreaterThan(300);
        CallRecord judge = r.judge().orElseThrow();
        assertThat(judge.timeToFirstToken()).isNotNull().isLessThan(judge.latency());
        assertThat(judge.usage().output()).isPositive();
        assertThat(judge.cost()).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(ProviderKind.class)
    void cancellingMidJudgeClosesTheServerSideStreamAndRecordsCancelled(ProviderKind kind) throws Exception {
        List<CallRecord> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
        Fusion f = fusion(kind, Duration.ofMillis(200), finished);
        CountDownLatch firstDelta = new CountDownLatch(1);
        var subscription = f.stream(FusionRequest.of("q")).subscribe(e -> {
            if (e instanceof FusionEvent.JudgeDelta) {
                firstDelta.countDown();
            }
        });
        assertThat(firstDelta.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(server.inFlight()).isEqualTo(1); // the judge's stream is open on the server
        subscription.dispose();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.inFlight()).as("the server saw the judge's connection close").isZero();
        // Listeners hear of the cancelled call after the cancel, on the ask's outbox: wait for it (bounded).
        long heard = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (finished.stream().noneMatch(c -> c.role() == CallRole.JUDGE) && System.nanoTime() < heard) {
            Thread.sleep(20);
        }
        CallRecord judge = finished.stream().filter(c -> c.role() == CallRole.JUDGE).findFirst().orElseThrow();
        assertThat(judge.status()).isEqualTo(CallStatus.CANCELLED);
        assertThat(judge.text()).startsWith("one");
        // The panel calls that had answered keep their status and usage.
        assertThat(finished.stream().filter(c -> c.role() == CallRole.PANEL))
                .hasSize(2).allMatch(c -> c.status() == CallStatus.OK && c.usage().output() > 0);
    }
}
