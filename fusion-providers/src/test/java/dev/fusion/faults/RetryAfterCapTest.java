package dev.fusion.faults;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.RetryAfter;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server delay above the policy's {@code maxServerDelay} (a hard quota) fails the call at once:
 * no sleeping, one attempt, and the ask moves on (the rest of the panel, the fallback judge).
 */
class RetryAfterCapTest {

    /** Honours server delays up to 2 s; the faults ask for a minute. */
    static final RetryPolicy RETRY = RetryPolicy.retries(3).withMaxServerDelay(Duration.ofSeconds(2));
    static final Duration DEADLINE = Duration.ofSeconds(30);

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<RetryAfter> forms = List.of(RetryAfter.millis(60_000), RetryAfter.seconds(60),
                RetryAfter.httpDate(Duration.ofSeconds(60)));
        for (WireFormat f : WireFormat.values()) {
            for (RetryAfter r : forms) {
                out.add(Arguments.of(f, r));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} over {0} fails fast")
    @MethodSource("cases")
    void retryAfterAboveTheCapFailsFast(WireFormat format, RetryAfter retryAfter) {
        Behaviour b = Behaviour.builder()
                .model("m1", Script.failing(Fault.rateLimited(retryAfter)))
                .model("m2", Reply.text("Four."))
                .model("judge", Script.failing(Fault.http(529).withRetryAfter(retryAfter)))
                .model("fallback", Reply.text("Merged: four."))
                .build();
        try (Rig rig = Rig.start(format, b)) {
            Fusion f = Fusion.builder().panel(rig.model("m1"), rig.model("m2")).judge(rig.model("judge"))
                    .fallbackJudge(rig.model("fallback")).retry(RETRY).judgeRetry(RETRY).deadline(DEADLINE)
                    .onJudgeFailure(OnJudgeFailure.FAIL).build();
            Rig.Outcome o = Rig.ask(f, DEADLINE);

            assertThat(o.failure()).isNull();
            assertThat(o.result().answer()).isEqualTo("Merged: four.");
            // Far below the 60 s asked for: retryDelay 0 and one attempt below are the exact proof; in wall time
            // only that the ask ended before its deadline (a 10 s bound failed once at load 50 without a bug).
            assertThat(o.elapsed()).as("no sleeping").isLessThan(DEADLINE);
            for (CallRecord c : List.of(o.call("m1"), o.call("judge"))) {
                assertThat(c.status()).isEqualTo(CallStatus.FAILED);
                assertThat(c.attempts()).as("attempts of %s", c).isEqualTo(1);
                assertThat(c.retryDelay()).isZero();
                assertThat(c.error().retryable()).as("the failure itself is of a retryable kind").isTrue();
                assertThat(rig.server.requestCount(c.model().model())).isEqualTo(1);
            }
            assertThat(o.call("m1").error().type()).isEqualTo("http_429");
            assertThat(o.call("judge").error().type()).isEqualTo("http_529");
            o.assertNoCanary();
        }
    }
}
