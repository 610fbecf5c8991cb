package dev.fusion.providers.batch;

import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.providers.anthropic.AnthropicChatModel;
import dev.fusion.providers.gemini.GeminiChatModel;
import dev.fusion.providers.internal.HttpClients;
import dev.fusion.providers.openai.OpenAiChatModel;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each batch API end to end over real HTTP against the sandbox server, in virtual time: submit, poll with
 * progress, partial failures, expiry, resume after the process is "killed" mid-poll (a new client from the
 * persisted state; the server counts one submission per item), exact cost at batch prices.
 */
class BatchOverSandboxTest {

    private static final String MODEL = "batchy";
    private static final String KEY = "sk-batch-test-key-0123456789";

    private final VirtualClock clock = new VirtualClock();
    private WireServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(Duration turnaround) {
        server = WireServer.start(Behaviour.builder()
                .model(MODEL, r -> r.promptText().contains("FAIL") ? Reply.fault(Fault.http(400, "this item is refused"))
                        : r.promptText().contains("HANG") ? Reply.fault(Fault.hang())
                        : Reply.text("answer to " + r.promptText().strip()))
                .requireApiKey(KEY)
                .batches(clock, turnaround, Duration.ofHours(24))
                .build());
    }

    private ChatModel model(WireFormat f) {
        OkHttpClient client = HttpClients.guard(new OkHttpClient());
        HttpUrl base = HttpUrl.get(server.baseUrl(f));
        return switch (f) {
            case OPENAI -> new OpenAiChatModel(new ModelRef("sb-openai", MODEL), base, KEY, client, null, Map.of());
            case ANTHROPIC -> new AnthropicChatModel(new ModelRef("sb-anthropic", MODEL), base, KEY, client, Map.of());
            case GEMINI -> new GeminiChatModel(new ModelRef("sb-gemini", MODEL), base, KEY, client, Map.of());
        };
    }

    /** Standard price 2/8 per million, batch price exactly half, as the sandbox's fictional book has it. */
    private static PriceBook book(ModelRef ref) {
        return PriceBook.empty().with(ref, Price.of("2", "8")).withBatch(ref, Price.of("1", "4"));
    }

    private BatchOptions options(ModelRef ref, List<BatchProgress> progress) {
        return BatchOptions.defaults(book(ref))
                .withClock(clock, clock::advance)
                .withPolling(Duration.ofMinutes(10), Duration.ofMinutes(40), Duration.ofHours(30))
                .withProgress(progress::add);
    }

    private static Map<String, ModelRequest> requests(String... prompts) {
        Map<String, ModelRequest> m = new LinkedHashMap<>();
        for (int i = 0; i < prompts.length; i++) {
            m.put("item-" + i, ModelRequest.builder().user(prompts[i]).maxOutputTokens(200).build());
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void submitPollPartialFailuresAndExactBatchCost(WireFormat f) throws Exception {
        start(Duration.ofHours(2));
        ChatModel model = model(f);
        List<BatchProgress> progress = new CopyOnWriteArrayList<>();
        BatchClient client = BatchClient.of(model, options(model.ref(), progress));

        BatchResults results = client.run(requests("alpha question", "beta question", "please FAIL now", "gamma question"),
                dir.resolve("state.json"));

        assertThat(results.items()).containsOnlyKeys("item-0", "item-1", "item-2", "item-3");
        assertThat(results.count(BatchItem.Status.SUCCEEDED)).isEqualTo(3);
        BatchItem failed = results.items().get("item-2");
        assertThat(failed.status()).isEqualTo(BatchItem.Status.ERRORED);
        assertThat(failed.error()).contains("this item is refused").doesNotContain(KEY);
        assertThat(results.items().get("item-0").response().text()).isEqualTo("answer to alpha question");

        // exact cost at batch prices: usage x batch rates, and exactly half of the standard price here
        PriceBook book = book(model.ref());
        BigDecimal total = BigDecimal.ZERO;
        for (BatchItem item : results.items().values()) {
            if (!item.succeeded()) {
                assertThat(item.cost().isPriced()).isFalse();
                continue;
            }
            var usage = item.response().usage();
            assertThat(usage.input()).isPositive();
            BigDecimal expected = BigDecimal.valueOf(usage.input()).multiply(BigDecimal.ONE)
                    .add(BigDecimal.valueOf(usage.output()).multiply(BigDecimal.valueOf(4))).movePointLeft(6);
            assertThat(item.cost().computedUsd()).isEqualByComparingTo(expected);
            assertThat(item.cost().computedUsd().multiply(BigDecimal.valueOf(2)))
                    .isEqualByComparingTo(book.cost(model.ref(), usage, null).computedUsd());
            total = total.add(expected);
        }
        BigDecimal sum = total;
        assertThat(results.totalUsd()).hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo(sum));

        // polled in virtual time: progress grew to the total and the batch took the sandbox's 2 h turnaround
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1).done()).isEqualTo(4);
        assertThat(progress.get(progress.size() - 1).total()).isEqualTo(4);
        assertThat(progress.get(progress.size() - 1).elapsed()).isGreaterThanOrEqualTo(Duration.ofHours(2));
        assertThat(progress.stream().mapToInt(BatchProgress::done).toArray()).isSorted();
        assertThat(progress.stream().anyMatch(p -> p.done() > 0 && p.done() < 4 && p.eta().isPresent())).isTrue();

