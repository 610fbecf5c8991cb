package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.CallStep;
import dev.fusion.FusionRequest;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.MessageRole;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ResponseFormat;
import dev.fusion.structured.InvalidAnswerException;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The {@link StrategyContext} of one ask: the facts and estimates worked out from the ask's settings and
 * request, the records (through {@link AskRecords}), and the flow's next step: an action method only
 * chooses a {@link FlowStep}, which the ask's pipeline {@link #takeStep takes} and runs once the flow's
 * method returned. Created by the ask for its flow; as thread-safe as the contract of
 * {@link StrategyContext} requires (actions under the ask's lock, facts and estimates pure).
 */
final class AskRunContext implements StrategyContext {
    /** Answers are written in the panel members' tokenizers; the judge may count more. */
    static final double CROSS_TOKENIZER_FACTOR = 1.3;
    /**
     * Tokens around one answer: its label and its two block tags, each with the 19-digit boundary id
     * (at most 29 o200k tokens, times the estimator's 1.3 for other vendors).
     */
    static final int PER_ANSWER_OVERHEAD = 40;
    /** Tokens around a judge reply carried into a retry turn. */
    static final int REPLY_OVERHEAD = 24;
    /** Tokens of the sentence that announces the boundary id, once per prompt that shows answers. */
    static final int BOUNDARY_NOTE_OVERHEAD = 64;

    private final AskPort port;
    private final Settings s;
    private final AskSettings eff;
    private final FusionRequest req;
    private final AskRecords records;
    /** The step the flow chose and the pipeline has not taken yet. */
    private FlowStep next;

    AskRunContext(AskPort port, FusionRequest req, AskRecords records) {
        this.port = port;
        this.s = port.settings();
        this.eff = port.effective();
        this.req = req;
        this.records = records;
    }

    /** The step the flow chose in the call that just returned (each call of a flow chooses exactly one). */
    FlowStep takeStep() {
        FlowStep step = next;
        if (step == null) {
            throw new IllegalStateException("the strategy's flow chose no next step");
        }
        next = null;
        return step;
    }

    private void choose(FlowStep step) {
        if (next != null) {
            throw new IllegalStateException("the strategy's flow chose two next steps: " + next + " and " + step);
        }
        next = step;
    }

    // ---------------------------------------------------------------- facts

    @Override
    public List<Member> panel() {
        return s.panel();
    }

    @Override
    public List<Member> judges() {
        return s.judges();
    }

    @Override
    public JudgePrompt judgePrompt() {
        return fenced(s.judgePrompt());
    }

    @Override
    public JudgePrompt fenced(JudgePrompt prompt) {
        // the configured judge prompt's boundary mode applies to the strategies' own prompts too
        return s.judgePrompt().contentBoundary() ? prompt.withContentBoundary() : prompt;
    }

    @Override
    public List<ChatMessage> messages() {
        return req.messages();
    }

    @Override
    public String prompt() {
        return req.prompt();
    }

    @Override
    public ResponseFormat responseFormat() {
        return req.responseFormat();
    }

    @Override
    public int quorum() {
        return eff.quorum();
    }

    @Override
    public long seed() {
        return eff.seed();
    }

    @Override
    public String questionForJudge() {
        StringBuilder sb = new StringBuilder();
        if (req.system() != null && !req.system().isBlank()) {
            sb.append("(The panel was given these instructions: ").append(req.system().strip()).append(")\n\n");
        }
        if (req.messages().size() == 1) {
            sb.append(req.prompt());
        } else {
            for (ChatMessage m : req.messages()) {
                sb.append(m.role() == MessageRole.USER ? "User: " : "Assistant: ").append(m.content()).append("\n\n");
            }
        }
        return sb.toString().strip();
    }

    @Override
    public List<CallRecord> shuffle(List<CallRecord> answers, long salt) {
        List<CallRecord> shuffled = new ArrayList<>(answers);
        Collections.shuffle(shuffled, new Random(eff.seed() + salt));
        return shuffled;
    }

    // ---------------------------------------------------------------- estimates

    @Override
    public long tokens(ModelRef ref, String text) {
        return s.estimator().estimate(ref, text);
    }

    @Override
    public long requestTokens(ModelRef ref) {
        return s.estimator().estimate(ref, promptText()) + s.estimator().estimateImages(ref, req.messages());
    }

    @Override
    public String promptText() {
        StringBuilder sb = new StringBuilder();
        if (req.system() != null) {
            sb.append(req.system()).append('\n');
        }
        for (ChatMessage m : req.messages()) {
            sb.append(m.content()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public long templateTokens(ModelRef ref, JudgePrompt prompt, Map<String, String> extras) {
        return s.estimator().estimate(ref, prompt.system() + "\n" + prompt.render(questionForJudge(), List.of(), extras));
    }

    @Override
    public long answersAllowance(int count) {
        return (long) Math.ceil(count * (eff.maxOutputTokens() * CROSS_TOKENIZER_FACTOR + PER_ANSWER_OVERHEAD))
                + (count > 0 ? BOUNDARY_NOTE_OVERHEAD : 0);
    }

    @Override
    public long judgeReplyAllowance() {
        return (long) Math.ceil(s.judgeMaxOutputTokens() * CROSS_TOKENIZER_FACTOR + REPLY_OVERHEAD);
    }

    @Override
    public long crossTokenizerAllowance(long chars) {
        return (long) Math.ceil(chars * CROSS_TOKENIZER_FACTOR);
    }

    @Override
    public BigDecimal judgeCallWorst(ToLongFunction<ModelRef> promptTokens) {
        BigDecimal worst = BigDecimal.ZERO;
        for (Member j : s.judges()) {
            ModelRef ref = j.model().ref();
            worst = worst.max(BudgetPlan.worstCase(s.priceBook(), ref, promptTokens.applyAsLong(ref), s.judgeMaxOutputTokens()));
        }
        return worst;
    }

    @Override
    public Optional<Price> price(ModelRef ref) {
        return s.priceBook().find(ref);
    }

    // ---------------------------------------------------------------- actions (under the ask's lock)

    @Override
    public ModelRequest memberRequest(Member m, List<ChatMessage> messages) {
        return ModelRequest.builder().system(req.system()).messages(messages).maxOutputTokens(eff.maxOutputTokens())
                .temperature(eff.temperature(m))
                .seed(m.seed()).responseFormat(req.responseFormat())
                .reasoning(m.reasoning() != null ? m.reasoning() : req.reasoning()).extraBody(m.extraBody())
                .tools(req.tools()).toolChoice(req.toolChoice()).build();
    }

    @Override
    public void runRound(int number, CallStep step, List<Member> members, List<ModelRequest> requests,
                         BigDecimal[] reservations, CallRecord[] preRecords, int roundQuorum,
                         Consumer<List<CallRecord>> next) {
        choose(new FlowStep.Round(number, step, members, requests, reservations, preRecords, roundQuorum, next));
    }

    @Override
    public CallRecord skippedCall(Member m, String reason, int round, CallStep step) {
        CallRecord r = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, s.priceBook(), reason, round,
                step.wireName());
        port.notifyFinished(r);
        return r;
    }

    @Override
    public <T> void await(Supplier<Mono<T>> source, BiConsumer<T, Throwable> then) {
        choose(new FlowStep.Await<>(source, then));
    }

    @Override
    public void judge(JudgeStep step) {
        choose(new FlowStep.Judge(step));
    }

    @Override
    public void finish(FlowOutcome outcome) {
        choose(new FlowStep.Done(outcome));
    }

    @Override
    public void fail(Throwable error) {
        choose(new FlowStep.Failed(error));
    }

    @Override
    public void discardJudgeText(String memberId) {
        records.judges().discardText(memberId);
    }

    @Override
    public void invalidatePanelAnswer(CallRecord answer, InvalidAnswerException e) {
        records.replacePanel(answer, invalidOutput(answer, e));
    }

    @Override
    public void invalidateJudgeAnswer(CallRecord reply, InvalidAnswerException e) {
        records.replaceJudge(reply, invalidOutput(reply, e));
    }

    @Override
    public List<CallRecord> allRecords() {
        return records.all();
    }

    @Override
    public void note(String note) {
        port.note(note);
    }

    @Override
    public List<dev.fusion.model.ToolSpec> tools() {
        return req.tools();
    }

    @Override
    public void emitEvent(dev.fusion.FusionEvent event) {
        port.emit(event);
    }

    @Override
    public void emitDelta(String text) {
        if (port.streamJudge() && !text.isEmpty()) {
            port.emit(new dev.fusion.FusionEvent.JudgeDelta(text));
        }
    }

    /** The record of a call whose answer is not schema-valid: failed, kind {@code invalid_output}, still billed. */
    static CallRecord invalidOutput(CallRecord r, InvalidAnswerException e) {
        return new CallRecord(r.memberId(), r.model(), r.role(), CallStatus.FAILED, r.text(), r.usage(), r.cost(),
                r.startedAt(), r.latency(), r.timeToFirstToken(), r.queued(), r.attempts(), r.retryDelay(),
                r.finishReason(), dev.fusion.CallError.of(InvalidAnswerException.ERROR_KIND, e.getMessage()),
                r.round(), r.step(), r.usageQuality(), r.costFlags(), r.toolCalls());
    }
}
