package dev.fusion.providers.batch;

import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.anthropic.AnthropicChatModel;
import dev.fusion.providers.internal.HttpClients;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A batch API that answers badly: foreign results URLs, strangers' custom ids, missing lines, huge bodies. */
class HostileBatchTest {

    private static final String KEY = "sk-ant-hostile-batch-key-987654321";
    private static final ModelRef REF = new ModelRef("anthropic", "claude-test");
    private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"hello\"}],\"stop_reason\":\"end_turn\","
            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":200}}";

    @StartStop
    final MockWebServer provider = new MockWebServer();
    @StartStop
    final MockWebServer elsewhere = new MockWebServer();

    private final VirtualClock clock = new VirtualClock();
    private final CopyOnWriteArrayList<String> paths = new CopyOnWriteArrayList<>();

    private void serve(String resultsUrl, String results) {
        Dispatcher d = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String path = r.getUrl().encodedPath();
                paths.add(r.getMethod() + " " + path);
                if (r.getMethod().equals("POST") && path.equals("/v1/messages/batches")) {
                    return json("{\"id\":\"msgbatch_1\",\"type\":\"message_batch\",\"processing_status\":\"in_progress\","
                            + "\"request_counts\":{\"processing\":2,\"succeeded\":0,\"errored\":0,\"canceled\":0,\"expired\":0}}");
                }
                if (path.equals("/v1/messages/batches/msgbatch_1")) {
                    return json("{\"id\":\"msgbatch_1\",\"type\":\"message_batch\",\"processing_status\":\"ended\","
                            + "\"request_counts\":{\"processing\":0,\"succeeded\":2,\"errored\":0,\"canceled\":0,\"expired\":0},"
                            + "\"results_url\":\"" + resultsUrl + "\"}");
                }
                if (path.endsWith("/results")) {
                    return new MockResponse.Builder().code(200).body(results).build();
                }
                return new MockResponse.Builder().code(404).build();
            }
        };
        provider.setDispatcher(d);
        elsewhere.setDispatcher(d);
    }

    private BatchClient client(PriceBook book, long maxResultBytes) {
        AnthropicChatModel model = new AnthropicChatModel(REF, provider.url("/"), KEY,
                HttpClients.guard(new OkHttpClient()), Map.of());
        BatchOptions o = BatchOptions.defaults(book).withClock(clock, clock::advance)
                .withPolling(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofHours(1));
        o = new BatchOptions(o.prices(), o.pollInterval(), o.maxPollInterval(), o.maxWait(), o.clock(), o.sleeper(),
                o.progress(), maxResultBytes);
        return BatchClient.of(model, o);
    }

    private static Map<String, ModelRequest> two() {
        Map<String, ModelRequest> m = new LinkedHashMap<>();
        m.put("a", ModelRequest.builder().user("first").build());
        m.put("b", ModelRequest.builder().user("second").build());
        return m;
    }

    private static MockResponse json(String body) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(body).build();
    }

    private static PriceBook priced() {
        return PriceBook.empty().with(REF, Price.of("3", "15")).withBatch(REF, Price.of("1.5", "7.5"));
    }

    @Test
    void aResultsUrlOnAnotherOriginIsRefusedAndTheKeyNeverLeaves() throws Exception {
        serve(elsewhere.url("/v1/messages/batches/msgbatch_1/results").toString(), "");
        BatchClient client = client(priced(), 1 << 20);
        BatchJob job = client.submit(two());

        ProviderException e = catchThrowableOfType(() -> client.await(job), ProviderException.class);

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("refused").contains("another origin").doesNotContain(KEY);
        assertThat(elsewhere.getRequestCount()).isZero();
    }

    @Test
    void aStrangersCustomIdIsIgnoredAndAMissingLineIsRecorded() throws Exception {
        serve(provider.url("/v1/messages/batches/msgbatch_1/results").toString(),
                "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":" + MESSAGE + "}}\n"
                + "{\"custom_id\":\"intruder\",\"result\":{\"type\":\"succeeded\",\"message\":" + MESSAGE + "}}\n"
                + "not json at all\n");
        BatchClient client = client(priced(), 1 << 20);
        BatchResults results = client.await(client.submit(two()));

        assertThat(results.items()).containsOnlyKeys("a", "b");
        assertThat(results.items().get("a").status()).isEqualTo(BatchItem.Status.SUCCEEDED);
        assertThat(results.items().get("b").status()).isEqualTo(BatchItem.Status.MISSING);
        assertThat(results.items().get("b").error()).contains("no result line");
        // 1000 x 1.5 + 200 x 7.5 per million = 0.003 at batch prices (0.006 at standard prices)
        assertThat(results.items().get("a").cost().computedUsd()).isEqualByComparingTo("0.003");
        assertThat(provider.takeRequest().getHeaders().get("x-api-key")).isEqualTo(KEY);
    }

    @Test
    void withoutABatchPriceTheCostIsUnknownNeverTheStandardPriceOrZero() throws Exception {
        serve(provider.url("/v1/messages/batches/msgbatch_1/results").toString(),
                "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":" + MESSAGE + "}}\n"
                + "{\"custom_id\":\"b\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":"
                + "{\"type\":\"invalid_request_error\",\"message\":\"bad " + KEY + "\"}}}}\n");
        BatchClient client = client(PriceBook.empty().with(REF, Price.of("3", "15")), 1 << 20);
        BatchResults results = client.await(client.submit(two()));

        assertThat(results.items().get("a").cost().isPriced()).isFalse();
        assertThat(results.totalUsd()).isEmpty();
        assertThat(results.items().get("b").status()).isEqualTo(BatchItem.Status.ERRORED);
        assertThat(results.items().get("b").error()).contains("invalid_request_error").doesNotContain(KEY);
    }

    @Test
    void aResultsBodyBeyondTheBoundIsAbortedNotBuffered() throws Exception {
        StringBuilder huge = new StringBuilder();
        while (huge.length() < 64 * 1024) {
            huge.append("{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":").append(MESSAGE).append("}}\n");
        }
        serve(provider.url("/v1/messages/batches/msgbatch_1/results").toString(), huge.toString());
        BatchClient client = client(priced(), 4096);
        BatchJob job = client.submit(two());

        ProviderException e = catchThrowableOfType(() -> client.await(job), ProviderException.class);

        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.RESPONSE_TOO_LARGE);
    }
}
