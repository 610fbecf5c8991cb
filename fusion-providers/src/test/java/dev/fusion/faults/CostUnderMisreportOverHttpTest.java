package dev.fusion.faults;

import dev.fusion.AskFailedException;
import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.CostFlag;
import dev.fusion.Fusion;
import dev.fusion.FusionListener;
import dev.fusion.FusionRequest;
import dev.fusion.RetryPolicy;
import dev.fusion.UsageQuality;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.cost.Usage;
import dev.fusion.internal.CutOffTokens;
import dev.fusion.model.ModelRef;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.RetryAfter;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 over real HTTP (the sandbox wire server, all three wire formats): panel calls stream by
 * default and a cancelled one closes its stream on the server; a call cut off mid-stream is costed
 * at what it streamed (an estimate, never $0); output beyond the max is recorded as served and
 * flagged; a Retry-After beyond the ask's deadline fails at once with the provider's cause.
 */
class CostUnderMisreportOverHttpTest {

    private static final String LONG = "Four is the answer, and here is a long explanation of why it is four "
            + "that goes on for a while so that half of it is a good many words streamed before the stall.";

    @BeforeAll
    static void tokenizer() {
        CutOffTokens.loadNow();
    }

    @ParameterizedTest(name = "a panel call cut mid-stream over {0} closes its stream and is costed at what it streamed")
    @EnumSource(WireFormat.class)
    void aCancelledStreamIsClosedAndCostedAtWhatItStreamed(WireFormat format) throws Exception {
        List<Boolean> streamed = new CopyOnWriteArrayList<>();
        Script stalls = request -> {
            streamed.add(request.stream());
            return Reply.text(LONG).withFault(Fault.stallMidBody());
        };
        Behaviour b = Behaviour.builder().model("m1", stalls).model("j1", Reply.text("unused")).build();
        try (Rig rig = Rig.start(format, b)) {
            CountDownLatch firstToken = new CountDownLatch(1);
            CompletableFuture<CallRecord> record = new CompletableFuture<>();
            Fusion f = FaultMatrixTest.priced(rig, Fusion.builder()).panel(rig.model("m1")).judge(rig.model("j1"))
                    .deadline(Duration.ofMinutes(1)).memberTimeout(Duration.ofMinutes(1))
                    .listener(new FusionListener() {
                        @Override
                        public void onFirstToken(String memberId, ModelRef model, dev.fusion.CallRole role, Duration ttft) {
                            firstToken.countDown();
                        }

                        @Override
                        public void onCallFinished(CallRecord r) {
                            record.complete(r);
                        }
                    }).build();
            Disposable ask = f.askAsync(FusionRequest.of("q")).subscribe(r -> { }, e -> { });
            assertThat(firstToken.await(30, TimeUnit.SECONDS)).as("the panel call streams by default").isTrue();
            ask.dispose();
            CallRecord r = record.get(30, TimeUnit.SECONDS);

            assertThat(streamed).containsExactly(true);
            assertThat(r.status()).isEqualTo(CallStatus.CANCELLED);
            assertThat(r.usageQuality()).isEqualTo(UsageQuality.ESTIMATED);
            assertThat(r.text()).isNotBlank();
            TokenEstimator exact = new TokenEstimator.Default(1.0, 0);
            assertThat(r.usage().output()).isEqualTo(exact.estimate(r.model(), r.text())).isPositive();
            assertThat(r.usage().input()).isPositive();
            assertThat(r.cost().usd().orElseThrow()).isPositive();
            FaultMatrixTest.awaitNoRequestOpen(rig); // the closed stream reached the server
            assertThat(f.spentUsd()).as("the cut-off call is charged").isPositive();
        }
    }

    /**
     * The inflated usage prices far past the $0.05 budget, so once the panel call is recorded no further
     * paid call starts: the ask ends with {@link AskFailedException} (not the before-any-call
     * {@link BudgetExceededException}) carrying the record, as served and flagged, and the note saying
     * it was charged in full; the judge is never called.
     */
    @ParameterizedTest(name = "usage beyond the max over {0} is recorded as served, flagged and charged")
    @EnumSource(WireFormat.class)
    void inflatedUsageIsRecordedAsServedAndFlagged(WireFormat format) {
        Usage inflated = Usage.of(12, 5_000_000);
        Behaviour b = Behaviour.builder().model("m1", Reply.text("Four.").usage(inflated))
                .model("j1", Reply.text("Merged: four.")).build();
        try (Rig rig = Rig.start(format, b)) {
            Fusion f = FaultMatrixTest.priced(rig, Fusion.builder()).panel(rig.model("m1")).judge(rig.model("j1"))
                    .maxOutputTokens(100).budgetUsd(new BigDecimal("0.05"))
                    .spendCapUsd(new BigDecimal("1"), null).build();
            Rig.Outcome o = Rig.ask(f, Duration.ofSeconds(30));
            assertThat(o.result()).as("the recorded spend passed the budget: no answer").isNull();
            assertThat(o.failure()).isInstanceOf(AskFailedException.class)
                    .isNotInstanceOf(BudgetExceededException.class)
                    .hasMessageContaining("no further paid call was started")
                    .hasMessageContaining("limit of $0.05");
            assertThat(rig.server.requestCount("j1")).as("no paid call after the budget was passed").isZero();
            assertThat(o.calls()).extracting(c -> c.model().model()).as("every record, and only the panel call").containsExactly("m1");
            CallRecord m1 = o.call("m1");
            assertThat(m1.status()).isEqualTo(CallStatus.OK);
            assertThat(m1.usage().completionTokens()).isEqualTo(rig.server.servedUsage("m1").completionTokens())
                    .isGreaterThanOrEqualTo(5_000_000);
            assertThat(m1.costFlags()).contains(CostFlag.OUTPUT_OVER_MAX);
            assertThat(o.failure().getMessage()).contains("m1", "charged in full");
            BigDecimal recorded = o.calls().stream().map(c -> c.cost().usd().orElseThrow())
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(f.spentUsd()).isEqualByComparingTo(recorded).isGreaterThan(new BigDecimal("1"));
            o.assertNoCanary();
        }
    }

    @ParameterizedTest(name = "a Retry-After beyond the deadline over {0} fails at once as http_429")
    @EnumSource(WireFormat.class)
    void retryAfterBeyondTheDeadlineFailsAtOnce(WireFormat format) {
        Behaviour b = Behaviour.builder().model("m1", Reply.text("Four."))
                .model("m2", Script.failing(Fault.rateLimited(RetryAfter.seconds(20))))
                .model("j1", Reply.text("Merged: four.")).build();
        try (Rig rig = Rig.start(format, b)) {
            Fusion f = FaultMatrixTest.priced(rig, Fusion.builder()).panel(rig.model("m1"), rig.model("m2"))
                    .judge(rig.model("j1")).retry(RetryPolicy.retries(2)).deadline(Duration.ofSeconds(3))
                    .memberTimeout(Duration.ofMinutes(1)).build();
            Rig.Outcome o = Rig.ask(f, Duration.ofSeconds(30));
            assertThat(o.failure()).isNull();
            CallRecord m2 = o.call("m2");
            assertThat(m2.status()).isEqualTo(CallStatus.FAILED);
            assertThat(m2.error().type()).isEqualTo("http_429");
            assertThat(m2.error().message()).contains("20000 ms", "left before the ask deadline");
            assertThat(m2.attempts()).isEqualTo(1);
            assertThat(rig.server.requestCount("m2")).isEqualTo(1);
            o.assertNoCanary();
        }
    }
}
