package dev.fusion.cli;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever answers at a local model server's port is untrusted: the model list is bounded in size and time,
 * redirects are not followed, and ids that could not be a model id are skipped. Real HTTP (MockWebServer).
 */
@Timeout(60)
class LocalProbeTest {

    private final MockWebServer server = new MockWebServer();
    /** The probe's own client, with the default-port wait shortened. */
    private final OkHttpClient http = Setup.Local.client(Duration.ofMillis(400), Duration.ofMillis(250));

    @BeforeEach
    void start() throws Exception {
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        http.connectionPool().evictAll();
    }

    private String base() {
        return server.url("/v1").toString();
    }

    private static MockResponse json(String body) {
        return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(body).build();
    }

    @Test
    void keepsPrintableIdsAndSkipsTheRest() {
        server.enqueue(json("""
                {"data":[{"id":"llama3.2:latest"},{"id":"hf.co/org/Model-GGUF:Q4_K_M"},{"id":""},{"id":"bad id"},
                {"id":"tab\\tid"},{"id":"bell\\u0007"},{"id":"%s"},{"id":42},{"object":"model"}]}
                """.formatted("x".repeat(201))));
        assertThat(Setup.Local.models(http, "ollama", base()))
                .containsExactly("llama3.2:latest", "hf.co/org/Model-GGUF:Q4_K_M", "42");
    }

    @Test
    void aModelListOverTheBoundIsNotUsedNorReadToTheEnd() {
        StringBuilder big = new StringBuilder("{\"data\":[");
        while (big.length() <= Setup.Local.MAX_MODELS_BYTES) {
            big.append("{\"id\":\"m").append(big.length()).append("\"},");
        }
        big.append("{\"id\":\"last\"}]}");
        server.enqueue(json(big.toString()));
        assertThat(Setup.Local.models(http, "ollama", base())).isEmpty();
        // Just under the bound is read.
        server.enqueue(json("{\"data\":[{\"id\":\"small\"}]}"));
        assertThat(Setup.Local.models(http, "ollama", base())).containsExactly("small");
    }

    @Test
    void aBodyThatDripsEndsWithTheCallTimeout() {
        Buffer body = new Buffer().writeUtf8("{\"data\":[{\"id\":\"slow\"}]}" + " ".repeat(64));
        server.enqueue(new MockResponse.Builder().code(200).body(body).throttleBody(1, 100, TimeUnit.MILLISECONDS).build());
        // 88 bytes at 1 per 100 ms would take 8.8 s; the probe's whole-call timeout (400 ms here) ends it.
        assertThat(Setup.Local.models(http, "ollama", base())).isEmpty();
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        try (MockWebServer elsewhere = new MockWebServer()) {
            elsewhere.start();
            elsewhere.enqueue(json("{\"data\":[{\"id\":\"elsewhere\"}]}"));
            server.enqueue(new MockResponse.Builder().code(302).setHeader("Location", elsewhere.url("/v1/models")).build());
            assertThat(Setup.Local.models(http, "ollama", base())).isEmpty();
            assertThat(elsewhere.getRequestCount()).isZero();
        }
    }

    @Test
    void notJsonErrorsAndOtherStatusesAreNoServer() {
        server.enqueue(json("<html>hello</html>"));
        server.enqueue(new MockResponse.Builder().code(404).body("{\"data\":[{\"id\":\"x\"}]}").build());
        server.enqueue(json("{\"data\":{\"id\":\"not-a-list\"}}"));
        assertThat(Setup.Local.models(http, "ollama", base())).isEmpty();
        assertThat(Setup.Local.models(http, "ollama", base())).isEmpty();
        assertThat(Setup.Local.models(http, "ollama", base())).isEmpty();
    }

    @Test
    void theSearchCanBeTurnedOff() {
        for (String off : List.of("off", "OFF", " false ", "0")) {
            assertThat(Setup.Local.probeOff(Map.of("FUSION_LOCAL_PROBE", off))).as(off).isTrue();
        }
        for (String on : List.of("on", "", "1", "yes")) {
            assertThat(Setup.Local.probeOff(Map.of("FUSION_LOCAL_PROBE", on))).as(on).isFalse();
        }
        assertThat(Setup.Local.probeOff(Map.of())).isFalse();
        // Off, nothing is asked: not even an OLLAMA_HOST that names this server.
        server.enqueue(json("{\"data\":[{\"id\":\"llama\"}]}"));
        assertThat(Setup.Local.probe(Map.of("FUSION_LOCAL_PROBE", "off", "OLLAMA_HOST", "127.0.0.1:" + server.getPort())))
                .isNull();
        assertThat(server.getRequestCount()).isZero();
    }
}
