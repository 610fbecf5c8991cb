package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.CallRecord;
import dev.fusion.CallStep;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.judge.Strategy;
import dev.fusion.judge.StrategyKind;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ResponseFormat;
import dev.fusion.structured.DisputeRequest;
import dev.fusion.structured.InvalidAnswerException;
import dev.fusion.structured.RepairPrompt;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import dev.fusion.structured.VoteMergeException;
import dev.fusion.structured.VoteResult;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The {@code vote} strategy's flow. Round 1's answers are read against the request's schema; each invalid
 * one becomes a failed record of kind {@code invalid_output} and its member is asked once more (round 2,
 * step {@code repair}: its answer and {@link RepairPrompt} as a follow-up turn); a repaired answer that is
 * still invalid is failed the same way. The valid answers are tallied ({@link StructuredVote}): with a
 * majority on every leaf the result needs no judge; otherwise one judge call (step {@code resolve},
 * constrained by the schema of the disputed leaves, one repair as {@code resolve-retry}) settles them.
 * Fewer valid answers than the quorum is a {@code QuorumNotMetException} whose records name
 * {@code invalid_output}. Needs a schema on the request; no options.
 */
final class VoteFlow extends Flow {
    static final StrategyDefinition<Strategy.Vote> DEFINITION =
            new StrategyDefinition<>(StrategyKind.VOTE, Strategy.Vote.class) {
                @Override
                Flow flow(Strategy.Vote strategy, StrategyContext ctx) {
                    return new VoteFlow(ctx);
                }
            };

    private static final long REPAIR_ERRORS_ALLOWANCE = REPAIR_PROMPT_ALLOWANCE;
    /** Tokens of the dispute prompt's fixed text and agreed fields beyond the answers' values (1 per char, bounded). */
    private static final long DISPUTE_FIXED_ALLOWANCE = StructuredVote.MAX_AGREED_CHARS + 2_000;

    private final StructuredSchema schema;
    private List<CallRecord> valid = List.of();
    private List<JsonNode> validJson = List.of();
    /** Members' answers the engine already read against the schema (off the lock), by record. */
    private final java.util.Map<CallRecord, AnswerChecks.Result> read = new java.util.IdentityHashMap<>();

    VoteFlow(StrategyContext ctx) {
        super(ctx);
        // Checked (with a clear error) by checkRequest before any call; null here only for that check.
        this.schema = ctx.answerSchema();
    }

    @Override
    StructuredSchema memberAnswerSchema() {
        return schema;
    }

    @Override
    void answersRead(java.util.Map<CallRecord, AnswerChecks.Result> read) {
        this.read.putAll(read);
    }

    @Override
    dev.fusion.FusionException checkRequest() {
        if (schema == null) {
            return new dev.fusion.InvalidConfigurationException("the vote strategy needs a JSON Schema for the answer:"
                    + " set one with FusionRequest.builder().schema(...) (CLI: --schema FILE), or use another strategy");
        }
        return null;
    }

    @Override
    public int panelRounds() {
        return 2; // the answer, and its one repair
    }

    @Override
    public long memberInputTokens(Member m, int round) {
        long first = ctx.requestTokens(m.model().ref());
        // The repair turn resends the conversation, the member's own answer and the repair prompt (which quotes it).
        return round == 1 ? first : first + 2 * ctx.answersAllowance(1) + REPAIR_ERRORS_ALLOWANCE;
    }

    @Override
    public BigDecimal structuredRepairWorst() {
        return BigDecimal.ZERO; // judgeWorst covers the resolve call and its one repair
    }

    @Override
    public int judgeCalls() {
        return 2;
    }

