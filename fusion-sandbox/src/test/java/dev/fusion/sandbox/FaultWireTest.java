package dev.fusion.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** What each fault puts on the wire, read with a raw socket (no HTTP client to smooth it over). */
class FaultWireTest {

    static WireServer server;

    @BeforeAll
    static void start() {
        server = WireServer.start(Behaviour.builder()
                .model("reset", Script.failing(Fault.resetMidBody()))
                .model("stall", Script.failing(Fault.stallMidBody()))
                .model("truncated", Script.failing(Fault.truncatedBody()))
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The raw response bytes and how the connection ended. */
    record Raw(String text, String end) {
    }

    static Raw exchange(String path, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            // The first byte may be slow on a busy machine (a fresh server, JIT): wait for it generously;
            // after it, a second of silence is what tells a stalled body from one that ended.
            s.setSoTimeout(30_000);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            String end;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                    s.setSoTimeout(1000);
                }
                end = "eof";
            } catch (SocketTimeoutException e) {
                end = "silence";
            } catch (IOException e) {
                end = "reset: " + e.getMessage();
            }
            return new Raw(got.toString(StandardCharsets.UTF_8), end);
        }
    }

    static String openAi(String model, boolean stream) {
        return Http.openAi(model, "Be brief.", "Say hello to the sandbox, please.", stream, stream, null);
    }

    @Test
    void resetMidBodyResetsANonStreamedResponseAfterHalfTheBody() throws IOException {
        Raw r = exchange("/v1/chat/completions", openAi("reset", false));
        assertThat(r.text()).startsWith("HTTP/1.1 200").contains("content-length:").contains("\"id\":\"chatcmpl-");
        assertThat(r.end()).as("the connection ends with a reset, not silence").startsWith("reset");
    }

    @Test
    void resetMidBodyResetsAStream() throws IOException {
        Raw r = exchange("/v1/chat/completions", openAi("reset", true));
        assertThat(r.text()).startsWith("HTTP/1.1 200").contains("data: ").doesNotContain("[DONE]");
        assertThat(r.end()).startsWith("reset");
    }

    @Test
    void truncatedBodyEndsCleanlyWithHalfTheJson() throws IOException {
        Raw r = exchange("/v1/chat/completions", openAi("truncated", false));
        String body = r.text().substring(r.text().indexOf("\r\n\r\n") + 4);
        assertThat(r.text()).containsIgnoringCase("content-length: " + body.getBytes(StandardCharsets.UTF_8).length);
        assertThat(body).startsWith("{").doesNotEndWith("}");
        assertThat(r.end()).isEqualTo("silence"); // a complete (keep-alive) message: the client must see the JSON is cut
    }

    @Test
    void stallMidBodySendsHalfThenNothing() throws IOException {
        Raw r = exchange("/v1/chat/completions", openAi("stall", false));
        assertThat(r.text()).startsWith("HTTP/1.1 200").contains("\"id\":\"chatcmpl-");
        assertThat(r.end()).isEqualTo("silence");
    }
}
