package dev.fusion.sandbox;

import dev.fusion.cost.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The server does not serialize slow responses: 500 concurrent slow requests are all in flight at once. */
@Timeout(60)
class ConcurrencyTest {

    static final int N = 500;
    // Long enough that all N connections are open before the first answer leaves: the JDK client alone
    // needs well over 300 ms to open 500 connections on a busy 2-core box (peaks of 200-400 seen at
    // 300 ms, 347 at 1 s while a benchmark ran beside it). Serialized, N answers would take N x 4 s.
    static final Duration LATENCY = Duration.ofMillis(4000);

    @Test
    void fiveHundredConcurrentSlowRequestsAreAllInFlightTogether() throws Exception {
        try (WireServer server = WireServer.start(Behaviour.of(r -> Reply.text("ok " + r.lastUserText())
                .firstByteDelay(LATENCY)))) {
            WireFormat[] formats = WireFormat.values();
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < N; i++) {
                WireFormat f = formats[i % formats.length];
                boolean stream = i % 2 == 0;
                pending.add(Http.CLIENT.sendAsync(FaultTest.request(server, f, "load", stream).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(45, TimeUnit.SECONDS);
            Duration wall = Duration.ofNanos(System.nanoTime() - start);

            for (CompletableFuture<HttpResponse<String>> p : pending) {
                HttpResponse<String> r = p.join();
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("ok hi");
            }
            assertThat(server.maxInFlight()).as("peak in-flight requests").isEqualTo(N);
            assertThat(server.requestCount("load")).isEqualTo(N);
            FaultTest.awaitInFlight(server, 0);
            // Serialized, this would take N x 4 s; concurrently it takes about one latency.
            assertThat(wall).isLessThan(Duration.ofSeconds(30));
            // Every response reported usage (OpenAI streams asked for include_usage): 2 output tokens each.
            Usage served = server.servedUsage();
            assertThat(served.output()).isEqualTo(2L * N);
        }
    }
}
