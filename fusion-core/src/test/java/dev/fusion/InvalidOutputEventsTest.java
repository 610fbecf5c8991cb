package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.judge.Strategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fusion.VoteStrategyTest.SCHEMA;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An answer found unusable after it was reported (with a schema: {@code invalid_output}) is corrected
 * on the event stream, so a consumer that keeps the last event per call sees what the result holds.
 */
class InvalidOutputEventsTest {

    private static String ticket(String category, int priority) {
        return "{\"category\":\"" + category + "\",\"priority\":" + priority + ",\"summary\":\"x\"}";
    }

    private static FusionRequest ask() {
        return FusionRequest.builder().prompt("Classify: the app crashes on start.").schema(SCHEMA).build();
    }

    /** Each call's last member event, keyed {@code member@round/step}, as a stream consumer would keep it. */
    private static Map<String, String> memberView(List<FusionEvent> events) {
        Map<String, String> view = new LinkedHashMap<>();
        for (FusionEvent e : events) {
            if (e instanceof FusionEvent.MemberAnswered a) {
                view.put(key(a.record()), state(a.record()));
            } else if (e instanceof FusionEvent.MemberFailed f) {
                view.put(key(f.record()), state(f.record()));
            }
        }
        return view;
    }

    private static Map<String, String> resultView(List<CallRecord> records) {
        Map<String, String> view = new LinkedHashMap<>();
        records.forEach(r -> view.put(key(r), state(r)));
        return view;
    }

    private static String key(CallRecord r) {
        return r.memberId() + "@" + r.round() + "/" + r.step();
    }

    private static String state(CallRecord r) {
        return r.status().wireName() + (r.error() != null ? ":" + r.error().type() : "");
    }

    private static String describe(FusionEvent e) {
        if (e instanceof FusionEvent.MemberAnswered a) {
            return "answered " + key(a.record());
        }
        if (e instanceof FusionEvent.MemberFailed f) {
            return "failed " + key(f.record()) + " " + state(f.record());
        }
        if (e instanceof FusionEvent.MemberStarted s) {
            return "started " + s.memberId();
        }
        if (e instanceof FusionEvent.RoundStarted r) {
            return "round " + r.round() + " " + r.memberIds();
        }
        if (e instanceof FusionEvent.JudgeStarted j) {
            return "judge " + j.step();
        }
        if (e instanceof FusionEvent.JudgeFailed f) {
            return "judge failed " + f.record().step() + " " + state(f.record());
        }
        if (e instanceof FusionEvent.JudgeTextDiscarded d) {
            return "discarded " + d.chars();
        }
        return e.getClass().getSimpleName();
    }

    @Test
    void aVoteMemberWhoseAnswerTurnsOutInvalidGetsAMemberFailedAfterItsMemberAnswered() {
        FakeModel c = FakeModel.replying("p:c", r -> r.messages().size() == 1 ? ticket("refund", 4) : "{\"category\":\"bug\"}");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", ticket("bug", 4)),
                        FakeModel.instant("p:b", ticket("bug", 4)), c)
                .judge(FakeModel.instant("p:judge", "never used")).strategy(Strategy.vote())
                .price("p:a", Price.of("0.1", "0.4")).price("p:b", Price.of("0.1", "0.4"))
                .price("p:c", Price.of("0.1", "0.4")).price("p:judge", Price.of("1", "2")).build();

        List<FusionEvent> events = f.stream(ask()).collectList().block();
        FusionResult result = ((FusionEvent.Completed) events.get(events.size() - 1)).result();

        List<String> forC = new ArrayList<>();
        for (FusionEvent e : events) {
            String d = describe(e);
            if (d.contains("p:c")) {
                forC.add(d);
            }
        }
        assertThat(forC).containsExactly(
                "started p:c",
                "answered p:c@1/answer",
                "failed p:c@1/answer failed:invalid_output",
                "round 2 [p:c]",
                "started p:c",
                "answered p:c@2/repair",
                "failed p:c@2/repair failed:invalid_output");
        // The consumer's view, call by call, is the result's.
        assertThat(memberView(events)).isEqualTo(resultView(result.panel()));
        assertThat(result.panel()).filteredOn(r -> r.memberId().equals("p:c")).noneMatch(CallRecord::isOk);
        // The corrected records are the result's own records (same cost, same text).
        List<CallRecord> corrected = events.stream().filter(e -> e instanceof FusionEvent.MemberFailed)
                .map(e -> ((FusionEvent.MemberFailed) e).record()).toList();
        assertThat(corrected).hasSize(2).allSatisfy(r -> assertThat(result.panel()).contains(r));
    }

    @Test
    void validAnswersGetNoCorrection() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", ticket("bug", 4)),
                        FakeModel.instant("p:b", ticket("bug", 4)), FakeModel.instant("p:c", ticket("bug", 4)))
                .judge(FakeModel.instant("p:judge", "never used")).strategy(Strategy.vote()).build();
        List<FusionEvent> events = f.stream(ask()).collectList().block();
        assertThat(events).noneMatch(e -> e instanceof FusionEvent.MemberFailed || e instanceof FusionEvent.JudgeFailed);
        FusionResult result = ((FusionEvent.Completed) events.get(events.size() - 1)).result();
        assertThat(memberView(events)).isEqualTo(resultView(result.panel()));
    }

    @Test
    void aJudgeAnswerThatIsNotSchemaValidEndsInJudgeFailedBeforeItsTextIsDiscardedAndTheRepairStarts() {
        String valid = ticket("bug", 2);
        FakeModel judge = FakeModel.replying("p:judge", r -> r.messages().size() == 1 ? "Here you go: " + valid : valid);
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", valid), FakeModel.instant("p:b", ticket("bug", 3)))
                .judge(judge).strategy(Strategy.synthesize()).build();

        List<FusionEvent> events = f.stream(ask()).collectList().block();
        FusionResult result = ((FusionEvent.Completed) events.get(events.size() - 1)).result();

        List<String> judgeEvents = events.stream().map(InvalidOutputEventsTest::describe)
                .filter(d -> d.startsWith("judge") || d.startsWith("discarded")).toList();
        assertThat(judgeEvents).containsExactly("judge synthesize", "judge failed synthesize failed:invalid_output",
                "discarded " + ("Here you go: " + valid).length(), "judge structured-retry");
        FusionEvent.JudgeFailed failed = (FusionEvent.JudgeFailed) events.stream()
                .filter(e -> e instanceof FusionEvent.JudgeFailed).findFirst().orElseThrow();
        assertThat(failed.record()).isEqualTo(result.judgeCalls().get(0));
        assertThat(result.json()).isPresent();
    }
}