    @Override
    public BigDecimal judgeWorst() {
        int n = maxAnswers();
        // The dispute prompt shows the question and the agreed fields; the candidate values (taken from the
        // answers) travel once, as the dispute schema's enums. The allowance still counts the answers twice:
        // a bound, kept as it was (over-reserving never spends).
        ToLongFunction<ModelRef> first = ref -> ctx.tokens(ref, ctx.questionForJudge())
                + 2 * ctx.answersAllowance(n) + DISPUTE_FIXED_ALLOWANCE;
        ToLongFunction<ModelRef> retry = ref -> first.applyAsLong(ref) + ctx.judgeReplyAllowance()
                + REPAIR_ERRORS_ALLOWANCE + Math.min(RepairPrompt.MAX_ANSWER_ECHO, ctx.judgeReplyAllowance());
        return ctx.judgeCallWorst(first).add(ctx.judgeCallWorst(retry));
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        List<CallRecord> good = new ArrayList<>();
        List<JsonNode> goodJson = new ArrayList<>();
        List<Member> repair = new ArrayList<>();
        List<ModelRequest> requests = new ArrayList<>();
        List<BigDecimal> reservations = new ArrayList<>();
        for (CallRecord r : ok) {
            try {
                goodJson.add(readAnswer(r));
                good.add(r);
            } catch (InvalidAnswerException e) {
                ctx.invalidatePanelAnswer(r, e);
                int i = panelIndex(r.memberId());
                Member m = ctx.panel().get(i);
                List<ChatMessage> turns = new ArrayList<>(ctx.messages());
                turns.add(ChatMessage.assistant(r.text() == null ? "" : r.text()));
                turns.add(ChatMessage.user(RepairPrompt.of(r.text(), e)));
                repair.add(m);
                requests.add(ctx.memberRequest(m, turns));
                reservations.add(plan.memberReservations()[i] == null ? null : plan.memberReservations()[i][1]);
            }
        }
        valid = good;
        validJson = goodJson;
        if (repair.isEmpty()) {
            tally();
            return;
        }
        ctx.note(repair.size() + " answer(s) did not match the schema; asking " + String.join(", ",
                repair.stream().map(Member::id).toList()) + " once more with the errors");
        ctx.runRound(2, CallStep.REPAIR, repair, requests, reservations.toArray(BigDecimal[]::new), null, 0, repaired -> {
            List<CallRecord> g = new ArrayList<>(valid);
            List<JsonNode> gj = new ArrayList<>(validJson);
            for (CallRecord r : repaired) {
                try {
                    gj.add(readAnswer(r));
                    g.add(r);
                } catch (InvalidAnswerException e) {
                    ctx.invalidatePanelAnswer(r, e);
                    ctx.note(r.memberId() + "'s repaired answer is still invalid; left out of the vote");
                }
            }
            valid = g;
            validJson = gj;
            tally();
        });
    }

    private void tally() {
        if (valid.size() < ctx.quorum() || valid.isEmpty()) {
            fail(new dev.fusion.QuorumNotMetException(ctx.quorum(), valid.size(), ctx.allRecords()));
            return;
        }
        // The tally (which checks each answer against the schema again), the dispute's schema and, with nothing
        // disputed, the merged whole's check run on AnswerChecks' threads, bounded by the ask's deadline: a
        // merged whole can meet a backtracking pattern that none of the answers met.
        List<JsonNode> answers = validJson;
        String question = ctx.questionForJudge();
        long seed = ctx.seed();
        checkOffLock("the vote's merged answer", () -> AnswerChecks.onPool(() -> Tally.of(schema, answers, question, seed)),
                this::tallied);
    }

    /** The vote over the valid answers, worked out on {@link AnswerChecks}' threads: what the flow does next. */
    private record Tally(StructuredVote vote, DisputeRequest dispute, VoteResult result, VoteMergeException merge,
                         Throwable unusable) {
        static Tally of(StructuredSchema schema, List<JsonNode> answers, String question, long seed) {
            StructuredVote vote;
            try {
                vote = StructuredVote.tally(schema, answers);
                if (vote.needsJudge()) {
                    return new Tally(vote, vote.disputeRequest(question, seed), null, null, null);
                }
            } catch (RuntimeException | StackOverflowError e) {
                return new Tally(null, null, null, null, e);
            }
            try {
                return new Tally(vote, null, vote.result(), null, null);
            } catch (VoteMergeException e) {
                return new Tally(vote, null, null, e, null);
            }
        }
    }

    /** Under the lock: the vote's result without a judge, or the disputed fields put to the judge. */
    private void tallied(Tally t) {
        if (t.unusable() != null) {
            // The disputed values cannot be put to the judge (their candidates make a schema beyond the
            // bounds, or the tally met something it cannot handle): settled as if the judge had failed,
            // keeping every record.
            Throwable e = t.unusable();
            ctx.note("the vote's disputed fields cannot be put to the judge (" + e.getClass().getSimpleName()
                    + (e instanceof dev.fusion.InvalidConfigurationException ? ": " + e.getMessage() : "") + ")");
            allFailed();
            return;
        }
        StructuredVote vote = t.vote();
        if (!vote.needsJudge()) {
            if (t.merge() != null) {
                fail(t.merge());
                return;
            }
            BigDecimal saving = estimateSaving(vote);
            ctx.note("every field has a majority of the " + valid.size() + " valid answers; the judge was skipped"
                    + (saving != null ? ", saving an estimated $" + saving.toPlainString() : ""));
            finish(t.result(), false);
            return;
        }
        DisputeRequest dispute = t.dispute();
        ctx.note(vote.disputed().size() + " field(s) without a majority go to the judge: "
                + String.join(", ", vote.disputed().stream().map(d -> d.pointer()).toList()));
        // Not strict: the candidates may be objects or arrays, which strict mode's enum does not take.
        ResponseFormat format = ResponseFormat.jsonSchema("disputed_fields", dispute.schema().node()).nonStrict();
        List<ChatMessage> messages = List.of(ChatMessage.user(dispute.user()));
        ctx.judge(new JudgeStep(CallStep.RESOLVE, dispute.system(), messages, ids(valid), false,
                r -> onJudgeReply(vote, dispute, format, messages, r, true), this::allFailed, format));
    }

