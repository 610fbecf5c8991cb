package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.judge.AgreementRule;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CascadeStrategyTest {

    private static Fusion.Builder cheap(String a, String b, String c, FakeModel judge, Strategy strategy) {
        return Fusion.builder().panel(FakeModel.instant("p:a", a), FakeModel.instant("p:b", b), FakeModel.instant("p:c", c))
                .judge(judge).strategy(strategy)
                .price("p:a", Price.of("0.1", "0.4")).price("p:b", Price.of("0.1", "0.4")).price("p:c", Price.of("0.1", "0.4"))
                .price("p:judge", Price.of("15", "75"));
    }

    @Test
    void agreeingCheapAnswersSkipTheJudge() {
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Fusion f = cheap("Paris.", "  paris ", "PARIS", judge, Strategy.cascade()).build();
        List<FusionEvent> events = f.stream(FusionRequest.of("Capital of France? One word.")).collectList().block();
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();

        assertThat(judge.calls.get()).isZero();
        assertThat(r.strategy()).isEqualTo("cascade");
        assertThat(r.judged()).isFalse();
        assertThat(r.answer()).isEqualTo("Paris."); // the representative's own text
        assertThat(r.judgeCalls()).isEmpty();
        assertThat(r.answerOrder()).isEmpty();
        CascadeOutcome c = r.cascade().orElseThrow();
        assertThat(c.path()).isEqualTo("agreed");
        assertThat(c.agreed()).isTrue();
        assertThat(c.agreeing()).isEqualTo(3);
        assertThat(c.answered()).isEqualTo(3);
        assertThat(c.estimatedSavingUsd()).isPositive();
        // The judge would have read at least its system prompt at $15/M: the saving is more than the panel cost.
        assertThat(c.estimatedSavingUsd()).isGreaterThan(r.totalCostUsd());
        assertThat(events).noneMatch(e -> e instanceof FusionEvent.JudgeStarted || e instanceof FusionEvent.JudgeDelta);
        assertThat(r.notes()).anyMatch(n -> n.contains("judge was skipped"));
    }

    @Test
    void disagreeingCheapAnswersCallTheJudge() {
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        FusionResult r = cheap("Paris", "Lyon", "Paris", judge, Strategy.cascade()).build().ask("q");
        assertThat(judge.calls.get()).isEqualTo(1);
        assertThat(r.judged()).isTrue();
        assertThat(r.answer()).isEqualTo("merged");
        assertThat(r.cascade().orElseThrow().path()).isEqualTo("judged");
        assertThat(r.cascade().orElseThrow().agreeing()).isEqualTo(2);
        assertThat(r.cascade().orElseThrow().estimatedSavingUsd()).isZero();
        assertThat(judge.userText(0)).contains("Lyon");
    }

    @Test
    void aThresholdOfTwoAcceptsAMajority() {
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        FusionResult r = cheap("Lyon", "1,000", "1000.00", judge,
                Strategy.cascade(AgreementRule.normalizedExactMatch(), 2)).build().ask("q");
        assertThat(judge.calls.get()).isZero();
        assertThat(r.answer()).isEqualTo("1,000");
        assertThat(r.cascade().orElseThrow().agreeing()).isEqualTo(2);
    }

    @Test
    void flagshipsAreCalledOnlyOnDisagreementAndTheJudgeSeesEveryAnswer() {
        FakeModel flagship = FakeModel.instant("p:flag", "FLAGSHIP-ANSWER");
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        Strategy s = Strategy.cascade().withFlagships(flagship);
        FusionResult r = cheap("Paris", "Lyon", "Nice", judge, s).price("p:flag", Price.of("5", "25")).build().ask("q");
        assertThat(flagship.calls.get()).isEqualTo(1);
        assertThat(r.cascade().orElseThrow().path()).isEqualTo("escalated");
        assertThat(r.panel()).extracting(c -> c.memberId() + "@" + c.round() + "/" + c.step())
                .containsExactly("p:a@1/answer", "p:b@1/answer", "p:c@1/answer", "p:flag@2/escalate");
        assertThat(r.rounds()).hasSize(2);
        assertThat(r.answerOrder()).hasSize(4).contains("p:flag");
        assertThat(judge.userText(0)).contains("FLAGSHIP-ANSWER", "Lyon");

        FakeModel flagship2 = FakeModel.instant("p:flag", "unused");
        FakeModel judge2 = FakeModel.instant("p:judge", "merged");
        FusionResult agreed = cheap("4", "4.0", "four?", judge2,
                Strategy.cascade(AgreementRule.normalizedExactMatch(), 2).withFlagships(flagship2))
                .price("p:flag", Price.of("5", "25")).build().ask("2+2?");
        assertThat(flagship2.calls.get() + judge2.calls.get()).isZero();
        // The saving counts the flagship that was not called as well as the judge.
        FusionResult agreedNoFlagship = cheap("4", "4.0", "four?", FakeModel.instant("p:judge", "m"),
                Strategy.cascade(AgreementRule.normalizedExactMatch(), 2)).build().ask("2+2?");
        assertThat(agreed.cascade().orElseThrow().estimatedSavingUsd())
                .isGreaterThan(agreedNoFlagship.cascade().orElseThrow().estimatedSavingUsd());
    }

    @Test
    void anUnpricedJudgeGivesANullSaving() {
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "yes"), FakeModel.instant("p:b", "Yes."))
                .judge(FakeModel.instant("p:free", "m")).strategy(Strategy.cascade()).build().ask("q");
        assertThat(r.cascade().orElseThrow().path()).isEqualTo("agreed");
        assertThat(r.cascade().orElseThrow().estimatedSavingUsd()).isNull();
    }

    @Test
    void aPluggableAsynchronousRuleDecides() {
        AgreementRule lenient = new AgreementRule() {
            @Override
            public Mono<List<Integer>> largestAgreeingGroup(String question, List<String> answers) {
                return Mono.delay(Duration.ofMillis(20)).map(x -> List.of(1, 0)); // "semantic" agreement of 0 and 1
            }

            @Override
            public String name() {
                return "embedding-stub";
            }
        };
        FakeModel judge = FakeModel.instant("p:judge", "merged");
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "It is Paris"), FakeModel.instant("p:b", "Paris, of course"))
                .judge(judge).strategy(Strategy.cascade(lenient, 2)).build().ask("q");
        assertThat(judge.calls.get()).isZero();
        assertThat(r.answer()).isEqualTo("Paris, of course"); // element 0 of the group is the representative
        assertThat(r.cascade().orElseThrow().rule()).isEqualTo("embedding-stub");

        AgreementRule broken = (q, answers) -> Mono.error(new IllegalStateException("embedding service down"));
        FakeModel judge2 = FakeModel.instant("p:judge", "merged");
        FusionResult r2 = Fusion.builder().panel(FakeModel.instant("p:a", "x"), FakeModel.instant("p:b", "x"))
                .judge(judge2).strategy(Strategy.cascade(broken, 2)).build().ask("q");
        assertThat(judge2.calls.get()).isEqualTo(1);
        assertThat(r2.notes()).anyMatch(n -> n.contains("embedding service down"));
    }

    @Test
    void normalizationIgnoresCaseSpacePunctuationAndNumberFormatting() {
        assertThat(AgreementRule.normalize("  The  Answer: PARIS.  ")).isEqualTo("the answer paris");
        assertThat(AgreementRule.normalize("1,000.50")).isEqualTo(AgreementRule.normalize("1000.5"));
        assertThat(AgreementRule.normalize("42.0")).isEqualTo("42");
        assertThat(AgreementRule.normalize("+7")).isEqualTo("7");
        assertThat(AgreementRule.normalize("-3")).isEqualTo("-3");
        assertThat(AgreementRule.normalize("0.00")).isEqualTo("0");
        assertThat(AgreementRule.normalize("x2")).isEqualTo("x2");
        AgreementRule rule = AgreementRule.normalizedExactMatch(10);
        assertThat(rule.largestAgreeingGroup("q", List.of("a b", "A, B!", "c")).block()).containsExactly(0, 1);
        assertThat(rule.largestAgreeingGroup("q", List.of("a long answer here", "A long answer here.")).block())
                .as("longer than maxChars never agrees").hasSize(1);
    }
}
