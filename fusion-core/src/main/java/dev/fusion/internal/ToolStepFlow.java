package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.CallRecord;
import dev.fusion.CallStep;
import dev.fusion.DecidedBy;
import dev.fusion.FusionEvent;
import dev.fusion.Member;
import dev.fusion.ToolDecisionException;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ResponseFormat;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolSpec;
import dev.fusion.structured.DisputeRequest;
import dev.fusion.structured.InvalidAnswerException;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import dev.fusion.structured.VoteMergeException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fused tool step (a request with the caller's tools, whatever the strategy): each member proposed a
 * final answer or tool calls in round 1; this flow decides one step by the rules of {@link ToolDecisions}:
 * <ol>
 *   <li>proposals whose calls are invalid (a tool not offered, arguments that do not validate) are left out
 *       (noted);</li>
 *   <li>an agreement (unanimous, or a quorum larger than any other group) decides without a judge: its
 *       calls, or for final answers the usual synthesis over them;</li>
 *   <li>the same tools with different arguments: a field-by-field vote per call; the fields without a
 *       majority go to the judge as a dispute (one call with disputed fields at most; more go to step 4);</li>
 *   <li>otherwise the judge sees the question and the anonymized, shuffled proposals with the tools
 *       offered, and calls tools (the decision) or answers in text (a final answer).</li>
 * </ol>
 * A decided call always names an offered tool with schema-valid arguments; a judge that breaks that fails
 * the ask with {@link ToolDecisionException} ({@code invalid_output}), every proposal in its records.
 * Runs under the ask's lock like every flow.
 */
final class ToolStepFlow extends Flow {

    /** The most characters of one proposal shown to the judge. */
    static final int MAX_PROPOSAL_CHARS = 8_000;

    static final String DECIDE_SYSTEM = """
            You decide the next step of an assistant that can call tools. Several independent assistants \
            proposed a next step for the same conversation: calling one or more tools, or answering directly. \
            Weigh the proposals, then take the single best next step yourself: call the tools that should be \
            called now (several at once if they are independent), with correct arguments, or, if no tool is \
            needed, write the final answer. Only call the tools you are given.""";

    private final Map<String, ToolSpec> offered;
    private final Map<String, StructuredSchema> schemas = new java.util.concurrent.ConcurrentHashMap<>();
    /** Round 1's answers (the proposals), in panel order; set when the stage starts. */
    private List<CallRecord> answers = List.of();

    ToolStepFlow(StrategyContext ctx) {
        super(ctx);
        this.offered = ToolDecisions.byName(ctx.tools());
    }

    @Override
    public long memberInputTokens(Member m, int round) {
        return super.memberInputTokens(m, round) + toolTokens(m.model().ref());
    }

    @Override
    public BigDecimal judgeWorst() {
        int n = maxAnswers();
        return ctx.judgeCallWorst(ref -> ctx.templateTokens(ref, ctx.judgePrompt(), Map.of()) + ctx.answersAllowance(n)
                + toolTokens(ref) + ctx.tokens(ref, DECIDE_SYSTEM) + 64L * n);
    }

    private long toolTokens(ModelRef ref) {
        StringBuilder sb = new StringBuilder();
        for (ToolSpec t : offered.values()) {
            sb.append(t.name()).append(' ').append(t.description()).append(' ').append(t.parametersObject()).append('\n');
        }
        return ctx.tokens(ref, sb.toString());
    }

    @Override
    void onPanelAnswers(BudgetPlan plan, List<CallRecord> ok) {
        answers = List.copyOf(ok);
        List<ToolDecisions.Proposal> all = new ArrayList<>();
        for (CallRecord r : ok) {
            all.add(new ToolDecisions.Proposal(r.memberId(), r.toolCalls(), r.text()));
        }
        // The members' arguments are read against the tools' schemas off the lock, bounded by the deadline.
        checkOffLock("the members' tool call arguments", () -> AnswerChecks.onPool(() -> {
            List<String> problems = new ArrayList<>();
            for (ToolDecisions.Proposal p : all) {
                String problem = null;
                for (ToolCall c : p.calls()) {
                    problem = ToolDecisions.problem(c, offered, schemas);
                    if (problem != null) {
                        break;
                    }
                }
                problems.add(problem);
            }
            return problems;
        }), problems -> proposalsChecked(ok, all, problems));
    }

    /** Under the lock: {@code problems} (null = valid) of each of {@code all}, the proposals of {@code ok}. */
    private void proposalsChecked(List<CallRecord> ok, List<ToolDecisions.Proposal> all, List<String> problems) {
        List<ToolDecisions.Proposal> valid = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (problems.get(i) == null) {
                valid.add(all.get(i));
            } else {
                ctx.note(all.get(i).memberId() + "'s proposal is left out: " + problems.get(i));
            }
        }
        if (valid.isEmpty()) {
            judgeProposals(all);
            return;
        }
        ToolDecisions.Agreement a = ToolDecisions.agreement(valid, ctx.quorum());
        if (a != null) {
            List<String> supporters = a.supporters().stream().map(ToolDecisions.Proposal::memberId).toList();
            if (a.isFinal()) {
                ctx.emitEvent(new FusionEvent.ToolCallsDecided(List.of(), a.how(), supporters));
                ctx.note(supporters.size() + " of " + ok.size() + " members answered without calling a tool ("
                        + a.how().wireName() + "); the judge synthesizes their answers");
                List<CallRecord> finals = ok.stream().filter(r -> supporters.contains(r.memberId())).toList();
                synthesize(finals, FlowOutcome.of(finals).withToolDecision(List.of(), a.how()));
                return;
            }
            ctx.note(supporters.size() + " of " + ok.size() + " members proposed the same tool calls ("
                    + a.how().wireName() + "); no judge call");
            decide(a.supporters().get(0).calls(), a.how(), supporters, false);
            return;
        }
        if (ToolDecisions.sameShape(valid)) {
            voteArguments(valid, all);
            return;
        }
        judgeProposals(all);
    }

    /**
     * The same tools in every proposal, different arguments: a field-by-field vote per call. The tallies (which
     * check each member's arguments again) and each voted whole's check against the tool's schema run on
     * {@link AnswerChecks}' threads, bounded by the ask's deadline: voted arguments can meet a backtracking
     * pattern that none of the members' arguments met.
     */
    private void voteArguments(List<ToolDecisions.Proposal> valid, List<ToolDecisions.Proposal> all) {
        List<List<ToolCall>> aligned = valid.stream().map(ToolDecisions::aligned).toList();
        checkOffLock("the voted tool call arguments", () -> AnswerChecks.onPool(() -> {
            List<Object> votes = new ArrayList<>();
            for (int i = 0; i < aligned.get(0).size(); i++) {
                String tool = aligned.get(0).get(i).name();
                StructuredSchema schema = schemas.computeIfAbsent(tool, k -> StructuredSchema.of(offered.get(k).parametersObject()));
                List<JsonNode> args = new ArrayList<>();
                for (List<ToolCall> calls : aligned) {
                    args.add(calls.get(i).arguments());
                }
                StructuredVote vote = StructuredVote.tally(schema, args);
                try {
                    votes.add(vote.needsJudge() ? vote : vote.result());
                } catch (VoteMergeException e) {
                    votes.add(e);
                }
            }
            return votes;
        }), votes -> argumentsVoted(valid, all, aligned, votes));
    }

    /**
     * Under the lock: each call's vote ({@code votes}: its {@link dev.fusion.structured.VoteResult}, a
     * {@link VoteMergeException}, or the {@link StructuredVote} with disputed fields).
     */
    private void argumentsVoted(List<ToolDecisions.Proposal> valid, List<ToolDecisions.Proposal> all,
                                List<List<ToolCall>> aligned, List<Object> votes) {
        int n = aligned.get(0).size();
        ToolCall[] decided = new ToolCall[n];
        StructuredVote disputed = null;
        int disputedAt = -1;
        for (int i = 0; i < n; i++) {
            ToolCall first = aligned.get(0).get(i);
            Object vote = votes.get(i);
            if (vote instanceof dev.fusion.structured.VoteResult result) {
                decided[i] = new ToolCall(first.id(), first.name(), result.json().toString(), first.thoughtSignature());
            } else if (vote instanceof VoteMergeException) {
                judgeProposals(all);
                return;
            } else if (disputed == null) {
                disputed = (StructuredVote) vote;
                disputedAt = i;
            } else {
                ctx.note("the arguments of more than one call are disputed; the judge decides the whole step");
                judgeProposals(all);
                return;
            }
        }
        if (disputed == null) {
            ctx.note("the members called the same tools and every argument has a majority (voted); no judge call");
            decide(List.of(decided), DecidedBy.VOTED, List.of(), false);
            return;
        }
        ToolCall first = aligned.get(0).get(disputedAt);
        DisputeRequest dispute = disputed.disputeRequest(ctx.questionForJudge(), ctx.seed());
        ctx.note(disputed.disputed().size() + " argument(s) of '" + first.name() + "' without a majority go to the judge: "
                + String.join(", ", disputed.disputed().stream().map(d -> d.pointer()).toList()));
        ResponseFormat format = ResponseFormat.jsonSchema("disputed_arguments", dispute.schema().node()).nonStrict();
        StructuredVote vote = disputed;
        int at = disputedAt;
        ctx.judge(new JudgeStep(CallStep.RESOLVE, dispute.system(), List.of(ChatMessage.user(dispute.user())),
                valid.stream().map(ToolDecisions.Proposal::memberId).toList(), false,
                r -> onDisputeReply(vote, dispute, decided, at, first, r), () -> degrade(FlowOutcome.of(answers)), format));
    }

    private void onDisputeReply(StructuredVote vote, DisputeRequest dispute, ToolCall[] decided, int at, ToolCall first,
                                CallRecord r) {
        // The reply and the merged arguments are read against the schemas off the lock, bounded by the deadline.
        checkOffLock("the judge's settlement of the arguments of '" + first.name() + "'", () -> AnswerChecks.onPool(() -> {
            try {
                return (Object) vote.applyJudgeAnswer(AnswerChecks.read(dispute.schema(), r.text()).get());
            } catch (InvalidAnswerException | VoteMergeException e) {
                return e;
            }
        }), settled -> onSettlement(settled, decided, at, first, r));
    }

    private void onSettlement(Object settled, ToolCall[] decided, int at, ToolCall first, CallRecord r) {
        if (settled instanceof InvalidAnswerException e) {
            ctx.invalidateJudgeAnswer(r, e);
            fail(new ToolDecisionException("the judge's settlement of the disputed arguments of '" + first.name()
                    + "' is invalid: " + e.getMessage(), List.of(e.getMessage()), ctx.allRecords()));
            return;
        }
        if (settled instanceof VoteMergeException e) {
            fail(new ToolDecisionException("the settled arguments of '" + first.name() + "' do not match its schema",
                    e.errors(), ctx.allRecords()));
            return;
        }
        decided[at] = new ToolCall(first.id(), first.name(), ((dev.fusion.structured.VoteResult) settled).json().toString(),
                first.thoughtSignature());
        decide(List.of(decided), DecidedBy.JUDGED, List.of(), true);
    }

    /** The judge sees the anonymized proposals, with the tools, and calls tools or answers. */
    private void judgeProposals(List<ToolDecisions.Proposal> proposals) {
        Map<String, ToolDecisions.Proposal> byMember = new HashMap<>();
        proposals.forEach(p -> byMember.put(p.memberId(), p));
        List<CallRecord> records = answers.stream().filter(r -> byMember.containsKey(r.memberId())).toList();
        List<CallRecord> shuffled = ctx.shuffle(records, 0);
        StringBuilder user = new StringBuilder("<question>\n").append(ctx.questionForJudge()).append("\n</question>\n\n<proposals>\n");
        for (int i = 0; i < shuffled.size(); i++) {
            user.append("<proposal n=\"").append(i + 1).append("\">\n")
                    .append(ToolDecisions.render(byMember.get(shuffled.get(i).memberId()), MAX_PROPOSAL_CHARS))
                    .append("\n</proposal>\n");
        }
        user.append("</proposals>\n\nTake the best next step now: call the tools (or answer directly if no tool is needed).");
        ctx.note("the members disagree on the next step; the judge decides from " + shuffled.size() + " anonymized proposals");
        ctx.judge(new JudgeStep(CallStep.DECIDE, DECIDE_SYSTEM, List.of(ChatMessage.user(user.toString())),
                ids(shuffled), true, this::onJudgeDecision, () -> degrade(FlowOutcome.of(answers)), null,
                List.copyOf(offered.values())));
    }

    private void onJudgeDecision(CallRecord r) {
        if (!r.hasToolCalls()) {
            ctx.emitEvent(new FusionEvent.ToolCallsDecided(List.of(), DecidedBy.JUDGED, List.of()));
            complete(FlowOutcome.of(answers).withToolDecision(List.of(), DecidedBy.JUDGED), r.text() == null ? "" : r.text(), true);
            return;
        }
        // The judge's arguments are read against the tools' schemas off the lock, bounded by the deadline.
        checkOffLock("the judge's tool call arguments", () -> AnswerChecks.onPool(() -> {
            List<String> problems = new ArrayList<>();
            for (ToolCall c : r.toolCalls()) {
                String p = ToolDecisions.problem(c, offered, schemas);
                if (p != null) {
                    problems.add(p);
                }
            }
            return problems;
        }), problems -> judgeDecisionChecked(r, problems));
    }

    private void judgeDecisionChecked(CallRecord r, List<String> problems) {
        if (!problems.isEmpty()) {
            ctx.invalidateJudgeAnswer(r, new InvalidAnswerException(dev.fusion.structured.AnswerProblem.SCHEMA_VIOLATION, problems));
            fail(new ToolDecisionException("the judge's tool decision is invalid: " + String.join("; ", problems),
                    problems, ctx.allRecords()));
            return;
        }
        String key = ToolDecisions.key(r.toolCalls());
        List<String> supporters = answers.stream().filter(c -> ToolDecisions.key(c.toolCalls()).equals(key))
                .map(CallRecord::memberId).toList();
        decide(r.toolCalls(), DecidedBy.JUDGED, supporters, true);
    }

    private void decide(List<ToolCall> calls, DecidedBy how, List<String> supporters, boolean judged) {
        ctx.emitEvent(new FusionEvent.ToolCallsDecided(calls, how, supporters));
        complete(FlowOutcome.of(answers).withToolDecision(calls, how), "", judged);
    }
}
