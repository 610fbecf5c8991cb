package dev.fusion.faults;

import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static dev.fusion.faults.Rig.CANARY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The canary key under every failure path where a server can echo it back: error bodies of each
 * status, in-band stream errors (OpenRouter's error chunk, Anthropic's error event, a Gemini error
 * event), on streamed panel calls and a streamed judge with its fallback. The key must appear in
 * no exception, record, event, result, JSON or DEBUG log line, while the echoes demonstrably
 * reached the client (masked).
 */
class SecretsUnderFaultsTest {

    static final RetryPolicy RETRY = new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10),
            Duration.ofSeconds(1), 0);
    static final Duration DEADLINE = Duration.ofSeconds(8);

    static String echo(WireRequest r) {
        // As providers do for a rejected key, in full and shortened forms.
        String k = r.apiKey();
        return "Invalid key " + k + " (" + k.substring(0, k.length() - 4) + "...) for this request";
    }

    static Script echoing(Function<String, Fault> fault) {
        return r -> Reply.fault(fault.apply(echo(r)));
    }

    @ParameterizedTest(name = "the key stays secret in every failure path over {0}")
    @EnumSource(WireFormat.class)
    void canaryAppearsNowhere(WireFormat format) {
        Behaviour b = Behaviour.builder()
                .model("m1", echoing(m -> Fault.http(401, m)))
                .model("m2", echoing(m -> Fault.http(403, m)))
                .model("m3", echoing(m -> Fault.http(429, m)))
                .model("m4", echoing(m -> Fault.http(500, m)))
                .model("m5", r -> Reply.text("partial words before the error " + "arrive first ".repeat(6))
                        .withFault(Fault.midStreamError(echo(r))))
                .model("m6", Reply.text("A healthy member says four."))
                .model("m7", Script.failing(Fault.resetMidBody()))
                .model("judge", echoing(m -> Fault.http(503, m)))
                .model("fallback", r -> Reply.text("The fallback judge starts to merge " + "the answers ".repeat(6))
                        .withFault(Fault.midStreamError(echo(r))))
                .build();
        try (Rig rig = Rig.start(format, b)) {
            Fusion.Builder fb = Fusion.builder().judge(rig.model("judge")).fallbackJudge(rig.model("fallback"))
                    .panelStreaming(true).retry(RETRY).judgeRetry(RETRY).deadline(DEADLINE)
                    .onJudgeFailure(OnJudgeFailure.BEST_ANSWER);
            for (String m : List.of("m1", "m2", "m3", "m4", "m5", "m6", "m7")) {
                fb.member(Member.of(rig.model(m)));
            }
            Fusion fusion = fb.build();
            List<String> surfaces = new ArrayList<>();
            List<FusionEvent> events = new CopyOnWriteArrayList<>();
            Throwable[] failure = new Throwable[1];
            // The streamed ask: panel streams, then the judge's stream and its fallback's.
            String logs = Rig.captureStderr(() -> {
                try {
                    fusion.stream(FusionRequest.of("What is two plus two?")).doOnNext(events::add)
                            .blockLast(DEADLINE.plusSeconds(2));
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            assertThat(failure[0]).as("failure").isNull();
            surfaces.add(logs);
            events.forEach(e -> surfaces.add(e.toString()));
            FusionEvent.Completed done = (FusionEvent.Completed) events.get(events.size() - 1);
            assertThat(done.result().judged()).isFalse();
            assertThat(done.result().answer()).isEqualTo("A healthy member says four.");
            // The same records and result through the Rig's surfaces (toString, JSON, errors, attributes).
            Rig.Outcome o = new Rig.Outcome(done.result(), null, Duration.ZERO, logs);
            surfaces.addAll(o.surfaces());
            // And the blocking path with a quorum that cannot be met: the typed exception.
            Rig.Outcome failed = Rig.ask(fb.quorum(2).build(), DEADLINE.plusSeconds(2));
            assertThat(failed.failure()).isInstanceOf(dev.fusion.QuorumNotMetException.class);
            surfaces.addAll(failed.surfaces());

            assertThat(surfaces).allSatisfy(t -> assertThat(t).doesNotContain(CANARY)
                    .doesNotContain(CANARY.substring(0, CANARY.length() - 4)));
            // The echoes really came back, masked.
            assertThat(o.calls().stream().filter(c -> c.error() != null && c.error().message().contains("***")).count())
                    .as("masked echoes in %s", o.calls()).isGreaterThanOrEqualTo(6);
            assertThat(logs).contains("DEBUG");
        }
    }
}
