package dev.fusion.spring.boot;

import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

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
 * while other values are shown (so the endpoint really does show values). The application is started
 * with {@link SpringApplication} itself (Spring's JUnit extension needs a newer JUnit than the build's).
 */
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
        if (app != null) {
            app.close();
        }
        server.close();
    }

    private static final String PASTED = "sk-pasted-8Hv3Nq6Ty1Wm4Rc7Zk2J";

    private static ConfigurableApplicationContext app;

    private static ConfigurableApplicationContext app() {
        if (app == null) {
            app = new SpringApplicationBuilder(App.class).properties(
                    "server.port=0",
                    "server.address=127.0.0.1",
                    "management.endpoints.web.exposure.include=env",
                    "management.endpoint.env.show-values=always",
                    "fusion.providers.sandbox.kind=openai",
                    "fusion.providers.sandbox.base-url=" + server.baseUrl(WireFormat.OPENAI),
                    "fusion.providers.sandbox.api-key-env=MY_LLM_CREDS",
                    // a second provider whose key was pasted where its variable's name belongs
                    "fusion.providers.pasted.kind=openai",
                    "fusion.providers.pasted.base-url=http://127.0.0.1:9/v1",
                    "fusion.providers.pasted.api-key-env=" + PASTED,
                    "MY_LLM_CREDS=" + KEY,
                    "SOME_VENDOR_API_KEY=" + OTHER_KEY,
                    "plain.setting=visible-value-42",
                    "fusion.panel=sandbox:sandbox-swift,sandbox:sandbox-terse",
                    "fusion.judge=sandbox:sandbox-judge",
                    "fusion.allow-unpriced=true",
                    "fusion.retries=0").run();
        }
        return app;
    }

    private String get(String path) throws Exception {
        String port = app().getEnvironment().getProperty("local.server.port");
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

    @Test
    void aKeyPastedIntoApiKeyEnvIsMaskedAsAValue() throws Exception {
        String env = get("/actuator/env");
        assertThat(env).contains("fusion.providers.pasted.api-key-env").contains("visible-value-42");
        for (int i = 0; i + 8 <= PASTED.length(); i++) {
            assertThat(env).as("run %d of the pasted key", i).doesNotContain(PASTED.substring(i, i + 8));
        }
        assertThat(new dev.fusion.spring.boot.internal.ApiKeySanitizer(
                dev.fusion.spring.boot.internal.PropertyTree.lenient(app().getEnvironment())).toString())
                .contains("MY_LLM_CREDS").doesNotContain(PASTED.toUpperCase(java.util.Locale.ROOT).substring(0, 12));
    }
}
