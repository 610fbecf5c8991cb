package dev.fusion.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Usage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.fusion.sandbox.Http.json;
import static dev.fusion.sandbox.Http.send;
import static dev.fusion.sandbox.Http.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every fault, rendered on every endpoint. */
@Timeout(60)
class FaultTest {

    static final String TEXT = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi";

    static WireServer server;

    @BeforeAll
    static void start() {
        Reply text = Reply.text(TEXT).wordsPerChunk(2);
        server = WireServer.start(Behaviour.builder()
                .model("e400", Reply.fault(Fault.http(400)))
                .model("e401", Reply.fault(Fault.http(401)))
                .model("e500", Reply.fault(Fault.http(500)))
                .model("e503", Reply.fault(Fault.http(503)))
                .model("e529", Reply.fault(Fault.overloaded()))
                .model("e429", Reply.fault(Fault.http(429)))
                .model("rl-ms", Reply.fault(Fault.rateLimited(RetryAfter.millis(1500))))
                .model("rl-s", Reply.fault(Fault.rateLimited(RetryAfter.seconds(7))))
                .model("rl-date", Reply.fault(Fault.rateLimited(RetryAfter.httpDate(Duration.ofSeconds(30)))))
                .model("hang", Reply.fault(Fault.hang()))
                .model("reset", text.withFault(Fault.resetMidBody()))
                .model("trunc", text.withFault(Fault.truncatedBody()))
                .model("empty", text.withFault(Fault.emptyOk()))
                .model("html", text.withFault(Fault.wrongContentType()))
                .model("noterm", text.withFault(Fault.streamWithoutTerminal()))
                .model("midstream", text.withFault(Fault.midStreamError()))
                .model("stall", text.withFault(Fault.stallMidBody()))
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpRequest.Builder request(WireServer s, WireFormat f, String model, boolean stream) {
        switch (f) {
            case OPENAI:
                return Http.post(s.baseUrl(f) + "/chat/completions", Http.openAi(model, null, "hi", stream, true, null));
            case ANTHROPIC:
                return Http.post(s.baseUrl(f) + "/v1/messages", Http.anthropic(model, null, "hi", stream, 100));
            default:
                return Http.post(s.baseUrl(f) + "/v1beta/models/" + model
                        + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"), Http.gemini(null, "hi", null));
        }
    }

    static HttpResponse<String> call(WireFormat f, String model, boolean stream) throws Exception {
        return send(request(server, f, model, stream).build());
    }

    /** Checks the provider's error body shape and returns the provider's error type/status string. */
    static String errorType(WireFormat f, int status, String body) throws IOException {
        JsonNode b = json(body);
        switch (f) {
            case OPENAI: {
                JsonNode e = b.path("error");
                assertThat(e.path("message").isTextual()).isTrue();
                assertThat(e.path("type").isTextual()).isTrue();
                assertThat(e.has("param")).isTrue();
                assertThat(e.has("code")).isTrue();
                return e.path("code").isNull() ? e.path("type").asText() : e.path("code").asText();
            }
            case ANTHROPIC: {
                assertThat(b.path("type").asText()).isEqualTo("error");
                JsonNode e = b.path("error");
                assertThat(e.path("message").isTextual()).isTrue();
                assertThat(b.path("request_id").asText()).startsWith("req_");
                return e.path("type").asText();
            }
            default: {
                JsonNode e = b.path("error");
                assertThat(e.path("code").asInt()).isEqualTo(status);
                assertThat(e.path("message").isTextual()).isTrue();
                return e.path("status").asText();
            }
        }
    }

    static String expectedType(WireFormat f, int status) {
        switch (f) {
            case OPENAI:
                return status == 400 ? "invalid_request_error" : status == 401 ? "invalid_api_key"
                        : status == 429 ? "rate_limit_exceeded" : "server_error";
            case ANTHROPIC:
                return status == 400 ? "invalid_request_error" : status == 401 ? "authentication_error"
                        : status == 429 ? "rate_limit_error" : status == 529 ? "overloaded_error" : "api_error";
            default:
                return status == 400 ? "INVALID_ARGUMENT" : status == 401 ? "UNAUTHENTICATED"
                        : status == 429 ? "RESOURCE_EXHAUSTED" : status == 500 ? "INTERNAL" : "UNAVAILABLE";
        }
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void httpErrorsRenderInTheEndpointsFormat(WireFormat f) throws Exception {
        for (int status : new int[] {400, 401, 429, 500, 503, 529}) {
            for (boolean stream : new boolean[] {false, true}) {
                HttpResponse<String> r = call(f, "e" + status, stream);
                assertThat(r.statusCode()).isEqualTo(status);
                assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
                assertThat(errorType(f, status, r.body())).as(f + " " + status).isEqualTo(expectedType(f, status));
            }
        }
    }

    @Test
    void anthropicErrorsCarryRequestIdAndShouldRetryHeaders() throws Exception {
        HttpResponse<String> overloaded = call(WireFormat.ANTHROPIC, "e529", false);
        assertThat(overloaded.headers().firstValue("request-id")).isPresent();
        assertThat(overloaded.headers().firstValue("x-should-retry")).hasValue("true");
        assertThat(call(WireFormat.ANTHROPIC, "e400", false).headers().firstValue("x-should-retry")).hasValue("false");
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void rateLimitsCarryEachRetryAfterForm(WireFormat f) throws Exception {
        HttpResponse<String> ms = call(f, "rl-ms", false);
        assertThat(ms.statusCode()).isEqualTo(429);
        assertThat(ms.headers().firstValue("retry-after-ms")).hasValue("1500");
        assertThat(ms.headers().firstValue("retry-after")).isEmpty();

        HttpResponse<String> s = call(f, "rl-s", false);
        assertThat(s.headers().firstValue("retry-after")).hasValue("7");

        Instant before = Instant.now();
        HttpResponse<String> d = call(f, "rl-date", false);
        String date = d.headers().firstValue("retry-after").orElseThrow();
        assertThat(date).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
        Instant at = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        assertThat(at).isBetween(before.plusSeconds(29), before.plusSeconds(33));
        assertThat(errorType(f, 429, d.body())).isEqualTo(expectedType(f, 429));
    }

    @Test
    void hangNeverAnswersUntilTheClientGivesUp() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> send(request(server, WireFormat.OPENAI, "hang", false)
                .timeout(Duration.ofMillis(300)).build()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // The client closed the connection: the server notices and the request leaves the in-flight count.
        awaitInFlight(server, 0);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void aReplyHeldForASignalIsSentOnlyOnceTheSignalCompletes(WireFormat f) throws Exception {
        for (boolean fails : new boolean[] {false, true}) {
            CompletableFuture<Void> signal = new CompletableFuture<>();
            try (WireServer s = WireServer.start(Behaviour.of(Script.always(Reply.text("held").firstByteAfter(signal))))) {
                CompletableFuture<HttpResponse<String>> pending = Http.CLIENT.sendAsync(
                        request(s, f, "m", false).build(), HttpResponse.BodyHandlers.ofString());
                awaitRequests(s, 1);
                // The request arrived and was decided; without the signal it stays in flight.
                assertThat(s.inFlight()).isEqualTo(1);
                assertThat(pending).isNotDone();
                if (fails) {
                    signal.completeExceptionally(new IllegalStateException("the signal's own failure"));
                } else {
                    signal.complete(null);
                }
                HttpResponse<String> r = pending.get(30, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as("signal failed: %s", fails).isEqualTo(200);
                assertThat(r.body()).contains("held");
            }
        }
    }

    @Test
    void closingTheServerResetsHangingConnections() throws Exception {
        WireServer s = WireServer.start(Behaviour.of(Script.failing(Fault.hang())));
        CompletableFuture<HttpResponse<String>> pending = Http.CLIENT.sendAsync(
                request(s, WireFormat.ANTHROPIC, "m", true).build(), HttpResponse.BodyHandlers.ofString());
        awaitInFlight(s, 1);
        s.close();
        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void resetMidBodyIsAnIoErrorAfterHeaders(WireFormat f) throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<InputStream> r = Http.CLIENT.send(request(server, f, "reset", stream).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            try (InputStream in = r.body()) {
                assertThatThrownBy(in::readAllBytes).as(f + " stream=" + stream).isInstanceOf(IOException.class);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void truncatedBodyEndsCleanlyButIsMalformed(WireFormat f) throws Exception {
        HttpResponse<String> r = call(f, "trunc", false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isNotEmpty();
        assertThatThrownBy(() -> json(r.body())).isInstanceOf(IOException.class);

        HttpResponse<String> s = call(f, "trunc", true);
        assertThat(s.statusCode()).isEqualTo(200);
        List<Http.Sse> events = sse(s.body());
        Http.Sse last = events.get(events.size() - 1);
        assertThatThrownBy(last::json).as("the last event is cut mid-JSON").isInstanceOf(IOException.class);
        assertThat(s.body()).doesNotContain("[DONE]").doesNotContain("message_stop").doesNotContain("\"finishReason\"");
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void emptyOkAndWrongContentType(WireFormat f) throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> e = call(f, "empty", stream);
            assertThat(e.statusCode()).isEqualTo(200);
            assertThat(e.body()).isEmpty();
            assertThat(e.headers().firstValue("content-type").orElse(""))
                    .startsWith(stream ? "text/event-stream" : "application/json");

            HttpResponse<String> h = call(f, "html", stream);
            assertThat(h.statusCode()).isEqualTo(200);
            assertThat(h.headers().firstValue("content-type").orElse("")).startsWith("text/html");
            assertThat(h.body()).startsWith("<html>");
        }
    }

    @Test
    void streamsWithoutTerminalEventsEndCleanlyWithAllText() throws Exception {
        HttpResponse<String> o = call(WireFormat.OPENAI, "noterm", true);
        List<Http.Sse> oe = sse(o.body());
        assertThat(oe).noneMatch(e -> e.data().equals("[DONE]"));
        StringBuilder text = new StringBuilder();
        for (Http.Sse e : oe) {
            JsonNode c = e.json().path("choices").get(0);
            assertThat(c.path("finish_reason").isNull()).isTrue();
            text.append(c.path("delta").path("content").asText(""));
        }
        assertThat(text.toString()).isEqualTo(TEXT);

        List<Http.Sse> ae = sse(call(WireFormat.ANTHROPIC, "noterm", true).body());
        assertThat(ae.get(0).event()).isEqualTo("message_start");
        assertThat(ae.get(ae.size() - 1).event()).isEqualTo("content_block_delta");
        assertThat(ae).noneMatch(e -> e.event().equals("message_stop") || e.event().equals("message_delta"));

        List<Http.Sse> ge = sse(call(WireFormat.GEMINI, "noterm", true).body());
        assertThat(ge).isNotEmpty();
        for (Http.Sse e : ge) {
            assertThat(e.json().path("candidates").get(0).has("finishReason")).isFalse();
        }
        assertThat(server.servedUsage("noterm")).isEqualTo(Usage.ZERO);
    }

    @Test
    void midStreamErrorsArriveUnderHttp200InEachFormat() throws Exception {
        HttpResponse<String> o = call(WireFormat.OPENAI, "midstream", true);
        assertThat(o.statusCode()).isEqualTo(200);
        List<Http.Sse> oe = sse(o.body());
        assertThat(oe.size()).isGreaterThan(2);
        JsonNode err = oe.get(oe.size() - 1).json();
        assertThat(err.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(err.path("error").path("message").asText()).isNotEmpty();
        assertThat(err.path("choices").get(0).path("finish_reason").asText()).isEqualTo("error");
        assertThat(o.body()).doesNotContain("[DONE]");
        assertThat(oe.get(1).json().path("choices").get(0).path("delta").path("content").asText()).isNotEmpty();

        HttpResponse<String> a = call(WireFormat.ANTHROPIC, "midstream", true);
        List<Http.Sse> ae = sse(a.body());
        assertThat(ae).extracting(Http.Sse::event).contains("message_start", "content_block_delta");
        Http.Sse last = ae.get(ae.size() - 1);
        assertThat(last.event()).isEqualTo("error");
        assertThat(last.json().path("type").asText()).isEqualTo("error");
        assertThat(last.json().path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(ae).noneMatch(e -> e.event().equals("message_stop"));

        List<Http.Sse> ge = sse(call(WireFormat.GEMINI, "midstream", true).body());
        JsonNode gerr = ge.get(ge.size() - 1).json();
        assertThat(gerr.path("error").path("status").asText()).isEqualTo("UNAVAILABLE");
        assertThat(ge.get(0).json().path("candidates").isArray()).isTrue();

        // Without streaming: a 200 whose body is the provider's error object.
        for (WireFormat f : WireFormat.values()) {
            HttpResponse<String> r = call(f, "midstream", false);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).path("error").isObject()).as(f.name()).isTrue();
        }
        assertThat(server.servedUsage("midstream")).isEqualTo(Usage.ZERO);
    }

    @Test
    void stallSendsPartOfTheStreamThenGoesSilent() throws Exception {
        HttpResponse<InputStream> r = Http.CLIENT.send(request(server, WireFormat.OPENAI, "stall", true).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        InputStream in = r.body();
        byte[] buf = new byte[64];
        assertThat(in.read(buf)).isPositive();
        CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThatThrownBy(() -> rest.get(400, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        in.close();
    }

    @Test
    void failNTimesThenSucceed() throws Exception {
        try (WireServer s = WireServer.start(Behaviour.builder()
                .model("flaky", Script.failTimes(2, Fault.http(503), Script.always(Reply.text("recovered"))))
                .build())) {
            int[] statuses = new int[4];
            for (int i = 0; i < statuses.length; i++) {
                statuses[i] = send(request(s, WireFormat.OPENAI, "flaky", false).build()).statusCode();
            }
            assertThat(statuses).containsExactly(503, 503, 200, 200);
            assertThat(s.requestCount("flaky")).isEqualTo(4);
            HttpResponse<String> ok = send(request(s, WireFormat.GEMINI, "flaky", false).build());
            assertThat(json(ok.body()).path("candidates").get(0).path("content").path("parts").get(0).path("text")
                    .asText()).isEqualTo("recovered");
        }
    }

    @Test
    void randomFaultsHitAboutTheGivenFractionDeterministically() {
        Behaviour a = Behaviour.builder().fallback(Script.echo()).randomFaults(0.01, 7L).build();
        Behaviour b = Behaviour.builder().fallback(Script.echo()).randomFaults(0.01, 7L).build();
        Behaviour c = Behaviour.builder().fallback(Script.echo()).randomFaults(0.01, 8L).build();
        int faults = 0;
        int differ = 0;
        for (int i = 1; i <= 20_000; i++) {
            WireRequest r = new WireRequest(WireFormat.OPENAI, "m" + (i % 5), "", List.of(), null, false, true, null, i);
            boolean fa = a.decide(r).fault().isPresent();
            assertThat(b.decide(r).fault().isPresent()).isEqualTo(fa);
            if (fa != c.decide(r).fault().isPresent()) {
                differ++;
            }
            if (fa) {
                faults++;
            }
        }
        assertThat(faults).isBetween(140, 260);
        assertThat(differ).as("another seed picks other requests").isPositive();
    }

    static void awaitRequests(WireServer s, long expected) throws InterruptedException {
        // A bound on waiting (generous for a loaded machine), not a timing assertion.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (s.requestCount() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.requestCount()).isEqualTo(expected);
    }

    static void awaitInFlight(WireServer s, int expected) throws InterruptedException {
        // A bound on waiting for the server to notice (generous: a loaded machine is slow to schedule it),
        // not a timing assertion.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (s.inFlight() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.inFlight()).isEqualTo(expected);
    }
}
