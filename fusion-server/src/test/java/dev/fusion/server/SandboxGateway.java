package dev.fusion.server;

import dev.fusion.Fusion;
import dev.fusion.sandbox.providers.SandboxProviders;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** A gateway on port 0 in front of fusions on the offline sandbox (instant latencies), for tests. */
final class SandboxGateway implements AutoCloseable {

    final SandboxProviders sandbox;
    final FusionServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    SandboxGateway(Consumer<FusionServer.Builder> configure) {
        this(0.0, configure);
    }

    SandboxGateway(double latencyScale, Consumer<FusionServer.Builder> configure) {
        this(latencyScale, (sandbox, b) -> configure.accept(b));
    }

    /** As above, and the configuration sees the sandbox (to build more fusions on it). */
    SandboxGateway(double latencyScale, java.util.function.BiConsumer<SandboxProviders, FusionServer.Builder> configure) {
        sandbox = SandboxProviders.start(0, latencyScale);
        FusionServer.Builder b = FusionServer.builder().port(0).fusion("default", fusion(sandbox, sandbox.panel()));
        configure.accept(sandbox, b);
        server = b.start();
    }

    static Fusion fusion(SandboxProviders sandbox, List<String> panel) {
        Fusion.Builder b = Fusion.builder().priceBook(sandbox.priceBook()).quorum(2);
        for (String m : panel) {
            b.panel(sandbox.model(m));
        }
        return b.judge(sandbox.model(sandbox.judge())).build();
    }

    String url(String path) {
        return server.baseUrl() + path;
    }

    /** Shuts a server down at the end of a try block. */
    record Closing(FusionServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.shutdown(Duration.ZERO);
        }
    }

    /** A plain HTTP client of one server. */
    static final class Client {
        final String base;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        Client(String base) {
            this.base = base;
        }

        HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            for (int i = 0; i < headers.length; i += 2) {
                r.header(headers[i], headers[i + 1]);
            }
            return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO);
        sandbox.close();
    }
}
