package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SelfMoaAndLayeredTest {

    @Test
    void selfMoaSamplesOneModelNTimesWithDistinctSeedsTemperaturesAndIds() {
        FakeModel model = FakeModel.replying("p:best", r -> "sample at seed " + r.seed());
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        FusionResult r = Fusion.builder().selfMoa(model, 4).judge(judge).build().ask("q");

        assertThat(r.strategy()).isEqualTo("self-moa");
        assertThat(model.calls.get()).isEqualTo(4);
        assertThat(r.panel()).extracting(CallRecord::memberId).containsExactly("p:best#1", "p:best#2", "p:best#3", "p:best#4");
        assertThat(model.requests).extracting(ModelRequest::seed).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
        assertThat(model.requests).extracting(ModelRequest::temperature).doesNotHaveDuplicates()
                .allMatch(t -> t >= 0.7 && t <= 1.0);
        assertThat(judge.userText(0)).contains("sample at seed 1", "sample at seed 4").doesNotContain("p:best");
        assertThat(r.answer()).isEqualTo("merged");
    }

    @Test
    void selfMoaStrategyExpandsTheSinglePanelMemberAndRejectsMore() {
        FakeModel model = FakeModel.instant("p:m", "x");
        Fusion f = Fusion.builder().member(Member.of("mine", model)).judge(FakeModel.instant("p:j", "m"))
                .strategy(Strategy.selfMoa(3)).build();
        assertThat(f.panel()).extracting(Member::id).containsExactly("mine#1", "mine#2", "mine#3");
        assertThat(f.ask("q").panel()).hasSize(3);
        assertThatThrownBy(() -> Fusion.builder().panel(model, FakeModel.instant("p:other", "y"))
                .judge(FakeModel.instant("p:j", "m")).strategy(Strategy.selfMoa(3)).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("samples one model");
    }

    @Test
    void selfMoaKeepsTheMembersOwnSettingsOnEverySample() {
        // Issue 13 item 2: expanding a member into samples used to drop its reasoning and extra body.
        FakeModel model = FakeModel.instant("p:m", "x");
        Member base = Member.of("mine", model).withReasoning(dev.fusion.model.Reasoning.tokens(2048))
                .withExtraBody(java.util.Map.of("provider", java.util.Map.of("order", List.of("a", "b"))))
                .withTimeout(java.time.Duration.ofSeconds(7)).withRetry(RetryPolicy.NONE);
        Fusion f = Fusion.builder().selfMoa(base, 3).judge(FakeModel.instant("p:j", "m")).build();
        assertThat(f.panel()).allSatisfy(m -> {
            assertThat(m.reasoning()).isEqualTo(dev.fusion.model.Reasoning.tokens(2048));
            assertThat(m.extraBody()).isEqualTo(base.extraBody());
            assertThat(m.timeout()).isEqualTo(java.time.Duration.ofSeconds(7));
            assertThat(m.retry()).isEqualTo(RetryPolicy.NONE);
        });
        f.ask("q");
        assertThat(model.requests).hasSize(3).allSatisfy(r -> {
            assertThat(r.reasoning()).isEqualTo(dev.fusion.model.Reasoning.tokens(2048));
            assertThat(r.extraBody()).isEqualTo(base.extraBody());
        });
        assertThat(model.requests).extracting(ModelRequest::seed).containsExactlyInAnyOrder(1L, 2L, 3L);
    }

    private static FakeModel layeredMember(String ref, String tag) {
        return FakeModel.replying(ref, r -> r.lastUserText().contains("<references>")
                ? "refined-" + tag + " after " + r.lastUserText().split("Answer ").length + " refs"
                : "first-" + tag);
    }

    @Test
    void laterRoundsSeeThePreviousAnswersAndTheLedgerShowsRounds() {
        FakeModel a = layeredMember("vendor:alpha", "A");
        FakeModel b = layeredMember("vendor:beta", "B");
        FakeModel c = layeredMember("vendor:gamma", "C");
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Fusion f = Fusion.builder().panel(a, b, c).judge(judge).strategy(Strategy.layered(2))
                .price("vendor:alpha", Price.of("1", "2")).price("vendor:beta", Price.of("1", "2"))
                .price("vendor:gamma", Price.of("1", "2")).build();
        List<FusionEvent> events = f.stream(FusionRequest.of("What is X?")).collectList().block();
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();

        assertThat(r.strategy()).isEqualTo("layered");
        // Round 2 prompts carry every round-1 answer, anonymized, after the original question.
        for (FakeModel m : List.of(a, b, c)) {
            assertThat(m.calls.get()).isEqualTo(2);
            String round2 = m.userText(1);
            assertThat(round2).startsWith("What is X?").contains("first-A", "first-B", "first-C")
                    .doesNotContain("vendor", "alpha", "refined-");
            assertThat(m.userText(0)).isEqualTo("What is X?");
        }
        // The judge sees the last round only.
        assertThat(judge.userText(0)).contains("refined-A", "refined-B", "refined-C").doesNotContain("first-");
        // Ledger: 3 + 3 panel calls, per round, each priced.
        assertThat(r.panel()).extracting(CallRecord::round).containsExactly(1, 1, 1, 2, 2, 2);
        assertThat(r.panel()).extracting(CallRecord::step).containsExactly("answer", "answer", "answer", "refine", "refine", "refine");
        assertThat(r.rounds()).hasSize(2).allSatisfy(round -> {
            assertThat(round.calls()).hasSize(3);
            assertThat(round.answered()).isEqualTo(3);
            assertThat(round.costUsd()).isEqualByComparingTo("0.0006"); // 3 x (100 x $1 + 50 x $2) / 1M
        });
        assertThat(r.rounds().get(1).round()).isEqualTo(2);
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.RoundStarted).singleElement()
                .satisfies(e -> assertThat(((FusionEvent.RoundStarted) e).round()).isEqualTo(2));
        // Round 2 events all come after round 1 ended and before the judge.
        int roundStarted = indexOf(events, FusionEvent.RoundStarted.class);
        int judgeStarted = indexOf(events, FusionEvent.JudgeStarted.class);
        assertThat(events.subList(0, roundStarted)).filteredOn(e -> e instanceof FusionEvent.MemberAnswered).hasSize(3);
        assertThat(events.subList(roundStarted, judgeStarted)).filteredOn(e -> e instanceof FusionEvent.MemberAnswered).hasSize(3);
    }

    @Test
    void threeRoundsMakeThreeCallsPerMember() {
        FakeModel a = layeredMember("p:a", "A");
        FakeModel b = layeredMember("p:b", "B");
        FusionResult r = Fusion.builder().panel(a, b).judge(FakeModel.instant("p:j", "m")).strategy(Strategy.layered(3))
                .build().ask("q");
        assertThat(r.rounds()).extracting(RoundSummary::round).containsExactly(1, 2, 3);
        assertThat(a.userText(2)).contains("refined-A", "refined-B");
    }

    @Test
    void aLaterRoundBelowTheQuorumFallsBackToThePreviousRound() {
        FakeModel a = layeredMember("p:a", "A");
        FakeModel flaky = FakeModel.scripted("p:b", n -> n == 1
                ? reactor.core.publisher.Mono.just(dev.fusion.model.ModelResponse.of("first-B", dev.fusion.cost.Usage.of(1, 1)))
                : reactor.core.publisher.Mono.error(dev.fusion.model.ProviderException.http(400, "x", null, "no", null)));
        FakeModel judge = FakeModel.instant("p:j", "m");
        FusionResult r = Fusion.builder().panel(a, flaky).quorum(2).judge(judge).strategy(Strategy.layered(2))
                .build().ask("q");
        assertThat(judge.userText(0)).contains("first-A", "first-B");
        assertThat(r.notes()).anyMatch(n -> n.contains("judging round 1's answers"));
    }

    private static int indexOf(List<FusionEvent> events, Class<?> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
