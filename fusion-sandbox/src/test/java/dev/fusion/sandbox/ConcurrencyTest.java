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
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The server does not serialize slow responses: 500 concurrent slow requests are all in flight at once. */
@Timeout(60)
class ConcurrencyTest {

    static final int N = 500;

    @Test
    void fiveHundredConcurrentSlowRequestsAreAllInFlightTogether() throws Exception {
        // Every reply is held until the N-th request has arrived, so "all N in flight at once" is an event
        // the server must reach, not a race between a fixed latency and how fast a loaded machine opens
        // N connections (a 4 s latency was not always enough with both cores busy). A server that
        // serialized requests would never see the N-th one, and the wait below would time out.
        CompletableFuture<Void> allArrived = new CompletableFuture<>();
        AtomicInteger arrived = new AtomicInteger();
        try (WireServer server = WireServer.start(Behaviour.of(r -> {
            if (arrived.incrementAndGet() == N) {
                allArrived.complete(null);
            }
            return Reply.text("ok " + r.lastUserText()).firstByteAfter(allArrived);
        }))) {
            WireFormat[] formats = WireFormat.values();
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < N; i++) {
                WireFormat f = formats[i % formats.length];
                boolean stream = i % 2 == 0;
                // Each request waits for the last one to arrive: its timeout is a safety net as long as the
                // whole test's wait, not the 20 s of one request (which ran out once at a load average near 40).
                pending.add(Http.CLIENT.sendAsync(FaultTest.request(server, f, "load", stream)
                                .timeout(Duration.ofSeconds(45)).build(),
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
            assertThat(allArrived).isDone();
            // Serialized, this would never finish; concurrently it takes about as long as opening N connections.
            assertThat(wall).isLessThan(Duration.ofSeconds(30));
            // Every response reported usage (OpenAI streams asked for include_usage): 2 output tokens each.
            Usage served = server.servedUsage();
            assertThat(served.output()).isEqualTo(2L * N);
        }
    }
}
