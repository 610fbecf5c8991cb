package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.cost.Price;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Gateway keys: who may ask, what, how often and for how much; and that a client's key goes nowhere. */
class GatewayKeysTest {

    static final ObjectMapper M = new ObjectMapper();
    static final String CANARY = "sk-fusion-canary-5d1e0b7f3a9c2e14";
    static final String ASK = "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}";

    @Test
    void noKeyAndWrongKeyAre401InEachShapeAndTheCanaryNeverShows() throws Exception {
        PrintStream realErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (SandboxGateway gw = new SandboxGateway(b -> b.key(GatewayKey.of("web", GatewayKey.hash(CANARY))))) {
            HttpResponse<String> none = gw.post("/v1/chat/completions", ASK);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(M.readTree(none.body()).at("/error/type").asText()).isEqualTo("authentication_error");
            String almost = CANARY.substring(0, CANARY.length() - 1) + "x";
            HttpResponse<String> wrong = gw.post("/v1/messages", ASK.replace("{\"model\"", "{\"max_tokens\":9,\"model\""), "x-api-key", almost);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(M.readTree(wrong.body()).at("/error/type").asText()).isEqualTo("authentication_error");
            assertThat(gw.get("/v1/models").statusCode()).isEqualTo(401);
            // the right key, as Bearer and as x-api-key
            assertThat(gw.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY).statusCode()).isEqualTo(200);
            HttpResponse<String> anth = gw.post("/v1/messages", ASK.replace("{\"model\"", "{\"max_tokens\":99,\"model\""),
                    "x-api-key", CANARY, "anthropic-version", "2023-06-01");
            assertThat(anth.statusCode()).as(anth.body()).isEqualTo(200);
            // the key echoed back in a bad request goes nowhere either
            HttpResponse<String> echo = gw.post("/v1/chat/completions", "{\"model\":\"" + CANARY + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    "authorization", "Bearer " + CANARY);
            assertThat(echo.statusCode()).isEqualTo(404);
            for (HttpResponse<String> r : List.of(none, wrong, anth, echo)) {
                assertThat(r.body()).doesNotContain(CANARY.substring(8, 24));
                assertThat(r.headers().map().toString()).doesNotContain(CANARY.substring(8, 24));
            }
        } finally {
            System.setErr(realErr);
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain(CANARY.substring(8, 24));
    }

    @Test
    void aKeyMayOnlyAskItsModels() throws Exception {
        try (SandboxGateway gw = new SandboxGateway(b -> b
                .fusion("budget", fusionOnSandboxLater())
                .key(new GatewayKey("web", GatewayKey.hash(CANARY), Set.of("fusion/budget"), null, null, 0, 0)))) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(M.readTree(r.body()).at("/error/code").asText()).isEqualTo("model_not_allowed");
            JsonNode models = M.readTree(gw.get("/v1/models", "authorization", "Bearer " + CANARY).body());
            assertThat(models.path("data")).extracting(n -> n.path("id").asText()).containsExactly("fusion/budget");
        }
    }

    /** A second fusion that is never asked (only listed). */
    private static Fusion fusionOnSandboxLater() {
        Providers p = Providers.builder().env(Map.of()).provider("nowhere", ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:9/v1")).build();
        return Fusion.builder().panel(p.model("nowhere:a")).judge(p.model("nowhere:b")).build();
    }

    @Test
    void aKeyOverItsDailyBudgetGets429WithRetryAfter() throws Exception {
        try (SandboxGateway gw = new SandboxGateway(b -> b.key(new GatewayKey("tight", GatewayKey.hash(CANARY), Set.of(),
                new BigDecimal("0.000001"), null, 0, 0)))) {
            HttpResponse<String> first = gw.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(new BigDecimal(first.headers().firstValue("x-fusion-cost-usd").orElseThrow())).isGreaterThan(new BigDecimal("0.000001"));
            HttpResponse<String> second = gw.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY);
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.body()).contains("daily budget");
            long retry = Long.parseLong(second.headers().firstValue("retry-after").orElseThrow());
            assertThat(retry).isBetween(1L, 86_400L);
            HttpResponse<String> anth = gw.post("/v1/messages", ASK.replace("{\"model\"", "{\"max_tokens\":9,\"model\""), "x-api-key", CANARY);
            assertThat(anth.statusCode()).isEqualTo(429);
            assertThat(M.readTree(anth.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
        }
    }

    @Test
    void aKeyOverItsRequestsPerMinuteGets429() throws Exception {
        try (SandboxGateway gw = new SandboxGateway(b -> b.key(new GatewayKey("slow", GatewayKey.hash(CANARY), Set.of(), null, null, 1, 0)))) {
            assertThat(gw.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY).statusCode()).isEqualTo(200);
            HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY);
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.body()).contains("requests per minute (1)");
            assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 60L);
        }
    }

    @Test
    void theClientsKeyIsNeverSentUpstream() throws Exception {
        try (FakeUpstream up = new FakeUpstream()) {
            Providers p = Providers.builder().env(Map.of("FAKE_KEY", "sk-upstream-secret-0123456789"))
                    .provider("fake", ProviderSpec.of(ProviderKind.OPENAI, up.baseUrl(), "FAKE_KEY")).build();
            Fusion f = Fusion.builder().panel(p.model("fake:ok-a"), p.model("fake:ok-b")).judge(p.model("fake:ok-judge"))
                    .price("fake:ok-a", Price.of("1", "2")).price("fake:ok-b", Price.of("1", "2")).price("fake:ok-judge", Price.of("1", "2"))
                    .build();
            try (FusionServer server = FusionServer.builder().port(0).fusion("default", f)
                    .key(GatewayKey.of("web", GatewayKey.hash(CANARY))).start()) {
                SandboxGateway.Client c = new SandboxGateway.Client(server.baseUrl());
                HttpResponse<String> r = c.post("/v1/chat/completions", ASK, "authorization", "Bearer " + CANARY, "x-api-key", CANARY);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                HttpResponse<String> s = c.post("/v1/chat/completions", ASK.replace("{\"model\"", "{\"stream\":true,\"model\""),
                        "authorization", "Bearer " + CANARY);
                assertThat(s.body()).contains("data: [DONE]");
            }
            assertThat(up.headers).hasSize(6); // two asks, three calls each
            for (Map<String, String> h : up.headers) {
                assertThat(h.toString()).doesNotContain(CANARY.substring(8, 24));
                assertThat(h.get("authorization")).isEqualTo("Bearer sk-upstream-secret-0123456789");
            }
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutKeysIsRefused() {
        Providers p = Providers.builder().env(Map.of()).provider("nowhere", ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:9/v1")).build();
        Fusion f = Fusion.builder().panel(p.model("nowhere:a")).judge(p.model("nowhere:b")).build();
        assertThatThrownBy(() -> FusionServer.builder().host("0.0.0.0").port(0).fusion("default", f).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without gateway keys");
    }

    @Test
    void keysCompareByHashAndShowNoHashInFull() {
        GatewayKey k = GatewayKey.of("web", GatewayKey.hash(CANARY));
        assertThat(k.sha256Hex()).hasSize(64).doesNotContain(CANARY);
        assertThat(k.toString()).doesNotContain(k.sha256Hex());
        assertThatThrownBy(() -> GatewayKey.of("web", CANARY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(CANARY);
    }
}
