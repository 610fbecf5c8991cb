package dev.fusion.faults;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.JudgeFailedException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.QuorumNotMetException;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.RetryAfter;
import dev.fusion.sandbox.Script;
import dev.fusion.sandbox.WireFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault matrix: every fault of the sandbox × where it strikes (one member, every member, the
 * judge, every judge) × the three wire formats, over real HTTP. Each case asserts the outcome
 * (answer from the rest, typed failure, fallback judge, unjudged best answer), every record's
 * status, cause and attempt count (retryable faults retried per the policy, the rest not; server
 * delays honoured, checked in {@link CallRecord#retryDelay()}), that the server saw exactly the
 * attempts recorded and billed exactly the usage recorded (nothing lost), that the ask ended
 * within its deadline plus a margin, and that the canary key surfaced nowhere.
 */
class FaultMatrixTest {

    /** Retries per policy: 2 retries, backoff 20 ms then 40 ms, no jitter, server delays up to 3 s. */
    static final RetryPolicy RETRY = new RetryPolicy(2, Duration.ofMillis(20), Duration.ofMillis(100),
            Duration.ofSeconds(3), 0.0);
    static final long BACKOFF_TOTAL_MS = 20 + 40;
    static final Duration DEADLINE = Duration.ofSeconds(8);
    /** Slack for a loaded machine on top of the deadline. */
    static final Duration MARGIN = Duration.ofSeconds(2);
    static final Duration HANG_TIMEOUT = Duration.ofMillis(400);
    static final Price PRICE = Price.of("1", "2");
    static final List<String> PANEL = List.of("m1", "m2", "m3");

    /** Where the fault strikes. */
    enum Target {
        /** Panel member m1 only; quorum 1, so the rest answer and the judge merges them. */
        ONE_MEMBER,
        /** Every panel member; a fault that does not recover is a {@link QuorumNotMetException}. */
        ALL_MEMBERS,
        /** The judge; a fallback judge is configured and must take over. */
        JUDGE,
        /** The judge and its fallback; onJudgeFailure=BEST_ANSWER returns the unjudged best panel answer. */
        ALL_JUDGES
    }

    /**
     * What the faulted call's record must show.
     *
     * @param errorTypes accepted {@code CallError.type}s (empty for OK)
     */
    record Expect(CallStatus status, Set<String> errorTypes, int httpStatus, int attempts, long minDelayMs,
                  long maxDelayMs) {
        boolean recovers() {
            return status == CallStatus.OK;
        }
    }

    /**
     * One fault.
     *
     * @param script  the faulted model's script, given its healthy answer (a fresh instance per model)
     * @param slow    needs whole-second waits: run on one format per target instead of all three
     * @param timeout the faulted calls' own timeout
     */
    record FaultCase(String name, Function<String, Script> script, boolean slow, Duration timeout, Expect expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Expect failed(String type, int status, int attempts) {
        return new Expect(CallStatus.FAILED, Set.of(type), status, attempts, attempts > 1 ? BACKOFF_TOTAL_MS : 0,
                attempts > 1 ? BACKOFF_TOTAL_MS : 0);
    }

    static Expect recovered(int attempts, long minDelay, long maxDelay) {
        return new Expect(CallStatus.OK, Set.of(), -1, attempts, minDelay, maxDelay);
    }

    static Script onceThen(Fault fault, String text) {
        return Script.failTimes(1, fault, Script.always(Reply.text(text)));
    }

    static final Duration NORMAL = Duration.ofSeconds(5);

    static List<FaultCase> faults() {
        return List.of(
                new FaultCase("HTTP 500", t -> Script.failing(Fault.http(500)), false, NORMAL,
                        failed("http_500", 500, 3)),
                new FaultCase("HTTP 503", t -> Script.failing(Fault.http(503)), false, NORMAL,
                        failed("http_503", 503, 3)),
                new FaultCase("HTTP 529", t -> Script.failing(Fault.overloaded()), false, NORMAL,
                        failed("http_529", 529, 3)),
                new FaultCase("429 retry-after-ms", t -> onceThen(Fault.rateLimited(RetryAfter.millis(150)), t),
                        false, NORMAL, recovered(2, 150, 150)),
                // Whole seconds: the backoff would be 20 ms, so >= 1000 ms proves the header was honoured.
                new FaultCase("429 Retry-After seconds", t -> onceThen(Fault.rateLimited(RetryAfter.seconds(1)), t),
                        true, NORMAL, recovered(2, 1000, 1000)),
                // An HTTP-date one second ahead, rounded up to whole seconds by the server: 1-2 s.
                new FaultCase("429 Retry-After HTTP-date",
                        t -> onceThen(Fault.rateLimited(RetryAfter.httpDate(Duration.ofSeconds(1))), t),
                        true, NORMAL, recovered(2, 900, 2100)),
                // The 401 body echoes the key it was sent, as some providers do: it must be redacted.
                new FaultCase("HTTP 401 echoing the key", t -> r -> Reply.fault(Fault.http(401,
                        "Incorrect API key provided: " + r.apiKey() + ". Check your key.")), false, NORMAL,
                        failed("http_401", 401, 1)),
                new FaultCase("hang", t -> Script.failing(Fault.hang()), false, HANG_TIMEOUT,
                        new Expect(CallStatus.TIMEOUT, Set.of("timeout"), -1, 1, 0, 0)),
                // Headers, half the body, then a TCP reset: the body broke off (or, if the reset
                // overtakes the headers, the connection failed). Both are retryable.
                new FaultCase("reset mid-body", t -> Script.failing(Fault.resetMidBody()), false, NORMAL,
                        new Expect(CallStatus.FAILED, Set.of("truncated_stream", "connection_error"), -1, 3,
                                BACKOFF_TOTAL_MS, BACKOFF_TOTAL_MS)),
                new FaultCase("truncated JSON", t -> Script.failing(Fault.truncatedBody()), false, NORMAL,
                        failed("malformed_response", -1, 3)),
                new FaultCase("empty 200", t -> Script.failing(Fault.emptyOk()), false, NORMAL,
                        failed("malformed_response", -1, 3)),
                new FaultCase("fail 2 then succeed",
                        t -> Script.failTimes(2, Fault.http(503), Script.always(Reply.text(t))), false, NORMAL,
                        recovered(3, BACKOFF_TOTAL_MS, BACKOFF_TOTAL_MS)));
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        WireFormat[] formats = WireFormat.values();
        for (FaultCase f : faults()) {
            for (Target t : Target.values()) {
                if (f.slow()) {
                    out.add(Arguments.of(f, t, formats[t.ordinal() % formats.length]));
                } else {
                    for (WireFormat w : formats) {
                        out.add(Arguments.of(f, t, w));
                    }
                }
            }
        }
        return out.stream();
    }

    static String answerOf(String model) {
        return "Four, says " + model + ": two plus two is four.";
    }

    @ParameterizedTest(name = "{0} at {1} over {2}")
    @MethodSource("matrix")
    void faultEndsAsTypedOutcome(FaultCase fault, Target target, WireFormat format) {
        Set<String> faulted = switch (target) {
            case ONE_MEMBER -> Set.of("m1");
            case ALL_MEMBERS -> Set.copyOf(PANEL);
            case JUDGE -> Set.of("j1");
            case ALL_JUDGES -> Set.of("j1", "j2");
        };
        Behaviour.Builder b = Behaviour.builder();
        for (String m : List.of("m1", "m2", "m3", "j1", "j2")) {
            String text = m.startsWith("j") ? "Verdict of " + m + ": four." : answerOf(m);
            b.model(m, faulted.contains(m) ? fault.script().apply(text) : Script.always(Reply.text(text)));
        }
        try (Rig rig = Rig.start(format, b.build())) {
            Function<String, Member> member = id -> Member.of(rig.model(id))
                    .withTimeout(faulted.contains(id) ? fault.timeout() : NORMAL);
            // Non-streamed panel calls: the body faults and their expected causes are those of a JSON answer.
            Fusion.Builder fb = Fusion.builder().panelStreaming(false)
                    .member(member.apply("m1")).member(member.apply("m2")).member(member.apply("m3"))
                    .judge(member.apply("j1")).fallbackJudge(member.apply("j2"))
                    .quorum(1).retry(RETRY).judgeRetry(RETRY)
                    .deadline(DEADLINE)
                    .onJudgeFailure(target == Target.ALL_JUDGES ? OnJudgeFailure.BEST_ANSWER : OnJudgeFailure.FAIL);
            priced(rig, fb);

            Rig.Outcome o = Rig.ask(fb.build(), DEADLINE.plus(MARGIN));

            assertThat(o.elapsed()).as("the ask ends within its deadline plus a margin")
                    .isLessThanOrEqualTo(DEADLINE.plus(MARGIN));
            Expect e = fault.expect();
            switch (target) {
                case ONE_MEMBER -> {
                    assertThat(o.failure()).as("failure").isNull();
                    assertThat(o.result().judged()).isTrue();
                    assertThat(o.result().answer()).isEqualTo("Verdict of j1: four.");
                    checkFaulted(rig, o.call("m1"), e);
                    checkHealthy(rig, o.call("m2"));
                    checkHealthy(rig, o.call("m3"));
                    assertThat(o.result().answerOrder()).hasSize(e.recovers() ? 3 : 2);
                    assertThat(o.result().judgeCalls()).singleElement().satisfies(c -> checkHealthy(rig, c));
                }
                case ALL_MEMBERS -> {
                    if (e.recovers()) {
                        assertThat(o.failure()).as("failure").isNull();
                        assertThat(o.result().answer()).isEqualTo("Verdict of j1: four.");
                        assertThat(o.result().answerOrder()).hasSize(3);
                    } else {
                        assertThat(o.failure()).isInstanceOf(QuorumNotMetException.class);
                        QuorumNotMetException q = (QuorumNotMetException) o.failure();
                        assertThat(q.answered()).isZero();
                        assertThat(q.calls()).hasSize(3);
                        assertThat(rig.server.requestCount("j1") + rig.server.requestCount("j2"))
                                .as("no judge is called without answers").isZero();
                    }
                    for (String m : PANEL) {
                        checkFaulted(rig, o.call(m), e);
                    }
                }
                case JUDGE -> {
                    assertThat(o.failure()).as("failure").isNull();
                    assertThat(o.result().judged()).isTrue();
                    PANEL.forEach(m -> checkHealthy(rig, o.call(m)));
                    List<CallRecord> judges = o.result().judgeCalls();
                    checkFaulted(rig, judges.get(0), e);
                    if (e.recovers()) {
                        assertThat(o.result().answer()).isEqualTo("Verdict of j1: four.");
                        assertThat(judges).hasSize(1);
                        assertThat(rig.server.requestCount("j2")).isZero();
                    } else {
                        assertThat(o.result().answer()).isEqualTo("Verdict of j2: four.");
                        assertThat(judges).hasSize(2);
                        checkHealthy(rig, judges.get(1));
                        assertThat(o.result().notes()).anySatisfy(n -> assertThat(n).contains("falling back to"));
                    }
                }
                case ALL_JUDGES -> {
                    assertThat(o.failure()).as("failure").isNull();
                    PANEL.forEach(m -> checkHealthy(rig, o.call(m)));
                    List<CallRecord> judges = o.result().judgeCalls();
                    if (e.recovers()) {
                        assertThat(o.result().judged()).isTrue();
                        assertThat(o.result().answer()).isEqualTo("Verdict of j1: four.");
                        assertThat(judges).singleElement().satisfies(c -> checkFaulted(rig, c, e));
                    } else {
                        assertThat(o.result().judged()).as("unjudged best answer").isFalse();
                        assertThat(o.result().answer()).isIn(answerOf("m1"), answerOf("m2"), answerOf("m3"));
                        assertThat(judges).hasSize(2).allSatisfy(c -> checkFaulted(rig, c, e));
                        assertThat(o.result().notes()).anySatisfy(n -> assertThat(n).contains("every judge failed"));
                    }
                }
            }
            assertThat(o.calls().stream().filter(c -> c.role() == dev.fusion.CallRole.PANEL)).as("every member has a record")
                    .hasSize(3);
            checkNothingLost(rig, o);
            o.assertNoCanary();
            assertThat(o.logs()).as("DEBUG logs were captured").contains("DEBUG");
            if (fault.name().contains("401")) {
                assertThat(o.calls().stream().filter(c -> !c.isOk()).findFirst().orElseThrow().error().message())
                        .as("the echoed key is masked, the rest of the message kept")
                        .contains("Incorrect API key provided: ***");
            }
        }
    }

    /** The faulted call's status, cause, attempts and retry delay; the server saw exactly those attempts. */
    static void checkFaulted(Rig rig, CallRecord r, Expect e) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(e.status());
        assertThat(r.attempts()).as("attempts of %s", r).isEqualTo(e.attempts());
        assertThat(r.retryDelay().toMillis()).as("retry delay of %s", r).isBetween(e.minDelayMs(), e.maxDelayMs());
        assertThat(rig.server.requestCount(modelId(r))).as("requests the server saw for %s", r).isEqualTo(e.attempts());
        if (e.recovers()) {
            assertThat(r.error()).isNull();
            assertThat(r.text()).isNotBlank();
        } else {
            assertThat(r.error()).as("cause of %s", r).isNotNull();
            assertThat(r.error().type()).as("cause of %s", r).isIn(e.errorTypes());
            assertThat(r.error().status()).isEqualTo(e.httpStatus());
            if (r.status() == CallStatus.FAILED) {
                assertThat(r.error().message()).as("a provider failure names its model").contains(rig.ref(modelId(r)));
            }
        }
    }

    static void checkHealthy(Rig rig, CallRecord r) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(CallStatus.OK);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.retryDelay()).isZero();
        assertThat(rig.server.requestCount(modelId(r))).isEqualTo(1);
    }

    /**
     * Every request the server got is an attempt in some record, and every record's reported usage
     * and cost is exactly what the server billed for that model. A call cut off after its request was
     * sent (issue 12) is recorded as an estimate instead: at least its prompt, never $0, and the
     * result says its cost is incomplete (the sandbox bills nothing for such calls, a real provider does).
     */
    static void checkNothingLost(Rig rig, Rig.Outcome o) {
        long attempts = o.calls().stream().mapToLong(CallRecord::attempts).sum();
        assertThat(rig.server.requestCount()).as("requests vs recorded attempts").isEqualTo(attempts);
        BigDecimal recorded = BigDecimal.ZERO;
        BigDecimal served = BigDecimal.ZERO;
        BigDecimal estimated = BigDecimal.ZERO;
        for (CallRecord c : o.calls()) {
            if (c.usageQuality() == dev.fusion.UsageQuality.ESTIMATED) {
                assertThat(c.status()).as("only a cut-off call is estimated: %s", c).isIn(CallStatus.TIMEOUT,
                        CallStatus.CANCELLED, CallStatus.FAILED);
                assertThat(c.usage().input()).as("the prompt of %s is counted", c).isPositive();
                assertThat(c.usage().completionTokens()).as("usage of %s", c)
                        .isGreaterThanOrEqualTo(rig.server.servedUsage(modelId(c)).completionTokens());
                estimated = estimated.add(c.cost().usd().orElseThrow());
                if (o.result() != null) {
                    assertThat(o.result().costComplete()).isFalse();
                }
                continue;
            }
            assertThat(c.usage()).as("usage of %s", c).isEqualTo(rig.server.servedUsage(modelId(c)));
            recorded = recorded.add(c.cost().usd().orElseThrow());
            served = served.add(Rig.servedCost(rig.server, modelId(c), PRICE));
        }
        assertThat(recorded).isEqualByComparingTo(served);
        if (o.result() != null) {
            assertThat(o.result().totalCostUsd()).isEqualByComparingTo(served.add(estimated));
        }
    }

    /** Prices every model of the matrix at {@link #PRICE}. */
    static Fusion.Builder priced(Rig rig, Fusion.Builder b) {
        for (String m : List.of("m1", "m2", "m3", "j1", "j2")) {
            b.price(rig.ref(m), PRICE);
        }
        return b;
    }

    static String modelId(CallRecord r) {
        return r.model().model();
    }

    // ------------------------------------------------------------------ the FAIL policy and the deadline

    @ParameterizedTest(name = "every judge failing over {0} is a JudgeFailedException with every record")
    @EnumSource(WireFormat.class)
    void everyJudgeFailingWithFailPolicyIsTyped(WireFormat format) {
        Behaviour b = Behaviour.builder()
                .model("m1", Reply.text(answerOf("m1"))).model("m2", Reply.text(answerOf("m2")))
                .model("j1", Script.failing(Fault.http(500))).model("j2", Script.failing(Fault.http(401)))
                .build();
        try (Rig rig = Rig.start(format, b)) {
            Fusion f = priced(rig, Fusion.builder().panel(rig.model("m1"), rig.model("m2")).judge(rig.model("j1"))
                    .fallbackJudge(rig.model("j2")).retry(RETRY).judgeRetry(RETRY).deadline(DEADLINE)
                    .onJudgeFailure(OnJudgeFailure.FAIL)).build();
            Rig.Outcome o = Rig.ask(f, DEADLINE.plus(MARGIN));
            assertThat(o.failure()).isInstanceOf(JudgeFailedException.class)
                    .hasMessageContaining("j1 failed (http_500)").hasMessageContaining("j2 failed (http_401)");
            assertThat(o.calls()).extracting(CallRecord::status)
                    .containsExactly(CallStatus.OK, CallStatus.OK, CallStatus.FAILED, CallStatus.FAILED);
            assertThat(o.call("j1").attempts()).isEqualTo(3);
            assertThat(o.call("j2").attempts()).isEqualTo(1);
            checkNothingLost(rig, o);
            o.assertNoCanary();
        }
    }

    @ParameterizedTest(name = "the deadline ends hung panel calls and a hung judge over {0}")
    @EnumSource(WireFormat.class)
    void deadlineEndsHungCallsOnTime(WireFormat format) {
        Behaviour b = Behaviour.builder()
                .model("m1", Reply.text(answerOf("m1"))).model("m2", Script.failing(Fault.hang()))
                .model("m3", Script.failing(Fault.hang())).model("j1", Script.failing(Fault.hang()))
                .build();
        Duration deadline = Duration.ofMillis(800);
        try (Rig rig = Rig.start(format, b)) {
            // Member and judge timeouts of a minute: only the ask's deadline can end these asks.
            Fusion.Builder fb = priced(rig, Fusion.builder()).judge(rig.model("j1"))
                    .memberTimeout(Duration.ofMinutes(1)).judgeTimeout(Duration.ofMinutes(1))
                    .retry(RETRY).judgeRetry(RETRY).deadline(deadline).onJudgeFailure(OnJudgeFailure.BEST_ANSWER);

            // The whole panel hangs: the deadline times every call out and the quorum is not met.
            Rig.Outcome hungPanel = Rig.ask(priced(rig, Fusion.builder()).panel(rig.model("m2"), rig.model("m3"))
                    .judge(rig.model("j1")).memberTimeout(Duration.ofMinutes(1)).retry(RETRY).deadline(deadline)
                    .build(), deadline.plus(MARGIN));
            assertThat(hungPanel.elapsed()).isLessThanOrEqualTo(deadline.plus(MARGIN));
            assertThat(hungPanel.failure()).isInstanceOf(QuorumNotMetException.class);
            assertThat(hungPanel.calls()).hasSize(2).allSatisfy(c -> {
                assertThat(c.status()).isEqualTo(CallStatus.TIMEOUT);
                assertThat(c.error().type()).isEqualTo("deadline");
            });
            checkNothingLost(rig, hungPanel);
            awaitNoRequestOpen(rig);
            rig.server.resetStats();

            // One member answers, the straggler is cut by the grace, the judge hangs until the
            // deadline: the unjudged answer comes back on time.
            Rig.Outcome hungJudge = Rig.ask(fb.panel(rig.model("m1"), rig.model("m2"))
                    .grace(Duration.ofMillis(100)).build(), deadline.plus(MARGIN));
            assertThat(hungJudge.elapsed()).isLessThanOrEqualTo(deadline.plus(MARGIN));
            assertThat(hungJudge.failure()).isNull();
            assertThat(hungJudge.result().judged()).isFalse();
            assertThat(hungJudge.result().answer()).isEqualTo(answerOf("m1"));
            assertThat(hungJudge.call("m2").status()).isEqualTo(CallStatus.CANCELLED);
            assertThat(hungJudge.call("j1").status()).isEqualTo(CallStatus.TIMEOUT);
            assertThat(hungJudge.call("j1").error().type()).isEqualTo("deadline");
            checkNothingLost(rig, hungJudge);
            awaitNoRequestOpen(rig);
            hungPanel.assertNoCanary();
            hungJudge.assertNoCanary();
        }
    }

    /** Cancelled calls really close their requests: the server soon sees none still open. */
    static void awaitNoRequestOpen(Rig rig) {
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (rig.server.inFlight() > 0 && System.nanoTime() < until) {
            try {
                // A real socket: the server learns of the client's close only when its own read fails,
                // which no event of this process signals, so this polls it (bounded by 3 s).
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        assertThat(rig.server.inFlight()).as("requests still open on the server").isZero();
    }
}
