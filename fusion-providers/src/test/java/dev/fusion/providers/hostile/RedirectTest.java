package dev.fusion.providers.hostile;

import dev.fusion.AskFailedException;
import dev.fusion.CallError;
import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.ResponseLimits;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redirects are never followed: a provider base URL answering 301/302/307/308 with a Location on
 * another origin must not make the client send anything there (OkHttp would strip only
 * {@code Authorization}: Anthropic's {@code x-api-key} and Gemini's {@code x-goog-api-key} would
 * travel). The call fails once, not retried, with a typed cause naming the status and the target
 * origin without its userinfo, path or query. All three wire formats, streamed and not.
 */
class RedirectTest {

    private static final String KEY = "sk-Rq8vW2nK5tY7pZ3xB9mC4";

    private MockWebServer provider;
    private MockWebServer elsewhere;

    @BeforeEach
    void start() throws IOException {
        provider = new MockWebServer();
        provider.start();
        elsewhere = new MockWebServer(); // records whatever reaches it
        elsewhere.start();
    }

    @AfterEach
    void stop() {
        provider.close();
        elsewhere.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Wire w : Wire.values()) {
            for (int status : new int[] {301, 302, 307, 308}) {
                a.add(Arguments.of(w, status, false));
                a.add(Arguments.of(w, status, true));
            }
        }
        return a.stream();
    }

    private String location() {
        // Userinfo, path and query on the target: none of it may be printed.
        return "http://mallory:hunter2@127.0.0.1:" + elsewhere.getPort() + "/collect/keys?token=abc123&x=" + KEY;
    }

    private void redirectEveryRequest(Wire w, int status) {
        for (int i = 0; i < 4; i++) {
            provider.enqueue(new MockResponse.Builder().code(status).addHeader("Location", location())
                    .body(w.body(w.usage(w.validUsage))).build());
        }
        for (int i = 0; i < 4; i++) {
            elsewhere.enqueue(Wire.json(200, w.body(w.usage(w.validUsage))));
        }
    }

    @ParameterizedTest(name = "{0} HTTP {1} streamed={2}: not followed, typed, one attempt")
    @MethodSource("cases")
    void redirectIsAFailedCallNamingStatusAndOrigin(Wire w, int status, boolean streamed) {
        redirectEveryRequest(w, status);
        ChatModel model = w.model(provider.url("/").toString(), KEY);

        ProviderException e = Wire.failure(model, streamed);

        assertThat(elsewhere.getRequestCount()).as("requests that reached the other origin").isZero();
        assertThat(provider.getRequestCount()).isEqualTo(1);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.REDIRECT);
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.retryable()).isFalse();
        String origin = "http://127.0.0.1:" + elsewhere.getPort();
        assertThat(e.getMessage()).contains("HTTP " + status).contains("redirecting to " + origin + ";")
                .doesNotContain("mallory").doesNotContain("hunter2").doesNotContain("/collect")
                .doesNotContain("token").doesNotContain("abc123").doesNotContain(KEY);
        CallError err = CallError.of(e);
        assertThat(err.type()).isEqualTo("redirect");
        assertThat(err.status()).isEqualTo(status);
        assertThat(err.retryable()).isFalse();
    }

    @ParameterizedTest(name = "{0} HTTP {1} streamed={2}: a caller's client that follows redirects is guarded too")
    @MethodSource("cases")
    void aCallersOwnClientIsGuarded(Wire w, int status, boolean streamed) {
        redirectEveryRequest(w, status);
        okhttp3.OkHttpClient permissive = new okhttp3.OkHttpClient.Builder().followRedirects(true)
                .followSslRedirects(true).build();
        String url = w.basePath.equals("/v1") ? provider.url("/v1").toString() : provider.url("/").toString();
        var providers = dev.fusion.providers.Providers.builder().env(java.util.Map.of(Wire.KEY_ENV, KEY))
                .httpClient(permissive).provider("h", dev.fusion.providers.ProviderSpec.of(w.kind, url, Wire.KEY_ENV))
                .build();
        assertThat(providers.httpClient().followRedirects()).isFalse();
        ProviderException e = Wire.failure(providers.model("h:test-model"), streamed);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.REDIRECT);
        assertThat(elsewhere.getRequestCount()).isZero();
        // A model built directly on the permissive client is guarded as well.
        ChatModel direct = switch (w) {
            case OPENAI -> new dev.fusion.providers.openai.OpenAiChatModel(dev.fusion.model.ModelRef.parse("h:m"),
                    provider.url("/v1"), KEY, permissive, null, java.util.Map.of());
            case ANTHROPIC -> new dev.fusion.providers.anthropic.AnthropicChatModel(
                    dev.fusion.model.ModelRef.parse("h:m"), provider.url("/"), KEY, permissive, java.util.Map.of());
            case GEMINI -> new dev.fusion.providers.gemini.GeminiChatModel(dev.fusion.model.ModelRef.parse("h:m"),
                    provider.url("/"), KEY, permissive, java.util.Map.of());
        };
        assertThat(Wire.failure(direct, streamed).kind()).isEqualTo(ProviderException.Kind.REDIRECT);
        assertThat(elsewhere.getRequestCount()).isZero();
        assertThat(provider.getRequestCount()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} HTTP {1} streamed={2}: a retrying ask makes one attempt")
    @MethodSource("cases")
    void aRetryingAskDoesNotRetryARedirect(Wire w, int status, boolean streamed) {
        redirectEveryRequest(w, status);
        var providers = w.providers(provider.url("/").toString(), KEY, ResponseLimits.defaults());
        RetryPolicy retry = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1), 0);
        Fusion fusion = Fusion.builder().member(Member.of(providers.model("h:panel")))
                .judge(providers.model("h:judge")).panelStreaming(streamed).retry(retry).judgeRetry(retry)
                .deadline(Duration.ofSeconds(10)).onJudgeFailure(OnJudgeFailure.BEST_ANSWER).build();
        List<CallRecord> calls;
        try {
            FusionResult r = fusion.ask(FusionRequest.of("Say hello."));
            calls = r.calls();
        } catch (AskFailedException failed) {
            calls = failed.calls();
        }
        CallRecord panel = calls.stream().filter(c -> c.model().model().equals("panel")).findFirst().orElseThrow();
        assertThat(panel.attempts()).isEqualTo(1);
        assertThat(panel.error().type()).isEqualTo("redirect");
        assertThat(panel.error().message()).contains("HTTP " + status).doesNotContain("hunter2");
        assertThat(provider.getRequestCount()).as("one request for the panel member, none retried").isEqualTo(1);
        assertThat(elsewhere.getRequestCount()).isZero();
    }
}
