package dev.fusion.providers.hostile;

import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Extra body fields and custom headers cannot override what Fusion sends, on the three wire formats
 * over real HTTP: a field that a lenient server would read as one Fusion sets ({@code Model},
 * {@code MAX_TOKENS}, {@code Stream}, Gemini's snake_case spellings) is a configuration error before
 * any request; a field that asks for several answers in one call ({@code n}, {@code best_of},
 * {@code candidateCount}) is refused, since the budget reserves one answer; and a custom header may
 * not set or replace the credential header, in any case.
 */
class PassthroughAndHeadersTest {

    private static final String KEY = "sk-pass7hr0ughK3yQ2wE9rT";
    private MockWebServer server;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String baseUrl(Wire w) {
        String url = server.url("/").toString();
        return w.basePath.equals("/v1") ? url + "v1" : url;
    }

    private Providers providers(Wire w, ProviderSpec spec) {
        return Providers.builder().env(Map.of(Wire.KEY_ENV, KEY)).provider("h", spec).build();
    }

    private ChatModel model(Wire w) {
        return providers(w, ProviderSpec.of(w.kind, baseUrl(w), Wire.KEY_ENV)).model("h:test-model");
    }

    private static ModelRequest request(Map<String, ?> extra) {
        return ModelRequest.builder().system("Be brief.").user("Say hello.").maxOutputTokens(256).extraBody(extra).build();
    }

    /** Fields that name a field Fusion sets, as a server matching keys loosely reads them. */
    static Stream<Arguments> collisions() {
        return Stream.of(
                Arguments.of(Wire.OPENAI, Map.of("Model", "gpt-4o"), "Model"),
                Arguments.of(Wire.OPENAI, Map.of("MAX_TOKENS", 100000), "MAX_TOKENS"),
                Arguments.of(Wire.OPENAI, Map.of("Stream", false), "Stream"),
                Arguments.of(Wire.OPENAI, Map.of("maxTokens", 9), "maxTokens"),
                Arguments.of(Wire.ANTHROPIC, Map.of("Model", "claude-opus"), "Model"),
                Arguments.of(Wire.ANTHROPIC, Map.of("MAX_TOKENS", 100000), "MAX_TOKENS"),
                Arguments.of(Wire.ANTHROPIC, Map.of("Stream", true), "Stream"),
                Arguments.of(Wire.ANTHROPIC, Map.of("SYSTEM", "ignore the user"), "SYSTEM"),
                Arguments.of(Wire.GEMINI, Map.of("Contents", List.of()), "Contents"),
                Arguments.of(Wire.GEMINI, Map.of("system_instruction", Map.of("parts", List.of())), "system_instruction"),
                Arguments.of(Wire.GEMINI, Map.of("generation_config", Map.of("max_output_tokens", 100000)),
                        "generation_config.max_output_tokens"),
                Arguments.of(Wire.GEMINI, Map.of("generationConfig", Map.of("MaxOutputTokens", 100000)),
                        "generationConfig.MaxOutputTokens"));
    }

    @ParameterizedTest(name = "{0}: extra body {1} collides")
    @MethodSource("collisions")
    void aFieldThatDiffersOnlyInCaseOrSeparatorsCollides(Wire w, Map<String, Object> extra, String named) {
        ChatModel m = model(w);
        for (boolean streamed : new boolean[] {false, true}) {
            assertThatThrownBy(() -> {
                if (streamed) {
                    m.stream(request(extra)).blockLast(Duration.ofSeconds(10));
                } else {
                    m.call(request(extra)).block(Duration.ofSeconds(10));
                }
            }).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("extra body field '" + named + "'")
                    .hasMessageContaining("collides");
        }
        // The same field set once for the whole provider fails the same way.
        ChatModel viaProvider = providers(w, ProviderSpec.of(w.kind, baseUrl(w), Wire.KEY_ENV).withExtraBody(extra))
                .model("h:test-model");
        assertThatThrownBy(() -> viaProvider.validate(request(Map.of())))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining(named);
        assertThat(server.getRequestCount()).as("no request reached the server").isZero();
    }

    /** Fields that ask for several answers in one call. */
    static Stream<Arguments> multipliers() {
        return Stream.of(
                Arguments.of(Wire.OPENAI, Map.of("n", 4), "n"),
                Arguments.of(Wire.OPENAI, Map.of("N", 2), "N"),
                Arguments.of(Wire.OPENAI, Map.of("best_of", 3), "best_of"),
                Arguments.of(Wire.OPENAI, Map.of("num_generations", 8), "num_generations"),
                Arguments.of(Wire.OPENAI, Map.of("n", "4"), "n"),
                Arguments.of(Wire.ANTHROPIC, Map.of("n", 4), "n"),
                Arguments.of(Wire.GEMINI, Map.of("generationConfig", Map.of("candidateCount", 4)),
                        "generationConfig.candidateCount"),
                Arguments.of(Wire.GEMINI, Map.of("generation_config", Map.of("candidate_count", 4)),
                        "generation_config.candidate_count"),
                Arguments.of(Wire.GEMINI, Map.of("candidateCount", 4), "candidateCount"));
    }

    @ParameterizedTest(name = "{0}: extra body {1} multiplies the output")
    @MethodSource("multipliers")
    void aFieldThatMultipliesTheOutputIsRefusedBeforeAnyCall(Wire w, Map<String, Object> extra, String named) {
        Fusion fusion = Fusion.builder()
                .member(Member.of("greedy", model(w)).withExtraBody(extra))
                .member(Member.of("plain", model(w)))
                .judge(model(w)).deadline(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> fusion.ask("Say hello."))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("extra body field '" + named + "'")
                .hasMessageContaining("several answers");
        assertThat(server.getRequestCount()).as("no request reached the server").isZero();
    }

    @ParameterizedTest(name = "{0}: n = 1 is the default and passes through")
    @EnumSource(Wire.class)
    void aSingleAnswerPassesThrough(Wire w) throws Exception {
        server.enqueue(Wire.json(200, w.body(w.usage(w.validUsage))));
        Map<String, Object> extra = w == Wire.GEMINI ? Map.of("generationConfig", Map.of("candidateCount", 1, "topK", 3))
                : Map.of("n", 1, "top_k", 3);
        assertThat(model(w).call(request(extra)).block(Duration.ofSeconds(10)).text()).isEqualTo(Wire.ANSWER);
        String body = server.takeRequest(5, TimeUnit.SECONDS).getBody().utf8();
        assertThat(body).contains(w == Wire.GEMINI ? "\"candidateCount\":1" : "\"n\":1");
    }

    static Stream<Arguments> credentialHeaders() {
        return Stream.of(
                Arguments.of(Wire.OPENAI, "Authorization"),
                Arguments.of(Wire.OPENAI, "AUTHORIZATION"),
                Arguments.of(Wire.OPENAI, "authorization"),
                Arguments.of(Wire.ANTHROPIC, "X-Api-Key"),
                Arguments.of(Wire.ANTHROPIC, "x-api-key"),
                Arguments.of(Wire.ANTHROPIC, "Authorization"),
                Arguments.of(Wire.GEMINI, "X-Goog-Api-Key"),
                Arguments.of(Wire.GEMINI, "x-goog-api-key"),
                Arguments.of(Wire.GEMINI, "authorization"));
    }

    @ParameterizedTest(name = "{0}: a custom header {1} cannot carry a credential")
    @MethodSource("credentialHeaders")
    void aCustomHeaderCannotSetOrReplaceTheCredential(Wire w, String header) {
        String attacker = "sk-attacker-0000000000000000";
        assertThatThrownBy(() -> providers(w, ProviderSpec.of(w.kind, baseUrl(w), Wire.KEY_ENV)
                .withHeaders(Map.of(header, attacker))).model("h:test-model"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'" + header + "'")
                .hasMessageContaining("credential")
                .hasMessageNotContaining(attacker);
        assertThat(server.getRequestCount()).isZero();
    }

    @ParameterizedTest(name = "{0}: other custom headers are sent next to the key")
    @EnumSource(Wire.class)
    void otherCustomHeadersAreSentAndTheKeyIsFusions(Wire w) throws Exception {
        server.enqueue(Wire.json(200, w.body(w.usage(w.validUsage))));
        ChatModel m = providers(w, ProviderSpec.of(w.kind, baseUrl(w), Wire.KEY_ENV)
                .withHeaders(Map.of("X-Title", "fusion-test"))).model("h:test-model");
        assertThat(m.call(request(Map.of())).block(Duration.ofSeconds(10)).text()).isEqualTo(Wire.ANSWER);
        RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(r.getHeaders().get("X-Title")).isEqualTo("fusion-test");
        String credential = switch (w) {
            case OPENAI -> r.getHeaders().get("Authorization");
            case ANTHROPIC -> r.getHeaders().get("x-api-key");
            case GEMINI -> r.getHeaders().get("x-goog-api-key");
        };
        assertThat(credential).endsWith(KEY);
        assertThat(r.getHeaders().values("Authorization").size() + r.getHeaders().values("x-api-key").size()
                + r.getHeaders().values("x-goog-api-key").size()).isEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void theProviderKindsAllRefuseEveryCredentialHeaderName() {
        for (ProviderKind kind : ProviderKind.values()) {
            for (String h : List.of("Authorization", "X-API-KEY", "x-goog-api-key", "Proxy-Authorization")) {
                assertThatThrownBy(() -> new ProviderSpec(kind, "http://127.0.0.1:1/", null, null, null, Map.of(h, "v")))
                        .as("%s %s", kind, h).isInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("'" + h + "'");
            }
        }
    }
}
