package dev.fusion.cli;

import dev.fusion.cli.batch.BatchCalls;
import dev.fusion.cli.batch.BatchResolver;
import dev.fusion.cli.tune.CachedAnswer;
import dev.fusion.cli.tune.CallKeys;
import dev.fusion.cli.tune.CallKind;
import dev.fusion.cli.tune.PendingCall;
import dev.fusion.cli.tune.internal.SqliteAnswerStore;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.providers.anthropic.AnthropicChatModel;
import dev.fusion.providers.batch.BatchOptions;
import dev.fusion.providers.gemini.GeminiChatModel;
import dev.fusion.providers.openai.OpenAiChatModel;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * tune's batch resolver against the sandbox's three batch APIs over real HTTP, in virtual time: one batch per
 * model, answers stored at batch prices and marked batch, failures and expiries stored as failures, a model
 * without a batch API called directly, and a resolver killed mid-poll resumed without a second submission.
 */
class BatchResolverTest {

    /** A clock that moves only when the batch client sleeps; the sandbox's jobs run on it. */
    static final class Virtual extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T08:00:00Z"));

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }
    }

    private final Virtual clock = new Virtual();
    private WireServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private List<ChatModel> models() {
        server = WireServer.start(Behaviour.builder()
                .fallback(r -> r.promptText().contains("FAIL") ? Reply.fault(Fault.http(400, "refused item"))
                        : r.promptText().contains("HANG") ? Reply.fault(Fault.hang())
                        : Reply.text(r.model() + " says " + r.promptText().strip()))
                .batches(clock, Duration.ofMinutes(30), Duration.ofHours(24))
                .build());
        OkHttpClient http = new OkHttpClient();
        return List.of(
                new OpenAiChatModel(ModelRef.parse("openai:m-open"), HttpUrl.get(server.baseUrl(WireFormat.OPENAI)), "k1", http, null, Map.of()),
                new AnthropicChatModel(ModelRef.parse("anthropic:m-ant"), HttpUrl.get(server.baseUrl(WireFormat.ANTHROPIC)), "k2", http, Map.of()),
                new GeminiChatModel(ModelRef.parse("gemini:m-gem"), HttpUrl.get(server.baseUrl(WireFormat.GEMINI)), "k3", http, Map.of()));
    }

    private PriceBook book(List<ChatModel> models) {
        PriceBook b = PriceBook.empty();
        for (ChatModel m : models) {
            b = b.with(m.ref(), Price.of("2", "10")).withBatch(m.ref(), Price.of("1", "5"));
        }
        return b.with(ModelRef.parse("local:plain"), Price.of("3", "3"));
    }

    private BatchCalls calls(PriceBook book, java.util.function.Consumer<dev.fusion.providers.batch.BatchProgress> progress) {
        return new BatchCalls(book, dir.resolve("batches"), BatchOptions.defaults(book).withClock(clock, clock::advance)
                .withPolling(Duration.ofMinutes(5), Duration.ofMinutes(20), Duration.ofHours(30)).withProgress(progress), null);
    }

    private static PendingCall call(ChatModel m, String prompt, CallKind kind) {
        ModelRequest r = ModelRequest.builder().user(prompt).maxOutputTokens(100).build();
        return new PendingCall(CallKeys.key(m.ref(), r), m, r, kind);
    }

    @Test
    void eachModelsMissesGoAsOneBatchAndAreStoredAtBatchPrices() throws Exception {
        List<ChatModel> models = models();
        EvalTest.Scripted local = new EvalTest.Scripted("local:plain", q -> "plain " + q);
        PriceBook book = book(models);
        List<PendingCall> misses = new ArrayList<>();
        for (ChatModel m : models) {
            misses.add(call(m, "first question", CallKind.MEMBER));
            misses.add(call(m, "second question", CallKind.JUDGE));
            misses.add(call(m, "please FAIL", CallKind.MEMBER));
            misses.add(call(m, "HANG here", CallKind.GRADER));
        }
        misses.add(call(local, "direct question", CallKind.MEMBER));

        try (SqliteAnswerStore store = SqliteAnswerStore.open(dir.resolve("answers.sqlite"))) {
            new BatchResolver(calls(book, p -> { })).resolve(misses, store);

            assertThat(server.batchesSubmitted()).isEqualTo(3);
            assertThat(server.batchItemsSubmitted()).isEqualTo(12);
            for (PendingCall p : misses) {
                CachedAnswer a = store.find(p.key()).orElseThrow();
                String prompt = p.request().messages().get(0).content();
                if (p.model() == local) {
                    assertThat(a.ok()).isTrue();
                    assertThat(a.batch()).isFalse();
                    assertThat(a.costUsd()).isEqualByComparingTo(new BigDecimal("0.0033")); // 1000 in + 100 out at 3/3
                } else if (prompt.contains("FAIL")) {
                    assertThat(a.ok()).isFalse();
                    assertThat(a.error()).contains("ERRORED").contains("refused item");
                    assertThat(a.costUsd()).isNull();
                } else if (prompt.contains("HANG")) {
                    assertThat(a.ok()).isFalse();
                    assertThat(a.error()).contains("EXPIRED");
                } else {
                    assertThat(a.ok()).isTrue();
                    assertThat(a.batch()).isTrue();
                    assertThat(a.text()).isEqualTo(p.model().ref().model() + " says " + prompt);
                    BigDecimal expected = BigDecimal.valueOf(a.usage().input()).add(BigDecimal.valueOf(a.usage().output() * 5))
                            .movePointLeft(6);
                    assertThat(a.costUsd()).isEqualByComparingTo(expected);
                    assertThat(a.latencyMs()).isGreaterThanOrEqualTo(Duration.ofHours(24).toMillis()); // the hang held the batch to its window
                }
            }
        }
    }

    @Test
    void aResolverKilledMidPollResumesTheSameBatches() throws Exception {
        List<ChatModel> models = models();
        PriceBook book = book(models);
        List<PendingCall> misses = new ArrayList<>();
        for (ChatModel m : models) {
            misses.add(call(m, "alpha", CallKind.MEMBER));
            misses.add(call(m, "beta", CallKind.MEMBER));
        }
        try (SqliteAnswerStore store = SqliteAnswerStore.open(dir.resolve("answers.sqlite"))) {
            int[] polls = {0};
            BatchResolver dying = new BatchResolver(calls(book, p -> {
                if (++polls[0] == 2) {
                    throw new IllegalStateException("killed");
                }
            }));
            assertThatThrownBy(() -> dying.resolve(misses, store)).hasMessage("killed");
            assertThat(server.batchItemsSubmitted()).isEqualTo(2); // the first model's batch only

            new BatchResolver(calls(book, p -> { })).resolve(misses, store);

            assertThat(server.batchesSubmitted()).isEqualTo(3); // the first batch resumed, not sent again
            assertThat(server.batchItemsSubmitted()).isEqualTo(6);
            for (PendingCall p : misses) {
                assertThat(store.find(p.key()).orElseThrow().ok()).isTrue();
            }
            for (ChatModel m : models) {
                assertThat(server.requestCount(m.ref().model())).isEqualTo(2);
            }
        }
    }
}
