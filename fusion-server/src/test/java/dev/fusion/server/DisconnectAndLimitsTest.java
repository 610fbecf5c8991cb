package dev.fusion.server;

import dev.fusion.Fusion;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that goes away cancels its ask, proven at the upstream server: its connections close. Bodies,
 * headers and concurrent asks are bounded. Raw sockets, so a disconnect is a real one.
 */
class DisconnectAndLimitsTest {

    /** Generous, and far below the members' 60 s timeout: a close seen within it can only be the cancellation. */
    static final long WAIT_S = 30;

    private static Fusion hanging(FakeUpstream up) {
        Providers p = Providers.builder().env(Map.of("FAKE_KEY", "sk-upstream-secret-0123456789"))
                .provider("fake", ProviderSpec.of(ProviderKind.OPENAI, up.baseUrl(), "FAKE_KEY")).build();
        return Fusion.builder().panel(p.model("fake:hang-a"), p.model("fake:hang-b")).judge(p.model("fake:ok-judge"))
                .memberTimeout(Duration.ofSeconds(60)).deadline(Duration.ofSeconds(120)).allowUnpriced(true).build();
    }

    private static Socket send(FusionServer server, String path, String body) throws Exception {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_S));
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return s;
    }

    @Test
    void aClientGoneMidStreamClosesEveryUpstreamCall() throws Exception {
        try (FakeUpstream up = new FakeUpstream();
             FusionServer server = FusionServer.builder().port(0).fusion("default", hanging(up)).start()) {
            Socket s = send(server, "/v1/chat/completions", "{\"model\":\"fusion/default\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            int started = 0;
            for (String line; started < 2 && (line = in.readLine()) != null; ) {
                if (line.startsWith(": member fake:hang-") && line.endsWith("started")) {
                    started++;
                }
            }
            List<String> events = new ArrayList<>();
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            assertThat(events).containsExactlyInAnyOrder("request hang-a", "request hang-b");
            long gone = System.nanoTime();
            s.close();
            events.clear();
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gone);
            // both panel calls closed, and the judge was never called
            assertThat(events).containsExactlyInAnyOrder("closed hang-a", "closed hang-b");
            assertThat(up.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
            System.out.println("stream disconnect: upstream connections closed " + closedAfterMs + " ms after the client left");
        }
    }

    @Test
    void aClientGoneBeforeAWholeAnswerClosesEveryUpstreamCall() throws Exception {
        try (FakeUpstream up = new FakeUpstream();
             FusionServer server = FusionServer.builder().port(0).fusion("default", hanging(up)).start()) {
            Socket s = send(server, "/v1/chat/completions", "{\"model\":\"fusion/default\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            List<String> events = new ArrayList<>();
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            assertThat(events).containsExactlyInAnyOrder("request hang-a", "request hang-b");
            long gone = System.nanoTime();
            s.close();
            events.clear();
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            events.add(up.events.poll(WAIT_S, TimeUnit.SECONDS));
            assertThat(events).containsExactlyInAnyOrder("closed hang-a", "closed hang-b");
            System.out.println("whole-answer disconnect: upstream connections closed "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gone) + " ms after the client left");
            assertThat(server.inFlight()).isZero();
        }
    }

    @Test
    void anOversizedBodyIs413BeforeItIsSent() throws Exception {
        try (FakeUpstream up = new FakeUpstream();
             FusionServer server = FusionServer.builder().port(0).fusion("default", hanging(up))
                     .limits(ServerLimits.DEFAULTS.withMaxBodyBytes(64 * 1024)).start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_S));
            OutputStream out = s.getOutputStream();
            // announces 100 MB, sends 1 KB: the answer comes anyway
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1024]);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
            assertThat(up.events).isEmpty();
        }
    }

    @Test
    void aChunkedBodyPastTheBoundIs413() throws Exception {
        try (FakeUpstream up = new FakeUpstream();
             FusionServer server = FusionServer.builder().port(0).fusion("default", hanging(up))
                     .limits(ServerLimits.DEFAULTS.withMaxBodyBytes(4096)).start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_S));
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 3; i++) {
                out.write(("800\r\n" + "x".repeat(0x800) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
            String body = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    body = line;
                    break;
                }
            }
            assertThat(body).contains("\"type\":\"request_too_large\"");
        }
    }

    @Test
    void oversizedHeadersAreRefused() throws Exception {
        try (FakeUpstream up = new FakeUpstream();
             FusionServer server = FusionServer.builder().port(0).fusion("default", hanging(up)).start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_S));
            OutputStream out = s.getOutputStream();
            out.write(("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(32 * 1024) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
        }
    }

    @Test
    void asksBeyondTheConcurrencyBoundAre503WithRetryAfter() throws Exception {
        try (FakeUpstream up = new FakeUpstream();
             FusionServer server = FusionServer.builder().port(0).fusion("default", hanging(up))
                     .limits(ServerLimits.DEFAULTS.withMaxConcurrentAsks(1)).start();
             Socket held = send(server, "/v1/chat/completions", "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            assertThat(up.events.poll(WAIT_S, TimeUnit.SECONDS)).startsWith("request hang-");
            var r = new SandboxGateway.Client(server.baseUrl()).post("/v1/chat/completions",
                    "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            assertThat(server.inFlight()).isEqualTo(1);
        }
    }
}
