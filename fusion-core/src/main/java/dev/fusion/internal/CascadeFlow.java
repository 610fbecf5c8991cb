package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import reactor.core.publisher.Mono;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The {@code cascade} strategy's flow: what it asks of the panel and the judge, and what it adds to the result. */
/** Cheap answers first; agreement skips the judge, disagreement escalates to flagships and the judge. */
final class CascadeFlow extends Flow {
    private final Strategy.Cascade config;

    CascadeFlow(AskRun run, Strategy.Cascade config) {
        super(run);
        this.config = config;
    }

    @Override
    List<Member> flagships() {
        return config.flagships();
    }

    @Override
    void onPanelAnswers(List<CallRecord> ok) {
        candidates = List.copyOf(ok);
        Duration left = run.timeLeft();
        if (left.isNegative() || left.isZero()) {
            decide(ok, List.of(), new java.util.concurrent.TimeoutException("the ask deadline was reached"));
            return;
        }
        Mono<List<Integer>> check;
        try {
            check = config.rule().largestAgreeingGroup(run.req.prompt(), texts(ok));
        } catch (RuntimeException e) {
            check = Mono.error(e);
        }
        if (check == null) {
            check = Mono.empty();
        }
        // Decide exactly once: Reactor routes an exception thrown by the first decide() to the error
        // consumer, which must not decide a second time on top of it.
        java.util.concurrent.atomic.AtomicBoolean decided = new java.util.concurrent.atomic.AtomicBoolean();
        reactor.core.Disposable d = check.defaultIfEmpty(List.of()).timeout(left, run.s.scheduler())
                .subscribe(g -> {
                    if (decided.compareAndSet(false, true)) {
                        run.guarded(() -> decide(ok, g, null));
                    }
                }, e -> {
                    if (decided.compareAndSet(false, true)) {
                        run.guarded(() -> decide(ok, List.of(), e));
                    }
                });
        if (!decided.get()) {
            run.pendingAsync = d; // a rule that answered synchronously has already decided
        }
    }

    private void decide(List<CallRecord> ok, List<Integer> group, Throwable error) {
        synchronized (run.lock) {
            if (run.isDone()) {
                return;
            }
            run.pendingAsync = null;
            String rule = config.rule().name();
            if (error != null) {
                run.note("agreement rule " + rule + " failed (" + error + "); treating the answers as disagreeing");
                group = List.of();
            }
            Set<Integer> distinct = new HashSet<>(group);
            if (distinct.size() != group.size() || group.stream().anyMatch(i -> i == null || i < 0 || i >= ok.size())) {
                run.note("agreement rule " + rule + " returned invalid indexes " + group
                        + "; treating the answers as disagreeing");
                group = List.of();
            }
            int g = group.size();
            boolean agreed = g >= 2 && (config.minAgreeing() == Strategy.Cascade.ALL ? g == ok.size()
                    : g >= config.minAgreeing());
            if (agreed) {
                CallRecord representative = ok.get(group.get(0));
                BigDecimal saving = estimateSaving(ok, representative);
                cascade = new CascadeOutcome(dev.fusion.judge.CascadePath.AGREED.wireName(), g, ok.size(), rule, saving);
                run.note(g + " of " + ok.size() + " cheap answers agree (" + rule + "); the judge was skipped"
                        + (saving != null ? ", saving an estimated $" + saving.toPlainString() : ""));
                complete(representative.text(), false);
                return;
            }
            String why = "the largest agreeing group has " + g + " of " + ok.size() + " cheap answers; need "
                    + (config.minAgreeing() == Strategy.Cascade.ALL ? "all, and at least 2" : config.minAgreeing());
            if (flagships().isEmpty()) {
                cascade = new CascadeOutcome(dev.fusion.judge.CascadePath.JUDGED.wireName(), g, ok.size(), rule, BigDecimal.ZERO);
                run.note(why + "; judging");
                synthesize(ok);
                return;
            }
            cascade = new CascadeOutcome(dev.fusion.judge.CascadePath.ESCALATED.wireName(), g, ok.size(), rule, BigDecimal.ZERO);
            run.note(why + "; escalating to the flagships, then judging");
            escalate(ok);
        }
    }

    private void escalate(List<CallRecord> cheap) {
        List<Member> members = flagships();
        CallRecord[] pre = new CallRecord[members.size()];
        List<ModelRequest> requests = new ArrayList<>();
        for (int j = 0; j < members.size(); j++) {
            Member m = members.get(j);
            requests.add(run.memberRequest(m, run.req.messages()));
            if (plan.flagshipReservations()[j] == null) {
                pre[j] = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, run.s.priceBook(),
                        plan.flagshipSkips()[j], 2, dev.fusion.CallStep.ESCALATE.wireName());
                run.notifyFinished(pre[j]);
            }
        }
        run.runRound(2, dev.fusion.CallStep.ESCALATE, members, requests, plan.flagshipReservations().clone(), pre, 0, ok -> {
            List<CallRecord> all = new ArrayList<>(cheap);
            all.addAll(ok);
            synthesize(all);
        });
    }

    /** Estimated cost of what the agreed path skipped: the first judge and the admitted flagships. */
    private BigDecimal estimateSaving(List<CallRecord> ok, CallRecord representative) {
        List<String> shown = new ArrayList<>(texts(run.shuffle(ok, 0)));
        BigDecimal total = BigDecimal.ZERO;
        List<Member> fl = flagships();
        for (int j = 0; j < fl.size(); j++) {
            if (plan.flagshipReservations()[j] == null) {
                continue;
            }
            ModelRef ref = fl.get(j).model().ref();
            Optional<Price> p = run.s.priceBook().find(ref);
            if (p.isEmpty()) {
                return null;
            }
            total = total.add(p.get().costOf(Usage.of(run.requestTokens(ref),
                    run.s.estimator().estimate(ref, representative.text()))));
            shown.add(representative.text()); // the judge would have read a flagship answer of about this size
        }
        Member judge = run.s.judges().get(0);
        ModelRef ref = judge.model().ref();
        Optional<Price> p = run.s.priceBook().find(ref);
        if (p.isEmpty()) {
            return null;
        }
        long in = run.s.estimator().estimate(ref, run.s.judgePrompt().system() + "\n"
                + run.s.judgePrompt().render(run.questionForJudge(), shown));
        long out = run.s.estimator().estimate(ref, representative.text());
        return total.add(p.get().costOf(Usage.of(in, out)));
    }
}
