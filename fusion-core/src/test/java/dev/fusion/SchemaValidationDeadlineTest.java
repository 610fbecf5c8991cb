package dev.fusion;

import dev.fusion.internal.AnswerChecks;
import dev.fusion.internal.VirtualTime;
import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A member's answer, the judge's structured answer, vote's settlement and tool call arguments (the members'
 * and the settled ones) are read against the user's schema where the ask's deadline can stop it. A user
 * schema's {@code pattern} may backtrack catastrophically ({@code ^(a+)+\1$} against {@code "aaaa…a!"}:
 * the back-reference defeats {@code java.util.regex}'s memoisation, so 40 {@code a}s take about 2^40
 * steps, days; 24 take 3 s): the validation runs on the library's validation threads, not on the thread
 * that completed the member nor under the ask's lock, so the ask still ends at its deadline with its
 * typed failure and every record, and the validating thread is interrupted and released.
 *
 * <p>The ask runs in virtual time: its deadline passes only when the test advances the clock. Before
 * validation was moved off the member's thread, the member's completion (here on the test's thread)
 * never returned, so the ask never got to its deadline: the {@code @Timeout} is only the safety net
 * that turns such a hang into a failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SchemaValidationDeadlineTest {

    private static final String SCHEMA = """
            {"type":"object","properties":{"code":{"type":"string","pattern":"^(a+)+\\\\1$"}},
             "required":["code"],"additionalProperties":false}""";
    private static final String EVIL = "{\"code\":\"" + "a".repeat(40) + "!\"}";

    private static Fusion vote(VirtualTime time, String answer) {
        return Fusion.builder().panel(FakeModel.instant("p:a", answer), FakeModel.instant("p:b", answer))
                .judge(FakeModel.instant("p:j", "{\"code\":\"aaa\"}")).strategy(Strategy.vote())
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
    }

    private static FusionRequest ask() {
        return FusionRequest.builder().prompt("Give the code.").schema(SCHEMA).build();
    }

    @Test
    void aBacktrackingPatternCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> vote(time, EVIL).askAsync(ask()).toFuture());

        Eventually.holds("the answers are being read against the schema", () -> AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline of 5000 ms", "read against the schema");
                    assertThat(e.calls()).hasSize(2).allMatch(CallRecord::isOk);
                });
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void cancellingTheAskReleasesTheValidatingThread() {
        VirtualTime time = new VirtualTime();
        AtomicReference<Disposable> ask = new AtomicReference<>();
        Thread caller = new Thread(() -> ask.set(vote(time, EVIL).askAsync(ask()).subscribe(r -> { }, e -> { })));
        caller.start();

        Eventually.holds("the answers are being read against the schema",
                () -> ask.get() != null && AnswerChecks.inProgress() == 1);
        ask.get().dispose();

        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isZero();
    }

    @Test
    void answersThatMatchAreReadOffTheLockAndTheVoteDecides() throws Exception {
        VirtualTime time = new VirtualTime();
        FusionResult r = vote(time, "{\"code\":\"aaaa\"}").askAsync(ask()).toFuture().get(60, TimeUnit.SECONDS);

        assertThat(r.json()).hasValueSatisfying(j -> assertThat(j.get("code").asText()).isEqualTo("aaaa"));
        assertThat(r.judged()).isFalse();
        assertThat(r.panel()).hasSize(2).allMatch(CallRecord::isOk);
        assertThat(AnswerChecks.inProgress()).isZero();
    }

    /** A synthesize ask under the schema: the members answer freely, the judge's final answer stalls the check. */
    @Test
    void aStructuredJudgeAnswerCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", "aaaa"), FakeModel.instant("p:b", "aa"))
                .judge(FakeModel.instant("p:j", EVIL)).strategy(Strategy.synthesize())
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(ask()).toFuture());

        Eventually.holds("the judge's answer is being read against the schema", () -> AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline", "the judge's answer", "read against the schema");
                    assertThat(e.calls()).hasSize(3).allMatch(CallRecord::isOk);
                    assertThat(e.calls()).extracting(CallRecord::memberId).containsExactlyInAnyOrder("p:a", "p:b", "p:j");
                });
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /**
     * Vote: every member's answer reads at once (only a {@code strict} kind applies the pattern), two agree on
     * the code, the kind is disputed; the judge's pick of {@code strict} makes the merged whole stall the check.
     */
    private static final String VOTE_SCHEMA = """
            {"type":"object","properties":{"kind":{"type":"string"},"code":{"type":"string"}},
             "required":["kind","code"],"additionalProperties":false,
             "if":{"properties":{"kind":{"const":"strict"}}},
             "then":{"properties":{"code":{"pattern":"^(a+)+\\\\1$"}}}}""";

    @Test
    void aVoteResolveReplyCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        String slow = "a".repeat(40) + "!";
        FakeModel judge = FakeModel.instant("p:j", "{\"/kind\":\"strict\"}");
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", "{\"kind\":\"strict\",\"code\":\"aaaa\"}"),
                        FakeModel.instant("p:b", "{\"kind\":\"loose\",\"code\":\"" + slow + "\"}"),
                        FakeModel.instant("p:c", "{\"kind\":\"free\",\"code\":\"" + slow + "\"}"))
                .judge(judge).strategy(Strategy.vote())
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionRequest request = FusionRequest.builder().prompt("Give the code.").schema(VOTE_SCHEMA).build();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(request).toFuture());

        Eventually.holds("the judge's settlement is being read against the schema",
                () -> judge.calls.get() == 1 && AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline", "the judge's settlement", "read against the schema");
                    assertThat(e.calls()).hasSize(4).allMatch(CallRecord::isOk);
                    assertThat(e.calls()).extracting(CallRecord::memberId)
                            .containsExactlyInAnyOrder("p:a", "p:b", "p:c", "p:j");
                });
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /**
     * A tool step: the members call the same tool, the arguments of each read at once; two agree on the code,
     * the kind is disputed; the judge's settlement of {@code strict} makes the merged arguments stall the check.
     */
    @Test
    void aToolArgumentSettlementCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        String slow = "a".repeat(40) + "!";
        dev.fusion.model.ToolSpec run = dev.fusion.model.ToolSpec.of("run", "Runs a code.", VOTE_SCHEMA);
        FakeModel judge = FakeModel.instant("p:j", "{\"/kind\":\"strict\"}");
        Fusion fusion = Fusion.builder().panel(proposing("p:a", "strict", "aaaa"), proposing("p:b", "loose", slow),
                        proposing("p:c", "free", slow))
                .judge(judge).deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionRequest request = FusionRequest.builder().prompt("Run the code.").tools(run).build();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(request).toFuture());

        Eventually.holds("the settled arguments are being read against the tool's schema",
                () -> judge.calls.get() == 1 && AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline", "arguments of 'run'", "read against the schema");
                    assertThat(e.calls()).hasSize(4).allMatch(CallRecord::isOk);
                    assertThat(e.calls()).extracting(CallRecord::memberId)
                            .containsExactlyInAnyOrder("p:a", "p:b", "p:c", "p:j");
                });
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /** A tool step: one member's proposed arguments stall the tool schema's check (the others' read at once). */
    @Test
    void aMembersToolArgumentsCannotHoldTheAskPastTheDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        dev.fusion.model.ToolSpec run = dev.fusion.model.ToolSpec.of("run", "Runs a code.", VOTE_SCHEMA);
        FakeModel judge = FakeModel.instant("p:j", "never asked");
        Fusion fusion = Fusion.builder().panel(proposing("p:a", "strict", "a".repeat(40) + "!"),
                        proposing("p:b", "loose", "b"), proposing("p:c", "free", "c"))
                .judge(judge).deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionRequest request = FusionRequest.builder().prompt("Run the code.").tools(run).build();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(request).toFuture());

        Eventually.holds("the proposed arguments are being read against the tool's schema",
                () -> AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline", "the members' tool call arguments");
                    assertThat(e.calls()).hasSize(3).allMatch(CallRecord::isOk);
                    assertThat(e.calls()).extracting(CallRecord::memberId).containsExactlyInAnyOrder("p:a", "p:b", "p:c");
                });
        assertThat(judge.calls.get()).isZero();
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /**
     * The pattern applies only when both flags are {@code s}. Three answers, none of which meets it (each lacks a
     * flag or has a short code), give a majority to {@code k1=s}, {@code k2=s} and the long code at once: nothing
     * is disputed, and only the merged whole meets the backtracking pattern.
     */
    private static final String FLAGS_SCHEMA = """
            {"type":"object","properties":{"k1":{"type":"string"},"k2":{"type":"string"},"code":{"type":"string"}},
             "required":["k1","k2","code"],"additionalProperties":false,
             "if":{"properties":{"k1":{"const":"s"},"k2":{"const":"s"}}},
             "then":{"properties":{"code":{"pattern":"^(a+)+\\\\1$"}}}}""";
    private static final String SLOW = "a".repeat(40) + "!";

    private static String flags(String k1, String k2, String code) {
        return "{\"k1\":\"" + k1 + "\",\"k2\":\"" + k2 + "\",\"code\":\"" + code + "\"}";
    }

    /** Vote with every field decided by a majority: the merged whole's check stalls, off the lock. */
    @Test
    void aVoteDecidedWithoutTheJudgeCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        FakeModel judge = FakeModel.instant("p:j", "never asked");
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", flags("s", "n", SLOW)),
                        FakeModel.instant("p:b", flags("n", "s", SLOW)), FakeModel.instant("p:c", flags("s", "s", "aaaa")))
                .judge(judge).strategy(Strategy.vote())
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionRequest request = FusionRequest.builder().prompt("Give the code.").schema(FLAGS_SCHEMA).build();
        int before = AnswerChecks.started();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(request).toFuture());

        // The second check of the ask (the first reads the answers, at once) runs and does not end.
        Eventually.holds("the merged answer is being read against the schema",
                () -> AnswerChecks.started() == before + 2 && AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline", "the vote's merged answer", "read against the schema");
                    assertThat(e.calls()).hasSize(3).allMatch(CallRecord::isOk);
                    assertThat(e.calls()).extracting(CallRecord::memberId).containsExactlyInAnyOrder("p:a", "p:b", "p:c");
                });
        assertThat(judge.calls.get()).isZero();
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /** The same vote whose merged whole is valid: decided without the judge, on time, its JSON the majority's. */
    @Test
    void aVoteDecidedWithoutTheJudgeStillGivesTheMergedAnswer() throws Exception {
        VirtualTime time = new VirtualTime();
        FakeModel judge = FakeModel.instant("p:j", "never asked");
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", flags("s", "n", "aaaa")),
                        FakeModel.instant("p:b", flags("n", "s", "aaaa")), FakeModel.instant("p:c", flags("s", "s", "aaaa")))
                .judge(judge).strategy(Strategy.vote())
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionResult r = fusion.askAsync(FusionRequest.builder().prompt("Give the code.").schema(FLAGS_SCHEMA).build())
                .toFuture().get(60, TimeUnit.SECONDS);

        assertThat(r.judged()).isFalse();
        assertThat(r.json()).hasValueSatisfying(j -> assertThat(j.toString()).isEqualTo(flags("s", "s", "aaaa")));
        assertThat(judge.calls.get()).isZero();
        assertThat(AnswerChecks.inProgress()).isZero();
    }

    /**
     * Vote: a member's first answer is not JSON, so it is asked once more; its repaired answer stalls the check.
     * The engine reads a repair round's answers off the lock like round 1's (the flow reads none itself).
     */
    @Test
    void aRepairedVoteAnswerCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        FakeModel a = FakeModel.scripted("p:a", n -> reactor.core.publisher.Mono.just(dev.fusion.model.ModelResponse.of(
                n == 1 ? "not json" : EVIL, dev.fusion.cost.Usage.of(100, 20))));
        Fusion fusion = Fusion.builder().panel(a, FakeModel.instant("p:b", "{\"code\":\"aaaa\"}"))
                .judge(FakeModel.instant("p:j", "{\"code\":\"aaa\"}")).strategy(Strategy.vote())
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(ask()).toFuture());

        Eventually.holds("the repaired answer is being read against the schema",
                () -> a.calls.get() == 2 && AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline of 5000 ms", "read against the schema");
                    assertThat(e.calls()).hasSize(3);
                    assertThat(e.calls()).filteredOn(c -> c.memberId().equals("p:a")).extracting(CallRecord::step)
                            .containsExactlyInAnyOrder("answer", "repair");
                });
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /** A tool step whose arguments are voted without the judge: the voted whole's check stalls, off the lock. */
    @Test
    void votedToolArgumentsCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        dev.fusion.model.ToolSpec run = dev.fusion.model.ToolSpec.of("run", "Runs a code.", FLAGS_SCHEMA);
        FakeModel judge = FakeModel.instant("p:j", "never asked");
        Fusion fusion = Fusion.builder().panel(calling("p:a", flags("s", "n", SLOW)), calling("p:b", flags("n", "s", SLOW)),
                        calling("p:c", flags("s", "s", "aaaa")))
                .judge(judge).deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionRequest request = FusionRequest.builder().prompt("Run the code.").tools(run).build();
        int before = AnswerChecks.started();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(request).toFuture());

        // The second check of the ask (the first reads each member's arguments, at once) runs and does not end.
        Eventually.holds("the voted arguments are being read against the tool's schema",
                () -> AnswerChecks.started() == before + 2 && AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(AskFailedException.class, e -> {
                    assertThat(e.getMessage()).contains("ask deadline", "the voted tool call arguments", "read against the schema");
                    assertThat(e.calls()).hasSize(3).allMatch(CallRecord::isOk);
                });
        assertThat(judge.calls.get()).isZero();
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /**
     * Every judge failed and the policy returns the unjudged best answer, which no flow read against the
     * request's schema: its check stalls off the lock, and at the deadline the answer is returned without JSON.
     */
    @Test
    void theUnjudgedBestAnswerCannotHoldTheAskPastItsDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", EVIL), FakeModel.instant("p:b", EVIL))
                .judge(FakeModel.failing("p:j", dev.fusion.model.ProviderException.http(400, "bad", null, "bad", null)))
                .strategy(Strategy.synthesize()).onJudgeFailure(OnJudgeFailure.BEST_ANSWER)
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        CompletableFuture<FusionResult> result = CompletableFuture.supplyAsync(() -> null)
                .thenCompose(x -> fusion.askAsync(ask()).toFuture());

        Eventually.holds("the unjudged answer is being read against the schema", () -> AnswerChecks.inProgress() == 1);
        assertThat(result).isNotDone();
        time.advance(Duration.ofSeconds(5)); // the deadline

        FusionResult r = result.get(60, TimeUnit.SECONDS);
        assertThat(r.judged()).isFalse();
        assertThat(r.answer()).isEqualTo(EVIL);
        assertThat(r.json()).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("deadline") && n.contains("json() is empty"));
        assertThat(r.calls()).hasSize(3);
        Eventually.holds("the validating thread is released", () -> AnswerChecks.inProgress() == 0);
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    /** The same fallback with a valid best answer: read off the lock, returned with its JSON at once. */
    @Test
    void theUnjudgedBestAnswerIsReadAgainstTheSchema() throws Exception {
        VirtualTime time = new VirtualTime();
        Fusion fusion = Fusion.builder().panel(FakeModel.instant("p:a", "{\"code\":\"aaaa\"}"),
                        FakeModel.instant("p:b", "{\"code\":\"aaaa\"}"))
                .judge(FakeModel.failing("p:j", dev.fusion.model.ProviderException.http(400, "bad", null, "bad", null)))
                .strategy(Strategy.synthesize()).onJudgeFailure(OnJudgeFailure.BEST_ANSWER)
                .deadline(Duration.ofSeconds(5)).memberTimeout(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();
        FusionResult r = fusion.askAsync(ask()).toFuture().get(60, TimeUnit.SECONDS);

        assertThat(r.judged()).isFalse();
        assertThat(r.json()).hasValueSatisfying(j -> assertThat(j.get("code").asText()).isEqualTo("aaaa"));
        assertThat(time.elapsed()).isZero();
    }

    private static FakeModel calling(String ref, String args) {
        return FakeModel.responding(ref, r -> dev.fusion.model.ModelResponse.of("", dev.fusion.cost.Usage.of(100, 20))
                .withToolCalls(java.util.List.of(new dev.fusion.model.ToolCall("c1", "run", args))));
    }

    private static FakeModel proposing(String ref, String kind, String code) {
        String args = "{\"kind\":\"" + kind + "\",\"code\":\"" + code + "\"}";
        return FakeModel.responding(ref, r -> dev.fusion.model.ModelResponse.of("", dev.fusion.cost.Usage.of(100, 20))
                .withToolCalls(java.util.List.of(new dev.fusion.model.ToolCall("c1", "run", args))));
    }
}
