package dev.fusion.providers.hostile;

import dev.fusion.AskFailedException;
import dev.fusion.CallError;
import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.Redactor;
import dev.fusion.ResultJson;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.TestSupport;
import dev.fusion.providers.openai.OpenAiChatModel;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Redaction by construction: a canary key echoed by a hostile server in every field of an error
 * (type, code, message; HTTP error, in-band error under 200, SSE error event, a body that is not
 * JSON cut at every offset of the snippet, a parse error quoting the body) leaves no run of 8 of its
 * characters in the exception chain, the {@link CallError}, the result JSON or the DEBUG log. Keys
 * that cannot travel in a header, and base URLs with userinfo, fail at configuration without
 * showing the key or the password.
 */
class RedactionTest {

    static final String KEY = "sk-Cn7Yq2Wd9Lm4Xp8Rb3Tv6Hz1Kf5Gj0";

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

    /** The first run of {@link Redactor#RUN} characters of the key found in the text, or null. */
    static String leak(String text) {
        if (text == null) {
            return null;
        }
        for (int i = 0; i + Redactor.RUN <= KEY.length(); i++) {
            String run = KEY.substring(i, i + Redactor.RUN);
            if (text.contains(run)) {
                return run;
            }
        }
        return null;
    }

    static void assertNoLeak(List<String> surfaces) {
        for (String s : surfaces) {
            assertThat(leak(s)).as("a run of the key in: %s", s).isNull();
        }
    }