    private void allFailed() {
        degrade(FlowOutcome.of(valid));
    }

    private void onJudgeReply(StructuredVote vote, DisputeRequest dispute, ResponseFormat format,
                              List<ChatMessage> messages, CallRecord r, boolean mayRepair) {
        // The reply and the merged whole are read against the schemas off the lock, bounded by the deadline.
        checkOffLock("the judge's settlement", () -> AnswerChecks.onPool(() -> Settlement.of(vote, dispute, r.text())),
                settled -> onSettlement(vote, dispute, format, messages, r, mayRepair, settled));
    }

    /** The judge's settlement read: the vote's result, or why the reply or the merged whole is invalid. */
    private record Settlement(VoteResult result, InvalidAnswerException invalid, VoteMergeException merge) {
        /** Reads {@code text} against the dispute's schema and merges it (on {@link AnswerChecks}' threads). */
        static Settlement of(StructuredVote vote, DisputeRequest dispute, String text) {
            try {
                return new Settlement(vote.applyJudgeAnswer(readAnswer(dispute.schema(), text)), null, null);
            } catch (InvalidAnswerException e) {
                return new Settlement(null, e, null);
            } catch (VoteMergeException e) {
                return new Settlement(null, null, e);
            }
        }
    }

    private void onSettlement(StructuredVote vote, DisputeRequest dispute, ResponseFormat format,
                              List<ChatMessage> messages, CallRecord r, boolean mayRepair, Settlement settled) {
        InvalidAnswerException e = settled.invalid();
        if (e != null) {
            ctx.invalidateJudgeAnswer(r, e);
            if (!mayRepair) {
                ctx.note("the judge's repaired settlement is still invalid (" + e.getMessage() + ")");
                allFailed();
                return;
            }
            List<ChatMessage> turns = new ArrayList<>(messages);
            turns.add(ChatMessage.assistant(r.text() == null ? "" : r.text()));
            turns.add(ChatMessage.user(RepairPrompt.of(r.text(), e)));
            ctx.judge(new JudgeStep(CallStep.RESOLVE_RETRY, dispute.system(), turns, ids(valid), false,
                    r2 -> onJudgeReply(vote, dispute, format, messages, r2, false), this::allFailed, format));
            return;
        }
        if (settled.merge() != null) {
            fail(settled.merge());
            return;
        }
        finish(settled.result(), true);
    }

    /**
     * A member's answer as the engine read it against the schema (off the lock, bounded by the deadline): the
     * engine reads every successful answer of every round of a flow with a {@link #memberAnswerSchema} before
     * the flow sees it, so there is no reading here.
     */
    private JsonNode readAnswer(CallRecord r) {
        AnswerChecks.Result done = read.get(r);
        if (done == null) {
            throw new IllegalStateException("the answer of " + r.memberId() + " was not read against the schema");
        }
        return done.get();
    }

    /**
     * An answer read and validated; whatever else goes wrong in reading one (an exception the parser or
     * the validator should not throw) makes it an invalid answer of its member, never an error of the ask.
     */
    private static JsonNode readAnswer(dev.fusion.structured.StructuredSchema schema, String text) {
        return AnswerChecks.read(schema, text).get();
    }

    private void finish(VoteResult result, boolean judged) {
        String text = result.json().toPrettyString();
        ctx.emitDelta(text);
        complete(FlowOutcome.of(valid).withJson(result.json(), new LinkedHashMap<>(result.agreement())), text, judged);
    }

    /** What the skipped judge call would have cost: the judge reading every valid answer and writing one. */
    private BigDecimal estimateSaving(StructuredVote vote) {
        Member judge = ctx.judges().get(0);
        ModelRef ref = judge.model().ref();
        Optional<Price> p = ctx.price(ref);
        if (p.isEmpty()) {
            return null;
        }
        List<String> shown = texts(ctx.shuffle(valid, 0));
        long in = ctx.tokens(ref, ctx.judgePrompt().system() + "\n"
                + ctx.judgePrompt().render(ctx.questionForJudge(), shown));
        long out = ctx.tokens(ref, vote.merged().toString());
        return p.get().costOf(Usage.of(in, out));
    }

    private int panelIndex(String memberId) {
        for (int i = 0; i < ctx.panel().size(); i++) {
            if (ctx.panel().get(i).id().equals(memberId)) {
                return i;
            }
        }
        throw new IllegalStateException("no panel member " + memberId);
    }
}
