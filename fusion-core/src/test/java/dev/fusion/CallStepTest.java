package dev.fusion;

import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.CascadePath;
import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Steps and cascade paths are enums whose wire names are the strings records, events and JSON carry. */
class CallStepTest {

    @Test
    void wireNamesRoundTripAndAreTheDocumentedStrings() {
        assertThat(Arrays.stream(CallStep.values()).map(CallStep::wireName)).containsExactly("answer", "refine", "escalate", "repair",
                "synthesize", "analyze", "analyze-retry", "write", "rank", "rank-reversed", "rank-retry", "rank-reversed-retry", "resolve", "resolve-retry",
                "structured-retry", "decide", "research");
        for (CallStep s : CallStep.values()) {
            assertThat(CallStep.fromWireName(s.wireName())).contains(s);
        }
        assertThat(CallStep.fromWireName("vote")).isEmpty();
        assertThat(Arrays.stream(CascadePath.values()).map(CascadePath::wireName))
                .containsExactly(CascadeOutcome.AGREED, CascadeOutcome.JUDGED, CascadeOutcome.ESCALATED);
        assertThat(new CascadeOutcome("escalated", 1, 3, "exact", null).pathKind()).contains(CascadePath.ESCALATED);
    }

    @Test
    void everyRecordOfALayeredAskNamesAKnownStep() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b"))
                .judge(FakeModel.instant("p:judge", "m")).strategy(Strategy.layered(2)).build();
        FusionResult r = f.ask("q");
        List<CallStep> steps = r.calls().stream().map(c -> c.callStep().orElseThrow()).toList();
        assertThat(steps).containsExactly(CallStep.ANSWER, CallStep.ANSWER, CallStep.REFINE, CallStep.REFINE,
                CallStep.SYNTHESIZE);
        assertThat(r.calls()).allSatisfy(c -> assertThat(c.step()).isEqualTo(c.callStep().orElseThrow().wireName()));
    }
}
