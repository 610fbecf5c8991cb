package dev.fusion.test;

import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox as a JUnit 5 extension: a real loopback server on an ephemeral port, injected. */
@ExtendWith(FusionSandboxExtension.class)
class FusionSandboxExtensionTest {

    @Test
    void theSandboxAnswersOverRealHttp(WireServer sandbox) throws Exception {
        assertThat(sandbox.port()).isPositive();
        String body = "{\"model\":\"sandbox-swift\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(sandbox.baseUrl(WireFormat.OPENAI) + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("choices");
        assertThat(sandbox.requestCount()).isEqualTo(1);
    }
}
