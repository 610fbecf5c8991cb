package dev.fusion.providers;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.internal.HttpClients;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fusion.providers.TestSupport.CANARY;
import static dev.fusion.providers.TestSupport.json;
import static dev.fusion.providers.TestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class ProvidersTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    @Test
    void missingKeyFailsAtResolutionNamingTheVariable() {
        Providers p = Providers.builder().env(Map.of()).build();
        assertThatThrownBy(() -> p.model("openrouter:deepseek/deepseek-v4-pro"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("OPENROUTER_API_KEY");
        assertThatThrownBy(() -> p.model("anthropic:claude-opus-4-8")).hasMessageContaining("ANTHROPIC_API_KEY");
        assertThatThrownBy(() -> p.model("gemini:gemini-3-flash")).hasMessageContaining("GEMINI_API_KEY");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void everyPresetNamesItsKeyVariable() {
        Map<String, String> expected = Map.ofEntries(Map.entry("openai", "OPENAI_API_KEY"),
                Map.entry("openrouter", "OPENROUTER_API_KEY"), Map.entry("deepseek", "DEEPSEEK_API_KEY"),
                Map.entry("moonshot", "MOONSHOT_API_KEY"), Map.entry("qwen", "DASHSCOPE_API_KEY"),
                Map.entry("zhipu", "ZHIPU_API_KEY"), Map.entry("minimax", "MINIMAX_API_KEY"),
                Map.entry("xai", "XAI_API_KEY"), Map.entry("groq", "GROQ_API_KEY"),
                Map.entry("together", "TOGETHER_API_KEY"), Map.entry("fireworks", "FIREWORKS_API_KEY"));
        Providers p = Providers.builder().env(Map.of()).build();
        expected.forEach((name, env) -> {
            assertThat(Providers.presets().get(name).apiKeyEnv()).isEqualTo(env);
            assertThatThrownBy(() -> p.model(name + ":some-model")).hasMessageContaining(env);
        });
        assertThat(Providers.presets().get("openrouter").baseUrl()).isEqualTo("https://openrouter.ai/api/v1");
    }

    @Test
    void localPresetsNeedNoKey() {
        Providers p = Providers.builder().env(Map.of()).build();
        for (String local : List.of("ollama", "vllm", "lmstudio")) {
            ChatModel m = p.model(local + ":qwen3:8b");
            assertThat(m.ref().model()).isEqualTo("qwen3:8b");
            assertThat(m.streamsNatively()).isTrue();
        }
        assertThat(Providers.presets().get("ollama").baseUrl()).isEqualTo("http://127.0.0.1:11434/v1");
    }

    @Test
    void unknownProviderListsTheKnownOnes() {
        assertThatThrownBy(() -> Providers.builder().env(Map.of()).build().model("nope:model"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("unknown provider 'nope'")
                .hasMessageContaining("openrouter").hasMessageContaining("anthropic").hasMessageContaining("ollama");
        assertThatThrownBy(() -> Providers.fromEnv().model("no-colon")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("provider:model");
    }

    @Test
    void keylessCustomProviderSendsNoAuthorization() throws Exception {
        server.enqueue(json(200, OpenAiFixtures.OK));
        Providers p = Providers.builder().env(Map.of())
                .provider("local", ProviderSpec.keyless(ProviderKind.OPENAI, server.url("/v1").toString())).build();
        assertThat(p.model("local:m").call(request()).block(Duration.ofSeconds(5)).text()).isEqualTo("Hi");
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isNull();
    }

    @Test
    void literalKeyIsUsedButNeverShown() throws Exception {
        server.enqueue(json(200, OpenAiFixtures.OK));
        ProviderSpec spec = ProviderSpec.keyless(ProviderKind.OPENAI, server.url("/v1").toString()).withApiKey(CANARY);
        Providers p = Providers.builder().env(Map.of()).provider("lit", spec).build();
        ChatModel m = p.model("lit:m");
        m.call(request()).block(Duration.ofSeconds(5));
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer " + CANARY);
        assertThat(spec.toString()).doesNotContain(CANARY).contains("***");
        assertThat(p.toString()).doesNotContain(CANARY);
        assertThat(m.toString()).doesNotContain(CANARY);
    }

    @Test
    void canaryKeyNeverAppearsInMessagesToStringOrDebugLogs() {
        // The error body echoes the key, as some providers do for invalid keys.
        server.enqueue(json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + CANARY
                + ". You can find your API key at https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
        server.enqueue(json(200, OpenAiFixtures.OK));
        server.enqueue(TestSupport.sse(TestSupport.dataEvents(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"key " + CANARY + "\"}}]}")));
        List<String> texts = new ArrayList<>();
        String logs = TestSupport.captureStderr(() -> {
            Providers p = TestSupport.providers(server, server, server);
            for (String ref : List.of("oai:m", "ant:m", "gem:m")) {
                ChatModel m = p.model(ref);
                texts.add(m.toString());
                texts.add(String.valueOf(p.spec(ref.substring(0, 3)).orElseThrow()));
            }
            texts.add(p.toString());
            ChatModel m = p.model("oai:m");
            Throwable failure = catchThrowable(() -> m.call(request()).block(Duration.ofSeconds(5)));
            texts.add(failure.getMessage());
            texts.add(failure.toString());
            assertThat(((ProviderException) failure).status()).isEqualTo(401);
            texts.add(String.valueOf(m.call(request()).block(Duration.ofSeconds(5))));
            Throwable streamFailure = catchThrowable(() -> ChatModel.collect(m.stream(request())).block(Duration.ofSeconds(5)));
            texts.add(streamFailure.getMessage());
            texts.add(String.valueOf(((ProviderException) streamFailure).partialText() == null ? "" : "partial kept"));
        });
        assertThat(logs).contains("DEBUG").contains("HTTP 401");
        assertThat(logs).doesNotContain(CANARY);
        assertThat(texts).allSatisfy(t -> assertThat(t).doesNotContain(CANARY));
        assertThat(texts.get(7)).contains("Incorrect API key provided: ***");
    }

    @Test
    void eightCallsToOneHostAreAllInFlightAtOnce() {
        int panel = 8;
        CountDownLatch arrived = new CountDownLatch(panel);
        AtomicInteger released = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                arrived.countDown();
                // Hold every response until all 8 requests are in flight; fail instead of hanging.
                if (!arrived.await(5, TimeUnit.SECONDS)) {
                    return json(500, "{\"error\":{\"message\":\"only " + (panel - arrived.getCount())
                            + " requests arrived concurrently\",\"type\":\"test\"}}");
                }
                released.incrementAndGet();
                return json(200, OpenAiFixtures.OK);
            }
        });
        Providers p = TestSupport.providers(server, null, null);
        List<Mono<String>> calls = new ArrayList<>();
        for (int i = 0; i < panel; i++) {
            calls.add(p.model("oai:member-" + i).call(request()).map(r -> r.text()));
        }
        List<String> answers = Flux.merge(calls).collectList().block(Duration.ofSeconds(15));
        assertThat(answers).hasSize(panel).containsOnly("Hi");
        assertThat(released.get()).isEqualTo(panel);
        assertThat(p.httpClient().dispatcher().getMaxRequestsPerHost()).isGreaterThanOrEqualTo(panel);
        assertThat(p.httpClient()).isSameAs(HttpClients.shared());
    }

    @Test
    void streamsOnOneHostRunInParallelToo() {
        CountDownLatch arrived = new CountDownLatch(8);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                arrived.countDown();
                if (!arrived.await(5, TimeUnit.SECONDS)) {
                    return json(500, "{\"error\":{\"message\":\"not concurrent\"}}");
                }
                return TestSupport.sse(TestSupport.dataEvents(
                        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}", "[DONE]"));
            }
        });
        Providers p = TestSupport.providers(server, null, null);
        List<Flux<ModelStreamEvent>> streams = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            streams.add(p.model("oai:s-" + i).stream(request()));
        }
        assertThat(Flux.merge(streams).ofType(ModelStreamEvent.Completed.class).count().block(Duration.ofSeconds(15)))
                .isEqualTo(8);
    }

    /** Minimal OpenAI-compatible success body (OpenAI API reference, chat completion object). */
    static final class OpenAiFixtures {
        static final String OK = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
                 "message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}""";
    }
}