        // one submission per item, counted at the server; the state file is gone once results are read
        assertThat(server.batchesSubmitted()).isEqualTo(1);
        assertThat(server.batchItemsSubmitted()).isEqualTo(4);
        assertThat(server.requestCount(MODEL)).isEqualTo(4);
        assertThat(Files.exists(dir.resolve("state.json"))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void anItemThatNeverRunsIsRecordedAsExpired(WireFormat f) throws Exception {
        start(Duration.ofHours(1));
        ChatModel model = model(f);
        BatchClient client = BatchClient.of(model, options(model.ref(), new ArrayList<>()));

        BatchResults results = client.run(requests("first question", "HANG forever", "second question"),
                dir.resolve("state.json"));

        assertThat(results.items().get("item-1").status()).isEqualTo(BatchItem.Status.EXPIRED);
        assertThat(results.items().get("item-1").response()).isNull();
        assertThat(results.count(BatchItem.Status.SUCCEEDED)).isEqualTo(2);
        assertThat(results.finalState()).containsIgnoringCase(f == WireFormat.ANTHROPIC ? "ended" : "expired");
        assertThat(clock.instant()).isAfterOrEqualTo(results.job().submittedAt().plus(Duration.ofHours(24)));
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void aProcessKilledMidPollResumesTheSameBatchAndPaysNoItemTwice(WireFormat f) throws Exception {
        start(Duration.ofHours(3));
        Path state = dir.resolve("run.batch.json");
        Map<String, ModelRequest> requests = requests("one", "two", "three", "four", "five");

        // first process: dies after its second poll
        ChatModel first = model(f);
        List<BatchProgress> seen = new ArrayList<>();
        BatchOptions dying = options(first.ref(), seen).withProgress(p -> {
            seen.add(p);
            if (seen.size() == 2) {
                throw new IllegalStateException("killed");
            }
        });
        assertThatThrownBy(() -> BatchClient.of(first, dying).run(requests, state)).hasMessage("killed");
        assertThat(Files.exists(state)).isTrue();
        assertThat(Files.readString(state)).doesNotContain(KEY).doesNotContain("three");
        assertThat(server.batchItemsSubmitted()).isEqualTo(5);
        String batchId = BatchJob.read(state).batchId();

        // second process: a new model and client, only the state file survives
        ChatModel second = model(f);
        BatchResults results = BatchClient.of(second, options(second.ref(), new ArrayList<>())).run(requests, state);

        assertThat(results.count(BatchItem.Status.SUCCEEDED)).isEqualTo(5);
        assertThat(results.job().batchId()).isEqualTo(batchId);
        assertThat(server.batchesSubmitted()).isEqualTo(1);
        assertThat(server.batchItemsSubmitted()).isEqualTo(5);
        assertThat(server.requestCount(MODEL)).isEqualTo(5);
        assertThat(Files.exists(state)).isFalse();
    }
}
