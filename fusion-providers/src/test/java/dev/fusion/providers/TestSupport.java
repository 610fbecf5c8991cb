package dev.fusion.providers;

import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelStreamEvent;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Shared helpers for provider tests. */
public final class TestSupport {

    /** A key that must never appear in any message, toString or log line. */
    public static final String CANARY = "sk-canary-7f3a9c1e5b2d4f6a8c0e";

    private TestSupport() {
    }

    /** A registry whose providers of every kind point at the given servers, keys from a test env. */
    public static Providers providers(MockWebServer openai, MockWebServer anthropic, MockWebServer gemini) {
        Providers.Builder b = Providers.builder().env(Map.of("TEST_OPENAI_KEY", CANARY, "TEST_ANTHROPIC_KEY", CANARY,
                "TEST_GEMINI_KEY", CANARY));
        if (openai != null) {
            b.provider("oai", ProviderSpec.of(ProviderKind.OPENAI, openai.url("/v1").toString(), "TEST_OPENAI_KEY"));
            b.provider("oaimct", ProviderSpec.of(ProviderKind.OPENAI, openai.url("/v1").toString(), "TEST_OPENAI_KEY")
                    .withMaxTokensParam("max_completion_tokens"));
        }
        if (anthropic != null) {
            b.provider("ant", ProviderSpec.of(ProviderKind.ANTHROPIC, anthropic.url("/").toString(), "TEST_ANTHROPIC_KEY"));
        }
        if (gemini != null) {
            b.provider("gem", ProviderSpec.of(ProviderKind.GEMINI, gemini.url("/").toString(), "TEST_GEMINI_KEY"));
        }
        return b.build();
    }

    public static ModelRequest request() {
        return ModelRequest.builder().system("Be brief.").user("What is 2+2?").maxOutputTokens(256)
                .temperature(0.2).seed(7L).build();
    }

    public static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    public static MockResponse sse(String body) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "text/event-stream").body(body).build();
    }

    /** SSE text: one {@code data:} event per payload. */
    public static String dataEvents(String... payloads) {
        StringBuilder sb = new StringBuilder();
        for (String p : payloads) {
            sb.append("data: ").append(p).append("\n\n");
        }
        return sb.toString();
    }

    public static String body(RecordedRequest r) {
        return r.getBody() == null ? "" : r.getBody().utf8();
    }

    /** The deltas' text, concatenated. */
    public static String deltas(List<ModelStreamEvent> events) {
        StringBuilder sb = new StringBuilder();
        for (ModelStreamEvent e : events) {
            if (e instanceof ModelStreamEvent.TextDelta d) {
                sb.append(d.text());
            }
        }
        return sb.toString();
    }

    /** Captures everything written to System.err (where slf4j-simple logs) while it runs. */
    public static String captureStderr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        old.print(out);
        return out;
    }

    /**
     * A bare server that accepts one connection, reads the request head, optionally writes a
     * response head (and a first body chunk), then waits: {@link #clientClosed} completes when the
     * client closes the socket, which is how a test sees, on the server side, that a cancelled call
     * really aborted the request.
     */
    public static final class HangingServer implements AutoCloseable {
        private final ServerSocket server;
        public final CompletableFuture<Boolean> clientClosed = new CompletableFuture<>();
        public final CompletableFuture<String> requestHead = new CompletableFuture<>();
        private final Thread thread;

        public HangingServer(String responsePrefix) throws Exception {
            server = new ServerSocket(0);
            thread = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        head.append((char) c);
                    }
                    requestHead.complete(head.toString());
                    if (responsePrefix != null) {
                        s.getOutputStream().write(responsePrefix.getBytes(StandardCharsets.UTF_8));
                        s.getOutputStream().flush();
                    }
                    // Drain the request body, then wait for EOF (client closed) or the timeout.
                    byte[] buf = new byte[4096];
                    try {
                        while (in.read(buf) >= 0) {
                            // keep reading until the client closes
                        }
                        clientClosed.complete(true);
                    } catch (SocketTimeoutException e) {
                        clientClosed.complete(false);
                    } catch (java.io.IOException e) {
                        clientClosed.complete(true); // connection reset by the client
                    }
                } catch (Exception e) {
                    clientClosed.completeExceptionally(e);
                }
            }, "hanging-server");
            thread.setDaemon(true);
            thread.start();
        }

        public String baseUrl() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        public boolean awaitClientClosed() throws Exception {
            return clientClosed.get(12, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }
}
