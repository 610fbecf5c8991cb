package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.CallStep;
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
 * The {@link StrategyContext} of one {@link AskRun}: the facts and estimates worked out from the ask's
 * settings and request, and the actions handed to the ask (which holds the lock, the rounds, the judge
 * chain and the records). Created by the ask for its flow; as thread-safe as the contract of
 * {@link StrategyContext} requires (actions under the ask's lock, facts and estimates pure).
 */
final class AskRunContext implements StrategyContext {
    /** Answers are written in the panel members' tokenizers; the judge may count more. */
    static final double CROSS_TOKENIZER_FACTOR = 1.3;
    static final int PER_ANSWER_OVERHEAD = 24;

    private final AskRun run;

    AskRunContext(AskRun run) {
        this.run = run;
    }

    // ---------------------------------------------------------------- facts

    @Override
    public List<Member> panel() {
        return run.s.panel();
    }

    @Override
    public List<Member> judges() {
        return run.s.judges();
    }

    @Override
    public JudgePrompt judgePrompt() {
        return run.s.judgePrompt();
    }

    @Override
    public List<ChatMessage> messages() {
        return run.req.messages();
    }

    @Override
    public String prompt() {
        return run.req.prompt();
    }

    @Override
    public ResponseFormat responseFormat() {
        return run.req.responseFormat();
    }

    @Override
    public int quorum() {
        return run.quorum;
    }

    @Override
    public long seed() {
        return run.seed;
    }

    @Override
    public String questionForJudge() {
        StringBuilder sb = new StringBuilder();
        if (run.req.system() != null && !run.req.system().isBlank()) {
            sb.append("(The panel was given these instructions: ").append(run.req.system().strip()).append(")\n\n");
        }
        if (run.req.messages().size() == 1) {
            sb.append(run.req.prompt());
        } else {
            for (ChatMessage m : run.req.messages()) {
                sb.append(m.role() == MessageRole.USER ? "User: " : "Assistant: ").append(m.content()).append("\n\n");
            }
        }
        return sb.toString().strip();
    }

    @Override
    public List<CallRecord> shuffle(List<CallRecord> answers, long salt) {
        List<CallRecord> shuffled = new ArrayList<>(answers);
        Collections.shuffle(shuffled, new Random(run.seed + salt));
        return shuffled;
    }

    // ---------------------------------------------------------------- estimates

    @Override
    public long tokens(ModelRef ref, String text) {
        return run.s.estimator().estimate(ref, text);
    }

    @Override
    public long requestTokens(ModelRef ref) {
        return run.s.estimator().estimate(ref, promptText()) + run.s.estimator().estimateImages(ref, run.req.messages());
    }

    @Override
    public String promptText() {
        StringBuilder sb = new StringBuilder();
        if (run.req.system() != null) {
            sb.append(run.req.system()).append('\n');
        }
        for (ChatMessage m : run.req.messages()) {
            sb.append(m.content()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public long templateTokens(ModelRef ref, JudgePrompt prompt, Map<String, String> extras) {
        return run.s.estimator().estimate(ref, prompt.system() + "\n" + prompt.render(questionForJudge(), List.of(), extras));
    }

    @Override
    public long answersAllowance(int count) {
        return (long) Math.ceil(count * (run.maxOut * CROSS_TOKENIZER_FACTOR + PER_ANSWER_OVERHEAD));
    }

    @Override
    public long judgeReplyAllowance() {
        return (long) Math.ceil(run.s.judgeMaxOutputTokens() * CROSS_TOKENIZER_FACTOR + PER_ANSWER_OVERHEAD);
    }

    @Override
    public long crossTokenizerAllowance(long chars) {
        return (long) Math.ceil(chars * CROSS_TOKENIZER_FACTOR);
    }

    @Override
    public BigDecimal judgeCallWorst(ToLongFunction<ModelRef> promptTokens) {
        BigDecimal worst = BigDecimal.ZERO;
        for (Member j : run.s.judges()) {
            ModelRef ref = j.model().ref();
            worst = worst.max(run.worstCase(ref, promptTokens.applyAsLong(ref), run.s.judgeMaxOutputTokens()));
        }
        return worst;
    }

    @Override
    public Optional<Price> price(ModelRef ref) {
        return run.s.priceBook().find(ref);
    }

    // ---------------------------------------------------------------- actions (under the ask's lock)

    @Override
    public ModelRequest memberRequest(Member m, List<ChatMessage> messages) {
        return run.memberRequest(m, messages);
    }

    @Override
    public void runRound(int number, CallStep step, List<Member> members, List<ModelRequest> requests,
                         BigDecimal[] reservations, CallRecord[] preRecords, int roundQuorum,
                         Consumer<List<CallRecord>> next) {
        run.runRound(number, step, members, requests, reservations, preRecords, roundQuorum, next);
    }

    @Override
    public CallRecord skippedCall(Member m, String reason, int round, CallStep step) {
        CallRecord r = CallRunner.skipped(m.id(), m.model().ref(), CallRole.PANEL, run.s.priceBook(), reason, round,
                step.wireName());
        run.notifyFinished(r);
        return r;
    }

    @Override
    public <T> void await(Supplier<Mono<T>> source, BiConsumer<T, Throwable> then) {
        run.await(source, then);
    }

    @Override
    public void judge(JudgeStep step) {
        run.judge(step);
    }

    @Override
    public void discardJudgeText(String memberId) {
        run.discardJudgeText(memberId);
    }

    @Override
    public void invalidatePanelAnswer(CallRecord answer, InvalidAnswerException e) {
        run.replacePanelRecord(answer, invalidOutput(answer, e));
    }

    @Override
    public void invalidateJudgeAnswer(CallRecord reply, InvalidAnswerException e) {
        run.replaceJudgeRecord(reply, invalidOutput(reply, e));
    }

    @Override
    public List<CallRecord> allRecords() {
        return run.allRecords();
    }

    @Override
    public void note(String note) {
        run.note(note);
    }

    @Override
    public List<dev.fusion.model.ToolSpec> tools() {
        return run.req.tools();
    }

    @Override
    public void emitEvent(dev.fusion.FusionEvent event) {
        run.emit(event);
    }

    @Override
    public void emitDelta(String text) {
        run.emitDelta(text);
    }

    /** The record of a call whose answer is not schema-valid: failed, kind {@code invalid_output}, still billed. */
    static CallRecord invalidOutput(CallRecord r, InvalidAnswerException e) {
        return new CallRecord(r.memberId(), r.model(), r.role(), CallStatus.FAILED, r.text(), r.usage(), r.cost(),
                r.startedAt(), r.latency(), r.timeToFirstToken(), r.queued(), r.attempts(), r.retryDelay(),
                r.finishReason(), dev.fusion.CallError.of(InvalidAnswerException.ERROR_KIND, e.getMessage()),
                r.round(), r.step(), r.usageQuality(), r.costFlags(), r.toolCalls());
    }
}
