package dev.fusion;

import dev.fusion.judge.Analysis;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AnalyzeStrategyTest {

    static final String ANALYSIS = """
            Here is my analysis:
            ```json
            {"consensus": ["Paris is the capital"],
             "contradictions": [{"topic": "population", "stances": [
                 {"position": "about 2 million", "answers": [1, 3]},
                 {"position": "about 12 million", "answers": [2]}]}],
             "partial_coverage": [{"point": "city vs metro area", "answers": [2]}],
             "unique_insights": [{"insight": "the Seine splits it", "answer": 3}],
             "blind_spots": ["no source given"]}
            ```""";

    private static boolean isAnalysis(ModelRequest r) {
        return r.system().equals(JudgePrompt.analyze().system());
    }

    private static boolean isWriter(ModelRequest r) {
        return r.system().equals(JudgePrompt.write().system());
    }

    private static Fusion.Builder panelOfThree(FakeModel judge) {
        return Fusion.builder().panel(FakeModel.instant("p:a", "A-TEXT"), FakeModel.instant("p:b", "B-TEXT"),
                FakeModel.instant("p:c", "C-TEXT")).judge(judge).strategy(Strategy.analyze()).shuffleSeed(3);
    }

    @Test
    void analysisIsParsedIntoTypedRecordsAndTheWriterGetsIt() {
        FakeModel judge = FakeModel.replying("p:judge", r -> isAnalysis(r) ? ANALYSIS : isWriter(r) ? "FINAL" : "??");
        FusionResult r = panelOfThree(judge).build().ask("What about Paris?");

        assertThat(r.strategy()).isEqualTo("analyze");
        assertThat(r.answer()).isEqualTo("FINAL");
        assertThat(r.judged()).isTrue();
        Analysis a = r.analysis().orElseThrow();
        assertThat(a.consensus()).containsExactly("Paris is the capital");
        assertThat(a.contradictions()).singleElement().satisfies(c -> {
            assertThat(c.topic()).isEqualTo("population");
            assertThat(c.stances()).extracting(Analysis.Stance::answers).containsExactly(List.of(1, 3), List.of(2));
        });
        assertThat(a.partialCoverage()).singleElement().satisfies(p -> assertThat(p.answers()).containsExactly(2));
        assertThat(a.uniqueInsights()).singleElement().satisfies(u -> {
            assertThat(u.answer()).isEqualTo(3);
            assertThat(r.memberForAnswer(u.answer())).isEqualTo(r.answerOrder().get(2));
        });
        assertThat(a.blindSpots()).containsExactly("no source given");
        // Two judge calls, both in the ledger and in the total.
        assertThat(r.judgeCalls()).extracting(CallRecord::step).containsExactly("analyze", "write");
        assertThat(r.judgeCalls()).allMatch(CallRecord::isOk);
        assertThat(judge.calls.get()).isEqualTo(2);
        // The writer sees the analysis JSON (without the fence prose) and every answer.
        String writerPrompt = judge.userText(1);
        assertThat(writerPrompt).contains("\"unique_insights\"", "A-TEXT", "B-TEXT", "C-TEXT", "What about Paris?")
                .doesNotContain("Here is my analysis", "```");
        assertThat(judge.requests.get(0).lastUserText()).contains("A-TEXT").doesNotContain("p:a");
    }

    @Test
    void onlyTheWritingCallStreamsDeltas() {
        FakeModel judge = FakeModel.responding("p:judge", r -> dev.fusion.model.ModelResponse.of(
                isAnalysis(r) ? ANALYSIS : "the final answer", dev.fusion.cost.Usage.of(10, 10)));
        List<FusionEvent> events = panelOfThree(judge).build().stream(FusionRequest.of("q")).collectList().block();
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.JudgeStarted)
                .extracting(e -> ((FusionEvent.JudgeStarted) e).step()).containsExactly("analyze", "write");
        StringBuilder deltas = new StringBuilder();
        events.stream().filter(e -> e instanceof FusionEvent.JudgeDelta).forEach(e -> deltas.append(((FusionEvent.JudgeDelta) e).text()));
        assertThat(deltas).hasToString("the final answer");
    }

    @Test
    void invalidJsonIsRetriedOnceWithTheErrorThenDegradesToSynthesis() {
        FakeModel judge = FakeModel.replying("p:judge", r -> isAnalysis(r) ? "I think answer 2 is best {oops" : "SYNTH");
        FusionResult r = panelOfThree(judge).build().ask("q");

        assertThat(r.judgeCalls()).extracting(CallRecord::step).containsExactly("analyze", "analyze-retry", "synthesize");
        ModelRequest retry = judge.requests.get(1);
        assertThat(retry.messages()).hasSize(3);
        assertThat(retry.messages().get(1).content()).isEqualTo("I think answer 2 is best {oops");
        assertThat(retry.lastUserText()).contains("could not be used", "JSON");
        assertThat(judge.requests.get(2).system()).isEqualTo(JudgePrompt.synthesize().system());
        assertThat(r.answer()).isEqualTo("SYNTH");
        assertThat(r.judged()).isTrue();
        assertThat(r.analysis()).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("asked again with the error"))
                .anyMatch(n -> n.contains("degraded to plain synthesis"));
    }

    @Test
    void aRetryThatFixesTheJsonProceedsToTheWriter() {
        int[] analysisCalls = {0};
        FakeModel judge = FakeModel.replying("p:judge", r -> {
            if (isAnalysis(r)) {
                return analysisCalls[0]++ == 0 ? "{\"unique_insights\": [{\"insight\": \"x\", \"answer\": 7}]}" : ANALYSIS;
            }
            return "FINAL";
        });
        FusionResult r = panelOfThree(judge).build().ask("q");
        assertThat(judge.requests.get(1).lastUserText()).contains("answer 7", "only answers 1 to 3");
        assertThat(r.judgeCalls()).extracting(CallRecord::step).containsExactly("analyze", "analyze-retry", "write");
        assertThat(r.analysis()).isPresent();
        assertThat(r.answer()).isEqualTo("FINAL");
    }

    @Test
    void judgeCallsGoThroughTheFallbackChain() {
        FakeModel broken = FakeModel.failing("p:j1", ProviderException.http(401, "auth", null, "bad key", null));
        FakeModel good = FakeModel.replying("p:j2", r -> isAnalysis(r) ? ANALYSIS : "FINAL");
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b"),
                FakeModel.instant("p:c", "c")).judge(broken).fallbackJudge(good).strategy(Strategy.analyze())
                .build().ask("q");
        assertThat(r.judgeCalls()).extracting(c -> c.memberId() + "/" + c.step() + "/" + c.status().wireName())
                .containsExactly("p:j1/analyze/failed", "p:j2/analyze/ok", "p:j2/write/ok");
        assertThat(broken.calls.get()).isEqualTo(1); // a judge that failed is not retried in the next step
        assertThat(r.answer()).isEqualTo("FINAL");
    }

    @Test
    void theDeadlineDuringTheWriterDegradesAndKeepsTheAnalysis() throws Exception {
        // In virtual time: the writer hangs until the deadline's 300 ms have passed on the ask's clock
        // (a wall-clock bound of 2 s failed on a loaded machine without a bug).
        dev.fusion.internal.VirtualTime time = new dev.fusion.internal.VirtualTime();
        FakeModel hanging = FakeModel.scripted("p:judge", n -> n == 1
                ? reactor.core.publisher.Mono.just(dev.fusion.model.ModelResponse.of(ANALYSIS, dev.fusion.cost.Usage.of(1, 1)))
                : reactor.core.publisher.Mono.never());
        Fusion f = panelOfThree(hanging).deadline(Duration.ofMillis(300))
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).scheduler(time.scheduler()).build();
        FusionResult r = VirtualAsks.result(VirtualAsks.advanceWhen(time, f, FusionRequest.of("q"),
                () -> hanging.calls.get() == 2, Duration.ofMillis(300)));
        // It ended at the deadline: still running 1 ns before it (VirtualAsks.advanceToEnd), over right after.
        assertThat(r.judged()).isFalse();
        assertThat(r.analysis()).isPresent();
        assertThat(r.judgeCalls()).extracting(c -> c.step() + "/" + c.status().wireName())
                .containsExactly("analyze/ok", "write/timeout");
        assertThat(hanging.cancellations.get()).isEqualTo(1);
    }
}
