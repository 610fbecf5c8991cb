package dev.fusion.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.structured.DisputeRequest;
import dev.fusion.structured.DisputedLeaf;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import dev.fusion.structured.VoteResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards the vote-vs-synthesize benchmark against silently measuring something else: the workload's
 * agreement is what its parameters say (counted from the answers themselves, and as the engine's own vote
 * counts it), every answer is schema-valid, the scripted judge's settlement satisfies the schema the engine
 * builds, and a tiny run over real HTTP makes exactly the judge calls the plan predicts.
 */
class VoteVsSynthesizeTest {

    private static final StructuredSchema SCHEMA = StructuredSchema.parse(ExtractionWorkload.SCHEMA);

    /** Distinct values among the members' answers at a leaf, numbers compared numerically. */
    private static int distinct(ExtractionWorkload.Ask ask, String pointer) {
        List<JsonNode> seen = new ArrayList<>();
        for (ObjectNode a : ask.answers()) {
            JsonNode v = a.at(pointer);
            if (seen.stream().noneMatch(s -> ExtractionScripts.sameValue(s, v))) {
                seen.add(v);
            }
        }
        return seen.size();
    }

    @ParameterizedTest
    @CsvSource({"0.7, 0.5, 42", "0.7, 0.0, 1", "0.7, 1.0, 2", "0.5, 0.3, 3", "1.0, 0.5, 4", "0.0, 0.5, 5"})
    void theUnanimousFractionCountedFromTheAnswersIsTheParameter(double unanimous, double noMajority, long seed) {
        ExtractionWorkload w = ExtractionWorkload.of(300, unanimous, noMajority, seed);
        int expectedPerAsk = (int) Math.round(unanimous * ExtractionWorkload.FIELDS);
        long unanimousLeaves = 0;
        long threeWay = 0;
        long nonUnanimous = 0;
        for (ExtractionWorkload.Ask ask : w.asks()) {
            int perAsk = 0;
            for (ExtractionWorkload.Field f : ExtractionWorkload.Field.values()) {
                int d = distinct(ask, f.pointer);
                ExtractionWorkload.Agreement planned = ask.plan().get(f.ordinal());
                // The plan and the answers say the same thing about every leaf.
                assertThat(d).as("ask %d %s", ask.index(), f.pointer).isEqualTo(switch (planned) {
                    case UNANIMOUS -> 1;
                    case SPLIT -> 2;
                    case NO_MAJORITY -> 3;
                });
                perAsk += d == 1 ? 1 : 0;
                threeWay += d == 3 ? 1 : 0;
                nonUnanimous += d == 1 ? 0 : 1;
                // A majority, when there is one, is the truth.
                long truthVotes = ask.answers().stream().filter(a -> ExtractionScripts.sameValue(a.at(f.pointer),
                        ask.truthAt(f.pointer))).count();
                assertThat(truthVotes).isEqualTo(d == 1 ? 3 : d == 2 ? 2 : 1);
            }
            assertThat(perAsk).as("unanimous leaves in ask %d", ask.index()).isEqualTo(expectedPerAsk);
            unanimousLeaves += perAsk;
        }
        assertThat(unanimousLeaves / (double) (300 * ExtractionWorkload.FIELDS)).isCloseTo(expectedPerAsk / 10.0,
                org.assertj.core.data.Offset.offset(1e-9));
        if (nonUnanimous > 0) {
            // Three-way share of the disputed leaves: the parameter, within sampling error (≥ 600 leaves here).
            assertThat(threeWay / (double) nonUnanimous).isCloseTo(noMajority, org.assertj.core.data.Offset.offset(0.06));
        }
    }

    @Test
    void theSameSeedGivesTheSameWorkloadAndAnotherSeedAnother() {
        ExtractionWorkload a = ExtractionWorkload.of(50, 0.7, 0.5, 42);
        ExtractionWorkload b = ExtractionWorkload.of(50, 0.7, 0.5, 42);
        ExtractionWorkload c = ExtractionWorkload.of(50, 0.7, 0.5, 43);
        for (int i = 0; i < 50; i++) {
            assertThat(a.ask(i).document()).isEqualTo(b.ask(i).document());
            assertThat(a.ask(i).answers()).isEqualTo(b.ask(i).answers());
            assertThat(a.ask(i).plan()).isEqualTo(b.ask(i).plan());
        }
        assertThat(a.asks().stream().map(ExtractionWorkload.Ask::truth).toList())
                .isNotEqualTo(c.asks().stream().map(ExtractionWorkload.Ask::truth).toList());
    }

    @Test
    void everyAnswerAndEveryTruthValidatesAgainstTheSchema() {
        ExtractionWorkload w = ExtractionWorkload.of(300, 0.7, 0.5, 42);
        for (ExtractionWorkload.Ask ask : w.asks()) {
            assertThat(SCHEMA.validate(ask.truth())).as("truth of ask %d", ask.index()).isEmpty();
            for (int m = 0; m < ExtractionWorkload.MEMBERS; m++) {
                // As the engine reads it: the text the server sends.
                assertThat(SCHEMA.validate(SCHEMA.readAnswer(ask.answerText(m)))).isEmpty();
            }
            assertThat(w.indexIn(ask.prompt())).isEqualTo(ask.index());
        }
        // The validator really checks: a missing field, a wrong enum and an extra field each fail.
        ObjectNode bad = w.ask(0).truth().deepCopy();
        bad.remove("total");
        assertThat(SCHEMA.validate(bad)).isNotEmpty();
        ObjectNode badEnum = w.ask(0).truth().deepCopy();
        badEnum.put("currency", "XXX");
        assertThat(SCHEMA.validate(badEnum)).isNotEmpty();
        ObjectNode extra = w.ask(0).truth().deepCopy();
        extra.put("notes", "x");
        assertThat(SCHEMA.validate(extra)).isNotEmpty();
    }

