package dev.fusion.providers.hostile;

import dev.fusion.AskFailedException;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.providers.Providers;
import dev.fusion.providers.ResponseLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A request that fails on a pooled keep-alive connection the server has closed, before any response
 * byte, is sent again at once on a new connection, and that is not an attempt; a failure on a new
 * connection stays an ordinary failed attempt, retried (or not) by Fusion's one retry layer only.
 * Over real HTTP, on the three wire formats, streamed and not, against servers that close
 * connections without announcing it (the socket just closes, no {@code Connection: close}).
 *
 * <p>The asks here run with no retries at all ({@link RetryPolicy#NONE}): without the replay, the
 * first call that takes a dead pooled connection fails its ask.
 */
class StaleConnectionTest {

    private static final String KEY = "sk-stale-test-0123456789abcdef";
    private static final int ASKS = 3;

    static Stream<Arguments> formats() {
        return Stream.of(Wire.values()).flatMap(w -> Stream.of(Arguments.of(w, true), Arguments.of(w, false)));
    }

    /** Answers every request of {@code wire} well: streamed when the request asks for a stream. */
    private static KeepAliveServer server(Wire wire, KeepAliveServer.Policy policy) throws Exception {
        return new KeepAliveServer(policy, request -> {
            String path = request[0];
            String body = request[1];
            boolean stream = wire == Wire.GEMINI ? path.contains(":streamGenerateContent")
                    : body.contains("\"stream\":true");
            String usage = wire.usage(wire.validUsage);
            return stream ? new KeepAliveServer.Answer(200, "text/event-stream", wire.stream(usage), true)
                    : new KeepAliveServer.Answer(200, "application/json", wire.body(usage), false);
        });
    }

    private static Fusion fusion(Wire wire, KeepAliveServer server, boolean streamed, int members, RetryPolicy retry) {
        Providers p = wire.providers(server.url(), KEY, ResponseLimits.defaults());
        Fusion.Builder b = Fusion.builder().retry(retry).judgeRetry(retry).panelStreaming(streamed)
                .deadline(Duration.ofSeconds(60)).judge(p.model("h:judge"));
        for (int i = 1; i <= members; i++) {
            b.panel(p.model("h:member-" + i));
        }
        return b.build();
    }

    /** The ask, the judge streamed ({@code ask} with a listener) or not. */
    private static FusionResult ask(Fusion fusion, boolean streamed) {
        return streamed ? fusion.ask(FusionRequest.of("What is the CAP theorem?"), event -> { })
                : fusion.ask("What is the CAP theorem?");
    }

    private static void assertAnsweredInOneAttemptEach(FusionResult r, int members) {
        assertThat(r.answer()).isEqualTo(Wire.ANSWER);
        assertThat(r.panel()).hasSize(members);
        assertThat(r.calls()).allSatisfy(c -> {
            assertThat(c.isOk()).as("%s", c).isTrue();
            assertThat(c.attempts()).as("a replay on a new connection is not an attempt: %s", c).isEqualTo(1);
            assertThat(c.retryDelay()).isEqualTo(Duration.ZERO);
        });
        assertThat(r.calls().stream().filter(c -> c.role() == CallRole.JUDGE)).hasSize(1);
    }

    @ParameterizedTest(name = "{0} streamed={1}")
    @MethodSource("formats")
    void serverClosingEveryConnectionAfterItsResponse(Wire wire, boolean streamed) throws Exception {
        try (KeepAliveServer server = server(wire, KeepAliveServer.Policy.CLOSE_AFTER_RESPONSE)) {
            Fusion fusion = fusion(wire, server, streamed, 3, RetryPolicy.NONE);
            for (int i = 0; i < ASKS; i++) {
                assertAnsweredInOneAttemptEach(ask(fusion, streamed), 3);
            }
            // Each call got an answer, each on a connection of its own (the server allows one request per connection).
            assertThat(server.reusedRequests.get()).isZero();
            assertThat(server.freshRequests.get()).isEqualTo(ASKS * 4);
        }
    }

    @ParameterizedTest(name = "{0} streamed={1}")
    @MethodSource("formats")
    void serverClosingIdleConnectionsBetweenAsks(Wire wire, boolean streamed) throws Exception {
        try (KeepAliveServer server = server(wire, KeepAliveServer.Policy.KEEP_ALIVE)) {
            Fusion fusion = fusion(wire, server, streamed, 3, RetryPolicy.NONE);
            for (int i = 0; i < ASKS; i++) {
                assertAnsweredInOneAttemptEach(ask(fusion, streamed), 3);
                // The server's idle timeout passes: every kept-alive connection of the pool is now dead.
                server.closeIdle();
            }
            assertThat(server.freshRequests.get() + server.reusedRequests.get()).as("one request per call: %s", server.log)
                    .isEqualTo(ASKS * 4);
        }
    }

    @ParameterizedTest(name = "{0} streamed={1}")
    @MethodSource("formats")
    void failureOnANewConnectionIsAnOrdinaryAttempt(Wire wire, boolean streamed) throws Exception {
        try (KeepAliveServer server = server(wire, KeepAliveServer.Policy.DROP)) {
            Fusion fusion = fusion(wire, server, streamed, 1, RetryPolicy.retries(1).withBackoff(Duration.ofMillis(1),
                    Duration.ofMillis(1)));

            AskFailedException e = catchThrowableOfType(AskFailedException.class, () -> ask(fusion, streamed));

            assertThat(e).isNotNull();
            CallRecord member = e.calls().stream().filter(c -> c.role() == CallRole.PANEL).findFirst().orElseThrow();
            assertThat(member.attempts()).isEqualTo(2);
            assertThat(member.error().type()).as("%s", member).isEqualTo("connection_error");
            // Two attempts, two requests: a failure on a new connection is never sent again by the HTTP layer.
            assertThat(server.freshRequests.get()).isEqualTo(2);
            assertThat(server.reusedRequests.get()).isZero();
        }
    }

    @ParameterizedTest(name = "{0} streamed={1}")
    @MethodSource("formats")
    void failureOnAReusedConnectionIsSentOnceMoreOnANewOneThenCounted(Wire wire, boolean streamed) throws Exception {
        try (KeepAliveServer server = server(wire, KeepAliveServer.Policy.KEEP_ALIVE)) {
            Fusion fusion = fusion(wire, server, streamed, 1, RetryPolicy.retries(1).withBackoff(Duration.ofMillis(1),
                    Duration.ofMillis(1)));
            assertAnsweredInOneAttemptEach(ask(fusion, streamed), 1); // the pool now holds live connections
            int fresh = server.freshRequests.get();
            int reused = server.reusedRequests.get();

            // Now the server reads each request and closes its connection without answering: also a
            // request that arrives on a reused connection, which the client cannot tell from a stale one.
            server.policy(KeepAliveServer.Policy.DROP);
            AskFailedException e = catchThrowableOfType(AskFailedException.class, () -> ask(fusion, streamed));

            assertThat(e).isNotNull();
            CallRecord member = e.calls().stream().filter(c -> c.role() == CallRole.PANEL).findFirst().orElseThrow();
            assertThat(member.attempts()).isEqualTo(2);
            int freshDropped = server.freshRequests.get() - fresh;
            int reusedDropped = server.reusedRequests.get() - reused;
            // A request dropped on a reused connection is sent once more, on a new connection; a request
            // dropped on a new connection is not: so each attempt ends with exactly one new-connection request.
            assertThat(freshDropped).as("requests on new connections (reused: %s)", reusedDropped)
                    .isEqualTo(member.attempts());
            assertThat(reusedDropped).isLessThanOrEqualTo(1);
        }
    }
}
