package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Ranking;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * What a strategy does between the first panel round and the result, plus what it needs from the
 * budget plan. One instance per ask; every method runs under the ask's lock (the engine calls them
 * with it held, and asynchronous continuations take it), so a flow needs no synchronization of its
 * own. Flows never make calls directly: they use {@link AskRun#runRound} and {@link AskRun#judge},
 * which bring retries, timeouts, the deadline, fallback judges, reservations, events and listeners.
 */
abstract class Flow {

    final AskRun run;

    Flow(AskRun run) {
        this.run = run;
    }

    static Flow of(Strategy strategy, AskRun run) {
        if (strategy instanceof Strategy.Analyze) {
            return new AnalyzeFlow(run);
        } else if (strategy instanceof Strategy.SelectBest sb) {
            return new SelectBestFlow(run, sb.twoRounds());
        } else if (strategy instanceof Strategy.Layered l) {
            return new LayeredFlow(run, l.rounds());
        } else if (strategy instanceof Strategy.Cascade c) {
            return new CascadeFlow(run, c);
        }
        return new SynthesizeFlow(run); // synthesize, and self-moa (its samples are expanded at build time)
    }

    /** Panel rounds each panel member may run (its reservation covers all of them). */
    int panelRounds() {
        return 1;
    }

    /** Members called only in a later round (the cascade's flagships). */
    List<Member> flagships() {
        return List.of();
    }

    /** Most judge calls one ask may make (fallbacks aside), for messages. */
    int judgeCalls() {
        return 1;
    }

    /** Upper bound on a member's prompt tokens in a round (1-based). */
    long memberInputTokens(Member m, int round) {
        return run.requestTokens(m.model().ref());
    }

    /** Most answers a judge call may see. */
    int maxAnswers() {
        return run.s.panel().size() + flagships().size();
    }

    /** Worst-case USD of every judge call this strategy may make in one ask. */
    BigDecimal judgeWorst() {
        return synthesisWorst();
    }

    /** Round 1 met the quorum; {@code ok} are its successful answers in panel order. */
    abstract void onPanelAnswers(List<CallRecord> ok);

    final BigDecimal synthesisWorst() {
        int n = maxAnswers();
        return run.judgeCallWorst(ref -> run.templateTokens(ref, run.s.judgePrompt(), Map.of()) + run.answersAllowance(n));
    }

    /** Worst case of a structured call plus its one retry (the bad reply and the error sent back). */
    final BigDecimal structuredWithRetryWorst(JudgePrompt prompt) {
        int n = maxAnswers();
        ToLongFunction<ModelRef> first = ref -> run.templateTokens(ref, prompt, Map.of()) + run.answersAllowance(n);
        ToLongFunction<ModelRef> retry = ref -> first.applyAsLong(ref) + run.judgeReplyAllowance()
                + run.s.estimator().estimate(ref, JudgePrompt.structuredRetry(""))
                + (long) Math.ceil(StructuredReplies.MAX_ERROR_CHARS * AskRun.CROSS_TOKENIZER_FACTOR);
        return run.judgeCallWorst(first).add(run.judgeCallWorst(retry));
    }

    static List<String> texts(List<CallRecord> records) {
        return records.stream().map(CallRecord::text).toList();
    }

    static List<String> ids(List<CallRecord> records) {
        return records.stream().map(CallRecord::memberId).toList();
    }

    // ---------------------------------------------------------------- synthesize, self-moa

    static final class SynthesizeFlow extends Flow {
        SynthesizeFlow(AskRun run) {
            super(run);
        }

        @Override
        void onPanelAnswers(List<CallRecord> ok) {
            run.synthesize(ok);
        }
    }

    // ---------------------------------------------------------------- analyze

    /** Analysis (JSON) → at most one retry with the parse error → writer; else plain synthesis. */
    static final class AnalyzeFlow extends Flow {
        private List<CallRecord> shown;
        private ChatMessage analysisRequest;

        AnalyzeFlow(AskRun run) {
            super(run);
        }

        @Override
        int judgeCalls() {
            return 3;
        }

        @Override
        BigDecimal judgeWorst() {
            int n = maxAnswers();
            BigDecimal write = run.judgeCallWorst(ref -> run.templateTokens(ref, JudgePrompt.write(), Map.of("analysis", ""))
                    + run.answersAllowance(n) + run.judgeReplyAllowance());
            return structuredWithRetryWorst(JudgePrompt.analyze()).add(write.max(synthesisWorst()));
        }

        @Override
        void onPanelAnswers(List<CallRecord> ok) {
            run.candidates = List.copyOf(ok);
            shown = run.shuffle(ok, 0);
            analysisRequest = ChatMessage.user(JudgePrompt.analyze().render(run.questionForJudge(), texts(shown)));
            run.judge(new AskRun.JudgeStep("analyze", JudgePrompt.analyze().system(), List.of(analysisRequest),
                    ids(shown), false, r -> onAnalysis(r, false), run::degrade));
        }

        private void onAnalysis(CallRecord r, boolean retried) {
            Analysis analysis;
            String json;
            try {
                json = StructuredReplies.extractObject(r.text());
                analysis = StructuredReplies.analysis(r.text(), shown.size());
            } catch (StructuredReplies.InvalidReply e) {
                if (!retried) {
                    run.note("the analysis from " + r.memberId() + " was unusable (" + e.getMessage()
                            + "); asked again with the error");
                    List<ChatMessage> convo = List.of(analysisRequest, ChatMessage.assistant(r.text()),
                            ChatMessage.user(JudgePrompt.structuredRetry(e.getMessage())));
                    run.judge(new AskRun.JudgeStep("analyze-retry", JudgePrompt.analyze().system(), convo, ids(shown),
                            false, r2 -> onAnalysis(r2, true), run::degrade));
                } else {
                    run.note("the retried analysis from " + r.memberId() + " was unusable too (" + e.getMessage()
                            + "); degraded to plain synthesis without an analysis");
                    run.synthesize(run.candidates);
                }
                return;
            }
            run.analysis = analysis;
            ChatMessage write = ChatMessage.user(JudgePrompt.write().render(run.questionForJudge(), texts(shown),
                    Map.of("analysis", json)));
            run.judge(new AskRun.JudgeStep("write", JudgePrompt.write().system(), List.of(write), ids(shown), true,
                    w -> run.complete(w.text(), true), run::degrade));
        }
    }

    // ---------------------------------------------------------------- select-best

    /** Ranking (JSON), optionally a reversed second ranking; Borda-combined; the winner verbatim. */
    static final class SelectBestFlow extends Flow {
        private final boolean twoRounds;
        private final List<List<String>> orders = new ArrayList<>();
        private final List<List<String>> rankings = new ArrayList<>();

        SelectBestFlow(AskRun run, boolean twoRounds) {
            super(run);
            this.twoRounds = twoRounds;
        }

        @Override
        int judgeCalls() {
            return twoRounds ? 4 : 3;
        }

        @Override
        BigDecimal judgeWorst() {
            BigDecimal oneRound = structuredWithRetryWorst(JudgePrompt.rank());
            BigDecimal firstThenSynthesis = oneRound.add(synthesisWorst());
            return twoRounds ? firstThenSynthesis.max(oneRound.add(oneRound)) : firstThenSynthesis;
        }

        @Override
        void onPanelAnswers(List<CallRecord> ok) {
            run.candidates = List.copyOf(ok);
            if (ok.size() == 1) {
                run.note("only " + ok.get(0).memberId() + " answered; its answer is returned without ranking");
                run.ranking = new Ranking(List.of(new Ranking.Entry(ok.get(0).memberId(), 0)), List.of(), List.of());
                run.complete(ok.get(0).text(), false);
                return;
            }
            rank(1, run.shuffle(ok, 0));
        }

        private void rank(int round, List<CallRecord> shown) {
            ChatMessage request = ChatMessage.user(JudgePrompt.rank().render(run.questionForJudge(), texts(shown)));
            String step = round == 1 ? "rank" : "rank-reversed";
            run.judge(new AskRun.JudgeStep(step, JudgePrompt.rank().system(), List.of(request), ids(shown), false,
                    r -> onRanking(r, round, shown, request, false), () -> allJudgesFailed(round)));
        }

        private void allJudgesFailed(int round) {
            if (round == 1) {
                run.degrade();
            } else {
                run.note("no judge could rank the reversed order; the first ranking alone decides");
                finish();
            }
        }

        private void onRanking(CallRecord r, int round, List<CallRecord> shown, ChatMessage request, boolean retried) {
            List<Integer> positions;
            try {
                positions = StructuredReplies.ranking(r.text(), shown.size());
            } catch (StructuredReplies.InvalidReply e) {
                if (!retried) {
                    run.note("the ranking from " + r.memberId() + " was unusable (" + e.getMessage()
                            + "); asked again with the error");
                    List<ChatMessage> convo = List.of(request, ChatMessage.assistant(r.text()),
                            ChatMessage.user(JudgePrompt.structuredRetry(e.getMessage())));
                    run.judge(new AskRun.JudgeStep(round == 1 ? "rank-retry" : "rank-reversed-retry",
                            JudgePrompt.rank().system(), convo, ids(shown), false,
                            r2 -> onRanking(r2, round, shown, request, true), () -> allJudgesFailed(round)));
                } else if (round == 1) {
                    run.note("the retried ranking was unusable too (" + e.getMessage()
                            + "); degraded to plain synthesis");
                    run.synthesize(run.candidates);
                } else {
                    run.note("the retried reversed ranking was unusable too (" + e.getMessage()
                            + "); the first ranking alone decides");
                    finish();
                }
                return;
            }
            orders.add(ids(shown));
            rankings.add(positions.stream().map(p -> shown.get(p).memberId()).toList());
            if (round == 1 && twoRounds) {
                List<CallRecord> reversed = new ArrayList<>(shown);
                java.util.Collections.reverse(reversed);
                rank(2, reversed);
            } else {
                finish();
            }
        }

        private void finish() {
            int n = rankings.get(0).size();
            Map<String, Integer> score = new HashMap<>();
            for (List<String> ranked : rankings) {
                for (int i = 0; i < ranked.size(); i++) {
                    score.merge(ranked.get(i), n - 1 - i, Integer::sum);
                }
            }
            List<String> first = rankings.get(0);
            List<Ranking.Entry> entries = first.stream()
                    .sorted((a, b) -> score.get(a).equals(score.get(b)) ? Integer.compare(first.indexOf(a), first.indexOf(b))
                            : Integer.compare(score.get(b), score.get(a)))
                    .map(id -> new Ranking.Entry(id, score.get(id))).toList();
            run.ranking = new Ranking(entries, orders, rankings);
            String winner = entries.get(0).memberId();
            String text = run.candidates.stream().filter(c -> c.memberId().equals(winner)).findFirst()
                    .orElseThrow().text();
            run.emitDelta(text);
            run.complete(text, true);
        }
    }

    // ---------------------------------------------------------------- layered

    /** K panel rounds, each after the first seeing the previous round's answers; then synthesis. */
    static final class LayeredFlow extends Flow {
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
                run.synthesize(previous);
                return;
            }
            List<CallRecord> refs = run.shuffle(previous, round);
            List<ChatMessage> messages = new ArrayList<>(run.req.messages());
            messages.set(messages.size() - 1, ChatMessage.user(JudgePrompt.layeredReferences()
                    .render(run.req.prompt(), texts(refs))));
            List<Member> members = new ArrayList<>();
            List<BigDecimal> res = new ArrayList<>();
            for (int i = 0; i < run.s.panel().size(); i++) {
                if (run.memberReservations[i] != null) {
                    members.add(run.s.panel().get(i));
                    res.add(run.memberReservations[i][round - 1]);
                }
            }
            List<ModelRequest> requests = members.stream().map(m -> run.memberRequest(m, messages)).toList();
            run.runRound(round, "refine", members, requests, res.toArray(new BigDecimal[0]), null, run.quorum, ok -> {
                if (ok.size() < run.quorum) {
                    run.note("round " + round + " had " + ok.size() + " answer(s), fewer than the quorum of "
                            + run.quorum + "; judging round " + (round - 1) + "'s answers instead");
                    run.synthesize(previous);
                } else {
                    nextRound(round + 1, ok);
                }
            });
        }
    }

    // ---------------------------------------------------------------- cascade

    /** Cheap answers first; agreement skips the judge, disagreement escalates to flagships and the judge. */
    static final class CascadeFlow extends Flow {
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
            run.candidates = List.copyOf(ok);
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
                    run.cascade = new CascadeOutcome(CascadeOutcome.AGREED, g, ok.size(), rule, saving);
                    run.note(g + " of " + ok.size() + " cheap answers agree (" + rule + "); the judge was skipped"
                            + (saving != null ? ", saving an estimated $" + saving.toPlainString() : ""));
                    run.complete(representative.text(), false);
                    return;
                }
                String why = "the largest agreeing group has " + g + " of " + ok.size() + " cheap answers; need "
                        + (config.minAgreeing() == Strategy.Cascade.ALL ? "all, and at least 2" : config.minAgreeing());
                if (flagships().isEmpty()) {
                    run.cascade = new CascadeOutcome(CascadeOutcome.JUDGED, g, ok.size(), rule, BigDecimal.ZERO);
                    run.note(why + "; judging");
                    run.synthesize(ok);
                    return;
                }
                run.cascade = new CascadeOutcome(CascadeOutcome.ESCALATED, g, ok.size(), rule, BigDecimal.ZERO);
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
                if (run.flagshipReservations[j] == null) {
                    pre[j] = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, run.s.priceBook(),
                            run.flagshipSkips[j], 2, "escalate");
                    run.notifyFinished(pre[j]);
                }
            }
            run.runRound(2, "escalate", members, requests, run.flagshipReservations.clone(), pre, 0, ok -> {
                List<CallRecord> all = new ArrayList<>(cheap);
                all.addAll(ok);
                run.synthesize(all);
            });
        }

        /** Estimated cost of what the agreed path skipped: the first judge and the admitted flagships. */
        private BigDecimal estimateSaving(List<CallRecord> ok, CallRecord representative) {
            List<String> shown = new ArrayList<>(texts(run.shuffle(ok, 0)));
            BigDecimal total = BigDecimal.ZERO;
            List<Member> fl = flagships();
            for (int j = 0; j < fl.size(); j++) {
                if (run.flagshipReservations[j] == null) {
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
}
