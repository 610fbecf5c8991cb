package dev.fusion.faults;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.Member;
import dev.fusion.RetryPolicy;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A burst of six members on one provider with {@code providerLimit(provider, 2, 0)}, over real HTTP. */
class ProviderLimitBurstTest {

    static final Duration DEADLINE = Duration.ofSeconds(8);
    static final Duration MARGIN = Duration.ofSeconds(2);
    static final long LATENCY_MS = 150;

    @ParameterizedTest(name = "at most 2 requests in flight for a 6-member panel over {0}")
    @EnumSource(WireFormat.class)
    void limitHoldsUnderABurstAndQueueingIsRecorded(WireFormat format) {
        Behaviour.Builder b = Behaviour.builder().model("judge", Reply.text("Merged: four.").latencyMillis(LATENCY_MS));
        for (int i = 1; i <= 6; i++) {
            // Two members fail first (retries must queue for a permit too).
            Reply ok = Reply.text("Member " + i + " says four.").latencyMillis(LATENCY_MS);
            b.model("m" + i, i <= 2 ? Script.failTimes(1, Fault.http(503), Script.always(ok)) : Script.always(ok));
        }
        try (Rig rig = Rig.start(format, b.build())) {
            Fusion.Builder fb = Fusion.builder().judge(rig.model("judge")).providerLimit(rig.provider, 2, 0)
                    .retry(new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(1), 0))
                    .deadline(DEADLINE);
            for (int i = 1; i <= 6; i++) {
                fb.member(Member.of(rig.model("m" + i)));
            }
            Rig.Outcome o = Rig.ask(fb.build(), DEADLINE.plus(MARGIN));

            assertThat(o.failure()).isNull();
            assertThat(o.elapsed()).isLessThanOrEqualTo(DEADLINE.plus(MARGIN));
            assertThat(rig.server.maxInFlight()).as("peak concurrent requests on the server").isLessThanOrEqualTo(2);
            List<CallRecord> panel = o.result().panel();
            assertThat(panel).hasSize(6).allSatisfy(c -> assertThat(c.status()).isEqualTo(CallStatus.OK));
            assertThat(rig.server.requestCount()).isEqualTo(6 + 2 + 1);
            // 8 panel requests of >= 150 ms through 2 slots: the last starters waited at least
            // three rounds. Every member's queueing shows in its record.
            long queuedMembers = panel.stream().filter(c -> c.queued().toMillis() >= LATENCY_MS - 20).count();
            assertThat(queuedMembers).as("members that queued for a permit: %s", panel).isGreaterThanOrEqualTo(4);
            assertThat(panel.stream().mapToLong(c -> c.queued().toMillis()).max().orElseThrow())
                    .isGreaterThanOrEqualTo(2 * LATENCY_MS);
            assertThat(dev.fusion.ResultJson.toTree(o.result()).get("calls").get(5).get("queuedMs").asLong())
                    .isEqualTo(panel.get(5).queued().toMillis());
            o.assertNoCanary();
        }
    }
}
