package dev.fusion.spring.boot;

import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Spring Boot application (embedded Tomcat, Actuator) with the {@code env} endpoint exposed and
 * {@code show-values: always}: the variables the starter's {@code api-key-env} properties name hold
 * keys, and {@code /actuator/env} shows them masked, including a name with nothing key-like in it,
 * while other values are shown (so the endpoint really does show values).
 */
@SpringBootTest(classes = ActuatorEnvMaskingTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "management.endpoints.web.exposure.include=env",
                "management.endpoint.env.show-values=always",
                "fusion.providers.sandbox.kind=openai",
                "fusion.providers.sandbox.api-key-env=MY_LLM_CREDS",
                "MY_LLM_CREDS=" + ActuatorEnvMaskingTest.KEY,
                "SOME_VENDOR_API_KEY=" + ActuatorEnvMaskingTest.OTHER_KEY,
                "plain.setting=visible-value-42",
                "fusion.panel=sandbox:sandbox-swift,sandbox:sandbox-terse",
                "fusion.judge=sandbox:sandbox-judge",
                "fusion.allow-unpriced=true",
                "fusion.retries=0"})
class ActuatorEnvMaskingTest {

    static final String KEY = "sk-Env7Qk2Wm9Xr4Lt1Vn6Pz3Hd";
    static final String OTHER_KEY = "vk-Oth3rVend0rK3y8Zq5Ws1";
    private static WireServer server;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @BeforeAll
    static void start() {
        server = WireServer.start(Behaviour.builder().models(Sandbox.behaviour(0)).requireApiKey(KEY).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @DynamicPropertySource
    static void baseUrl(DynamicPropertyRegistry registry) {
        registry.add("fusion.providers.sandbox.base-url", () -> server.baseUrl(WireFormat.OPENAI));
    }

    @Autowired
    Environment environment;

    private String get(String path) throws Exception {
        String port = environment.getProperty("local.server.port");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void theVariablesHoldingKeysAreMaskedAndOtherValuesShown() throws Exception {
        String env = get("/actuator/env");
        assertThat(env).contains("visible-value-42"); // show-values is really on
        assertThat(env).contains("MY_LLM_CREDS").contains("SOME_VENDOR_API_KEY");
        assertThat(env).doesNotContain(KEY).doesNotContain(KEY.substring(3, 15));
        assertThat(env).doesNotContain(OTHER_KEY);
        String one = get("/actuator/env/MY_LLM_CREDS");
        assertThat(one).doesNotContain(KEY).contains("******");
    }
}