    /** Everything a failure can show: the chain's messages and toStrings, and its CallError. */
    static List<String> surfaces(Throwable failure) {
        List<String> s = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            s.add(t.toString());
            s.add(t.getMessage());
            for (Throwable sup : t.getSuppressed()) {
                s.add(sup.toString());
            }
        }
        if (failure instanceof ProviderException p) {
            s.add(p.errorType());
            s.add(p.errorCode());
            s.add(p.partialText());
        }
        CallError e = CallError.of(failure);
        s.add(e.toString());
        s.add(e.type());
        s.add(e.message());
        return s;
    }

    /** The ways the key is echoed: whole, cut at either end, in the middle. */
    static List<String> echoes() {
        return List.of(KEY, KEY.substring(0, 12), KEY.substring(KEY.length() - 9), KEY.substring(5, 20),
                KEY.substring(0, KEY.length() - 4) + "...");
    }

    /** An error object of this format with the given type, code and message. */
    static String errorBody(Wire w, String type, String code, String message) {
        return switch (w) {
            case OPENAI -> "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\""
                    + code + "\"}}";
            case ANTHROPIC -> "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message
                    + "\"},\"request_id\":\"" + code + "\"}";
            case GEMINI -> "{\"error\":{\"code\":401,\"message\":\"" + message + "\",\"status\":\"" + type + "\","
                    + "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"" + code + "\"}]}}";
        };
    }

    /** The error as a stream event of this format (OpenRouter's error chunk, Anthropic's error event, Gemini's). */
    static String errorEvent(Wire w, String body) {
        return switch (w) {
            case OPENAI, GEMINI -> Wire.data(body);
            case ANTHROPIC -> Wire.event("error", body);
        };
    }

    enum Where { HTTP_401, HTTP_500, IN_BAND_200, SSE_ERROR_EVENT }

    static Stream<Arguments> echoCases() {
        List<Arguments> a = new ArrayList<>();
        for (Wire w : Wire.values()) {
            for (Where where : Where.values()) {
                for (String field : new String[] {"type", "code", "message"}) {
                    a.add(Arguments.of(w, where, field));
                }
            }
        }
        return a.stream();
    }

    private MockResponse hostile(Wire w, Where where, String body) {
        return switch (where) {
            case HTTP_401 -> Wire.json(401, body);
            case HTTP_500 -> Wire.json(500, body);
            case IN_BAND_200 -> Wire.json(200, body);
            case SSE_ERROR_EVENT -> Wire.sse(ResponseSizeLimitTest.delta(w, "Partial words ") + errorEvent(w, body));
        };
    }

    @ParameterizedTest(name = "{0} {1}: the key echoed in the error's {2}")
    @MethodSource("echoCases")
    void keyEchoedInAnErrorField(Wire w, Where where, String field) {
        boolean streamed = where == Where.SSE_ERROR_EVENT;
        List<String> surfaces = new ArrayList<>();
        int masked = 0;
        for (String echo : echoes()) {
            String type = field.equals("type") ? "invalid_key_" + echo : "authentication_error";
            String code = field.equals("code") ? echo : "invalid_api_key";
            String message = field.equals("message") ? "Incorrect API key provided: " + echo : "Invalid key";
            server.enqueue(hostile(w, where, errorBody(w, type, code, message)));
            ChatModel m = w.model(server.url("/").toString(), KEY);
            ProviderException[] e = new ProviderException[1];
            surfaces.add(TestSupport.captureStderr(() -> e[0] = Wire.failure(m, streamed)));
            surfaces.addAll(surfaces(e[0]));
            masked += String.join("|", surfaces(e[0])).contains("***") ? 1 : 0;
        }
        assertNoLeak(surfaces);
        if (!field.equals("code") || w == Wire.OPENAI) { // Anthropic's request_id and Gemini's reason are not read
            assertThat(masked).as("the echoes reached the client, masked").isPositive();
        }
    }

    @ParameterizedTest(name = "{0}: a non-JSON error body with the key at every offset of the snippet")
    @EnumSource(Wire.class)
    void keyCutByTheSnippetAtEveryOffset(Wire w) {
        List<String> surfaces = new ArrayList<>();
        ChatModel m = w.model(server.url("/").toString(), KEY);
        int last = w == Wire.OPENAI ? 205 : 205;
        int step = w == Wire.OPENAI ? 1 : 7; // every offset on one format; the snippet code is shared
        for (int offset = 0; offset <= last; offset += step) {
            String body = "<html><body>" + "-".repeat(offset) + KEY + " is not a valid key</body></html>";
            server.enqueue(new MockResponse.Builder().code(403).addHeader("Content-Type", "text/html").body(body).build());
            ProviderException[] e = new ProviderException[1];
            surfaces.add(TestSupport.captureStderr(() -> e[0] = Wire.failure(m, false)));
            surfaces.addAll(surfaces(e[0]));
        }
        assertNoLeak(surfaces);
    }

    @ParameterizedTest(name = "{0} streamed={1}: a parse error quoting the key leaves no run of it in the chain")
    @MethodSource("formatsAndModes")
    void parseErrorsDoNotQuoteTheKey(Wire w, boolean streamed) {
        String broken = "{\"choices\":[" + KEY + "]}";
        server.enqueue(streamed ? Wire.sse(Wire.data(broken)) : Wire.json(200, broken));
        ProviderException e = Wire.failure(w.model(server.url("/").toString(), KEY), streamed);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertNoLeak(surfaces(e));
    }

    static Stream<Arguments> formatsAndModes() {
        List<Arguments> a = new ArrayList<>();
        for (Wire w : Wire.values()) {
            a.add(Arguments.of(w, false));
            a.add(Arguments.of(w, true));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0}: an ask's records, JSON and logs hold no run of the key")
    @EnumSource(Wire.class)
    void askRecordsJsonAndLogs(Wire w) {
        server.enqueue(Wire.json(401, errorBody(w, "type_" + KEY, KEY, "bad key " + KEY)));
        server.enqueue(Wire.json(200, errorBody(w, KEY.substring(0, 10), KEY.substring(8), "in-band " + KEY)));
        server.enqueue(Wire.json(200, w.body(w.usage(w.validUsage))));
        server.enqueue(Wire.json(403, errorBody(w, "judge_" + KEY, "x" + KEY, KEY.substring(3))));
        Providers p = w.providers(server.url("/").toString(), KEY, dev.fusion.providers.ResponseLimits.defaults());
        RetryPolicy none = new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1), 0);
        Fusion fusion = Fusion.builder().member(Member.of(p.model("h:a"))).member(Member.of(p.model("h:b")))
                .member(Member.of(p.model("h:c"))).judge(p.model("h:judge")).retry(none)
                .judgeRetry(none).deadline(Duration.ofSeconds(15)).onJudgeFailure(OnJudgeFailure.BEST_ANSWER).build();
        List<String> surfaces = new ArrayList<>();
        FusionResult[] result = new FusionResult[1];
        Throwable[] failure = new Throwable[1];
        surfaces.add(TestSupport.captureStderr(() -> {
            try {
                result[0] = fusion.ask(FusionRequest.of("Say hello."));
            } catch (Throwable t) {
                failure[0] = t;
            }
        }));
        List<CallRecord> calls;
        if (result[0] != null) {
            surfaces.add(ResultJson.toJson(result[0]));
            surfaces.add(result[0].toString());
            calls = result[0].calls();
        } else {
            surfaces.addAll(surfaces(failure[0]));
            calls = ((AskFailedException) failure[0]).calls();
            surfaces.add(ResultJson.calls(calls).toString());
        }
        for (CallRecord c : calls) {
            surfaces.add(c.toString());
            surfaces.add(String.valueOf(c.error()));
            surfaces.add(c.attributes().toString());
        }
        assertThat(calls.stream().filter(c -> c.error() != null).count()).as("%s", calls).isGreaterThanOrEqualTo(2);
        assertNoLeak(surfaces);
    }

    // ------------------------------------------------------------------ configuration

    @ParameterizedTest(name = "a key holding {0} fails at configuration without showing the key")
    @ValueSource(strings = {"\r", "\n", "\u00A0", "\u0000", "\u200B", "é"})
    void keysIllegalInAHeaderFailAtConfiguration(String bad) {
        String codePoint = String.format("U+%04X", (int) bad.charAt(0));
        for (String key : new String[] {KEY + bad, KEY.substring(0, 10) + bad + KEY.substring(10), bad + KEY}) {
            if (bad.charAt(0) <= ' ' && !key.trim().equals(key)) {
                continue; // surrounding ASCII whitespace and controls are trimmed: that key is fine
            }
            Providers p = Providers.builder().env(Map.of("HOSTILE_TEST_KEY", key))
                    .provider("h", ProviderSpec.of(ProviderKind.ANTHROPIC, server.url("/").toString(), "HOSTILE_TEST_KEY"))
                    .build();
            Throwable t = catchThrowable(() -> p.model("h:claude"));
            assertThat(t).isInstanceOf(InvalidConfigurationException.class);
            assertThat(t.getMessage()).contains("HOSTILE_TEST_KEY").contains(codePoint).contains("cannot be sent in an HTTP header");
            assertNoLeak(surfaces(t));
            // A literal key too, and the public constructor.
            Providers lit = Providers.builder().env(Map.of())
                    .provider("h", ProviderSpec.of(ProviderKind.GEMINI, server.url("/").toString(), null).withApiKey(key))
                    .build();
            Throwable t2 = catchThrowable(() -> lit.model("h:gemini"));
            assertThat(t2).isInstanceOf(InvalidConfigurationException.class);
            assertThat(t2.getMessage()).contains("literal apiKey of provider 'h'").contains(codePoint);
            assertNoLeak(surfaces(t2));
            Throwable t3 = catchThrowable(() -> new OpenAiChatModel(ModelRef.parse("h:m"), server.url("/v1"), key,
                    Providers.defaultHttpClient(), null, Map.of()));
            assertThat(t3).isInstanceOf(InvalidConfigurationException.class);
            assertNoLeak(surfaces(t3));
        }
        assertThat(server.getRequestCount()).as("no request was made").isZero();
    }

    @Test
    void surroundingWhitespaceOfAKeyIsTrimmedAndTheKeyWorks() throws InterruptedException {
        server.enqueue(Wire.json(200, Wire.ANTHROPIC.body(Wire.ANTHROPIC.usage(Wire.ANTHROPIC.validUsage))));
        ChatModel m = Wire.ANTHROPIC.model(server.url("/").toString(), "  " + KEY + "\r\n");
        assertThat(Wire.response(m, false).text()).isEqualTo(Wire.ANSWER);
        assertThat(server.takeRequest().getHeaders().get("x-api-key")).isEqualTo(KEY);
    }

    @Test
    void baseUrlWithUserinfoIsRejectedWithoutThePassword() {
        for (String url : new String[] {"https://alice:Pz9wQ4rT7yU1@api.example.com/v1",
                "http://alice@127.0.0.1:8080/v1", "https://:Pz9wQ4rT7yU1@api.example.com"}) {
            assertThatThrownBy(() -> ProviderSpec.of(ProviderKind.OPENAI, url, "K"))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("userinfo")
                    .satisfies(t -> assertThat(t.getMessage()).doesNotContain("Pz9wQ4rT7yU1").doesNotContain("alice"));
        }
        // An unparseable URL (bad port) is echoed without what precedes its '@'.
        assertThatThrownBy(() -> ProviderSpec.of(ProviderKind.OPENAI, "http://alice:Pz9wQ4rT7yU1@host:99999/v1", "K"))
                .isInstanceOf(InvalidConfigurationException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("Pz9wQ4rT7yU1").doesNotContain("alice")
                        .contains("host:99999/v1"));
        // The public constructors refuse it too.
        HttpUrl withUserinfo = HttpUrl.get("http://bob:Pz9wQ4rT7yU1@127.0.0.1:9/v1");
        assertThatThrownBy(() -> new OpenAiChatModel(ModelRef.parse("h:m"), withUserinfo, null,
                Providers.defaultHttpClient(), null, Map.of()))
                .isInstanceOf(InvalidConfigurationException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("Pz9wQ4rT7yU1").doesNotContain("bob")
                        .contains("http://127.0.0.1:9/v1"));
    }

    /** A key never registered anywhere in this JVM before the test: only what the test does can mask it. */
    private static String freshKey() {
        return "sk-pasted-" + java.util.UUID.randomUUID().toString().replace("-", "");
    }

    private static String leakOf(String key, String text) {
        for (int i = 0; text != null && i + Redactor.RUN <= key.length(); i++) {
            if (text.contains(key.substring(i, i + Redactor.RUN))) {
                return key.substring(i, i + Redactor.RUN);
            }
        }
        return null;
    }

    @Test
    void aKeyPastedWhereItsVariableNameBelongsIsNeverPrinted() {
        String key = freshKey();
        String yaml = "providers:\n  lab: {kind: openai, baseUrl: \"" + server.url("/v1") + "\", apiKeyEnv: " + key + "}\n"
                + "panel: [lab:a]\njudge: lab:j\n";
        dev.fusion.providers.config.FusionConfig config = dev.fusion.providers.config.FusionConfig.parse(yaml);
        Throwable t = catchThrowable(() -> config.build(Providers.builder().env(Map.of()).build()));
        assertThat(t).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("provider 'lab' needs an API key")
                .hasMessageContaining("apiKeyEnv takes the name of the variable holding the key");
        List<String> shown = new ArrayList<>(surfaces(t));
        shown.add(config.toString());
        shown.add(config.spec().toString());
        shown.add(config.providers().toString());
        shown.add(ProviderSpec.of(ProviderKind.OPENAI, server.url("/v1").toString(), key).toString());
        for (String s : shown) {
            assertThat(leakOf(key, s)).as("a run of the key in: %s", s).isNull();
        }
        // an ordinary variable name is still named, so the fix is obvious
        Throwable named = catchThrowable(() -> Providers.builder().env(Map.of())
                .provider("lab", ProviderSpec.of(ProviderKind.OPENAI, server.url("/v1").toString(), "LAB_API_KEY")).build()
                .model("lab:a"));
        assertThat(named).hasMessage("provider 'lab' needs an API key: set the environment variable LAB_API_KEY (it is not set)");
        assertThat(server.getRequestCount()).as("no request was made").isZero();
    }

    @Test
    void aKeyPastedAsTheBaseUrlOrInItsQueryIsNeverPrinted() {
        String key = freshKey();
        Throwable t = catchThrowable(() -> ProviderSpec.of(ProviderKind.OPENAI, key, "K"));
        assertThat(t).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("is not an http(s) URL");
        assertThat(leakOf(key, t.getMessage())).isNull();
        Throwable inConfig = catchThrowable(() -> dev.fusion.providers.config.FusionConfig.parse(
                "providers:\n  lab: {kind: openai, baseUrl: " + key + ", apiKeyEnv: K}\npanel: [lab:a]\njudge: lab:j\n"));
        assertThat(inConfig).isInstanceOf(InvalidConfigurationException.class);
        assertThat(leakOf(key, inConfig.getMessage())).as(inConfig.getMessage()).isNull();
        // a URL that merely lacks its scheme is still echoed, so the mistake can be seen
        assertThatThrownBy(() -> ProviderSpec.of(ProviderKind.OPENAI, "api.example.com/v1", "K"))
                .hasMessage("baseUrl 'api.example.com/v1' is not an http(s) URL");
        // Gemini users put ?key= on a URL: the spec and the config print scheme, host, port and path only
        String withQuery = server.url("/v1beta").toString() + "?key=" + key;
        ProviderSpec spec = ProviderSpec.of(ProviderKind.GEMINI, withQuery, "K");
        assertThat(spec.toString()).contains(server.url("/v1beta").host()).contains("/v1beta");
        assertThat(leakOf(key, spec.toString())).as(spec.toString()).isNull();
        dev.fusion.providers.config.FusionConfig config = dev.fusion.providers.config.FusionConfig.parse(
                "providers:\n  lab: {kind: gemini, baseUrl: \"" + withQuery + "\", apiKeyEnv: K}\npanel: [lab:a]\njudge: lab:j\n");
        assertThat(leakOf(key, config.providers().toString())).as(config.providers().toString()).isNull();
    }
}
