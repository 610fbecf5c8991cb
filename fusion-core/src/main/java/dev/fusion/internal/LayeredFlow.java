package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.Member;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** The {@code layered} strategy's flow: what it asks of the panel and the judge, and what it adds to the result. */
/** K panel rounds, each after the first seeing the previous round's answers; then synthesis. */
final class LayeredFlow extends Flow {
    private final int rounds;

    LayeredFlow(AskRun run, int rounds) {
        super(run);
        this.rounds = rounds;
    }

    @Override
    int panelRounds() {
        return rounds;
    }

    @Override
    long memberInputTokens(Member m, int round) {
        if (round == 1) {
            return super.memberInputTokens(m, round);
        }
        ModelRef ref = m.model().ref();
        return run.s.estimator().estimate(ref, run.promptText()
                + JudgePrompt.layeredReferences().render("", List.of())) + run.answersAllowance(run.s.panel().size());
    }

    @Override
    void onPanelAnswers(List<CallRecord> ok) {
        nextRound(2, ok);
    }

    private void nextRound(int round, List<CallRecord> previous) {
        if (round > rounds) {
            synthesize(previous);
            return;
        }
        List<CallRecord> refs = run.shuffle(previous, round);
        List<ChatMessage> messages = new ArrayList<>(run.req.messages());
        messages.set(messages.size() - 1, ChatMessage.user(JudgePrompt.layeredReferences()
                .render(run.req.prompt(), texts(refs))));
        List<Member> members = new ArrayList<>();
        List<BigDecimal> res = new ArrayList<>();
        for (int i = 0; i < run.s.panel().size(); i++) {
            if (plan.memberReservations()[i] != null) {
                members.add(run.s.panel().get(i));
                res.add(plan.memberReservations()[i][round - 1]);
            }
        }
        List<ModelRequest> requests = members.stream().map(m -> run.memberRequest(m, messages)).toList();
        run.runRound(round, dev.fusion.CallStep.REFINE, members, requests, res.toArray(new BigDecimal[0]), null, run.quorum, ok -> {
            if (ok.size() < run.quorum) {
                run.note("round " + round + " had " + ok.size() + " answer(s), fewer than the quorum of "
                        + run.quorum + "; judging round " + (round - 1) + "'s answers instead");
                synthesize(previous);
            } else {
                nextRound(round + 1, ok);
            }
        });
    }
}