    @Test
    void theEnginesVoteDisputesExactlyThePlannedLeavesAndTheScriptedJudgeSettlesThemInSchema() {
        ExtractionWorkload w = ExtractionWorkload.of(300, 0.7, 0.5, 42);
        int judged = 0;
        for (ExtractionWorkload.Ask ask : w.asks()) {
            List<JsonNode> answers = new ArrayList<>(ask.answers());
            StructuredVote vote = StructuredVote.tally(SCHEMA, answers);
            Set<String> planned = new HashSet<>();
            for (ExtractionWorkload.Field f : ExtractionWorkload.Field.values()) {
                if (ask.plan().get(f.ordinal()) == ExtractionWorkload.Agreement.NO_MAJORITY) {
                    planned.add(f.pointer);
                }
            }
            assertThat(vote.disputed().stream().map(DisputedLeaf::pointer).toList())
                    .as("ask %d", ask.index()).containsExactlyInAnyOrderElementsOf(planned);
            assertThat(vote.needsJudge()).isEqualTo(ask.needsJudge());
            VoteResult result;
            if (vote.needsJudge()) {
                judged++;
                DisputeRequest d = vote.disputeRequest(ask.prompt(), 42);
                assertThat(ExtractionScripts.isDisputeSchema(d.schema().node())).isTrue();
                assertThat(w.indexIn(d.user())).isEqualTo(ask.index()); // the server finds the ask from the prompt
                String settlement = ExtractionScripts.resolveAnswer(ask, d.schema().node());
                result = vote.applyJudgeAnswer(d.schema().readAnswer(settlement));
            } else {
                result = vote.result();
            }
            assertThat(SCHEMA.validate(result.json())).isEmpty();
            assertThat(VoteVsSynthesize.sameJson(result.json(), ask.truth())).as("ask %d", ask.index()).isTrue();
        }
        assertThat(ExtractionScripts.isDisputeSchema(SCHEMA.node())).isFalse();
        // 3 non-unanimous leaves, each three-way with p = 0.5: about 1 - 0.5^3 = 87.5 % of asks need the judge.
        assertThat(judged / 300.0).isBetween(0.80, 0.95);
    }

    @Test
    void aTinyRunOverHttpMakesExactlyThePlannedJudgeCallsAndCostsMatchTheLedger() {
        VoteVsSynthesize.Options opt = VoteVsSynthesize.Options.parse("asks=6", "concurrency=3", "warmup=0",
                "unanimous=0.7", "noMajority=0.3", "seed=7");
        VoteVsSynthesize.Outcome out = VoteVsSynthesize.run(opt);
        ExtractionWorkload w = ExtractionWorkload.of(6, 0.7, 0.3, 7);
        long planned = w.asks().stream().filter(ExtractionWorkload.Ask::needsJudge).count();
        assertThat(planned).isEqualTo(3L); // this seed gives both kinds of ask
        assertThat(out.plannedNeedJudge()).isEqualTo(planned);

        assertThat(out.synthesize().samples()).hasSize(6).allSatisfy(s -> {
            assertThat(s.judgeCalls()).isEqualTo(1);
            assertThat(s.correct()).isTrue();
            assertThat(s.costComplete()).isTrue();
            assertThat(s.repairCalls()).isZero();
        });
        assertThat(out.vote().samples()).hasSize(6).allSatisfy(s -> {
            boolean needs = w.ask(s.ask()).needsJudge();
            assertThat(s.judgeCalls()).as("ask %d", s.ask()).isEqualTo(needs ? 1 : 0);
            assertThat(s.resolveCalls()).isEqualTo(needs ? 1 : 0);
            assertThat(s.correct()).isTrue();
            assertThat(s.costComplete()).isTrue();
            assertThat(s.repairCalls()).isZero();
        });
        assertThat(out.vote().withoutJudge()).isEqualTo(6 - planned);
        for (VoteVsSynthesize.Totals t : List.of(out.synthesize(), out.vote())) {
            assertThat(t.spend()).isPositive();
            assertThat(t.ledgerUsd()).isEqualByComparingTo(t.spend());
        }
        // A resolve call reads less than a synthesize call (only the disputed fields, no whole answers).
        assertThat(out.vote().judgeUsage().input() / (double) out.vote().judgeCalls())
                .isLessThan(out.synthesize().judgeUsage().input() / (double) out.synthesize().judgeCalls());
        assertThat(out.spendRatio()).isLessThan(BigDecimal.ONE);
        // The printed anatomy of the judge's input accounts for what the server billed (token rounding aside).
        VoteVsSynthesize.Anatomy anatomy = VoteVsSynthesize.anatomy(w, 0, 7);
        assertThat(anatomy.asks()).isEqualTo(3);
        assertThat(out.vote().judgeUsage().input() / (double) out.vote().judgeCalls())
                .isCloseTo(anatomy.resolveTotal(), org.assertj.core.data.Percentage.withPercentage(3));
        assertThat(out.synthesize().judgeUsage().input() / (double) out.synthesize().judgeCalls())
                .isCloseTo(anatomy.synthTotal(), org.assertj.core.data.Percentage.withPercentage(5));
    }

    @Test
    void badArgumentsAreRefusedWithTheKeysNamed() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VoteVsSynthesize.Options.parse("asks"))
                .hasMessageContaining("key=value").hasMessageContaining("concurrency");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VoteVsSynthesize.Options.parse("asks=0"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExtractionWorkload.of(5, 1.5, 0.5, 1))
                .hasMessageContaining("[0, 1]");
    }
}
