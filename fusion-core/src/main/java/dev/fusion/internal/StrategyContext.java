package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallStep;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ResponseFormat;
import dev.fusion.structured.InvalidAnswerException;
import dev.fusion.structured.StructuredSchema;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Everything a strategy's {@link Flow} may ask of the engine for one ask, and nothing more: the
 * settings and request facts it reads, token and USD estimates for the budget plan, panel rounds, judge
 * steps, notes, and the few changes a strategy makes to the ask's records. A flow receives it as its
 * constructor argument and never sees the ask itself, its lock or its fields.
 *
 * <p><b>Steps.</b> The action methods ({@link #runRound}, {@link #judge}, {@link #await}, {@link #finish},
 * {@link #fail}) start nothing: each chooses the flow's next {@link FlowStep}, which the engine's pipeline
 * runs as a stage once the flow's method returns. Every call of the flow (its start and each continuation)
 * chooses exactly one step.
 *
 * <p><b>Locking.</b> The engine calls a flow only with the ask's lock held (the strategy stage and the
 * continuations of its steps), and the action methods here must be called from those calls, so a flow
 * needs no synchronization of its own. No user code runs under the lock: events and
 * listener calls an action causes are queued and delivered after the lock is released. The fact and
 * estimate methods are pure and may be called at any time (the budget plan calls the flow's estimates
 * before any call starts, {@code Fusion.plan} without running the ask).
 */
interface StrategyContext {

    // ---------------------------------------------------------------- facts: settings and request

    /** The ask's panel, in order (self-moa's samples already expanded). */
    List<Member> panel();

    /** The judges: the first one, then the fallbacks in order. */
    List<Member> judges();

    /** The configured judge prompt of the default (synthesis) step. */
    JudgePrompt judgePrompt();

    /**
     * {@code prompt} as this ask fences answers: with content-derived boundaries when the configured judge
     * prompt has them ({@code JudgePrompt.withContentBoundary()}), so every step of every strategy agrees.
     */
    default JudgePrompt fenced(JudgePrompt prompt) {
        return prompt;
    }

    /** The request's conversation, as the panel is sent it. */
    List<ChatMessage> messages();

    /** The request's last user prompt. */
    String prompt();

    /** The request's answer format, or null (free text). */
    ResponseFormat responseFormat();

    /** Whether the request asks for a schema-valid answer. */
    default boolean hasSchema() {
        ResponseFormat f = responseFormat();
        return f != null && f.schema() != null;
    }

    /** The request's answer schema, or null when the request has none. */
    default StructuredSchema answerSchema() {
        return hasSchema() ? StructuredSchema.of(responseFormat().schema()) : null;
    }

    /** Panel answers the ask needs (member, then request, then Fusion default). */
    int quorum();

    /** The ask's shuffle seed. */
    long seed();

    /** The question as the judge is shown it: the panel's instructions and conversation. */
    String questionForJudge();

    /** The answers in the order a judge will see them, shuffled by the ask's seed (plus {@code salt}). */
    List<CallRecord> shuffle(List<CallRecord> answers, long salt);

    // ---------------------------------------------------------------- estimates for the budget plan

    /** Estimated tokens of {@code text} in {@code ref}'s tokenizer. */
    long tokens(ModelRef ref, String text);

    /** Estimated prompt tokens of the ask's own request (text and images). */
    long requestTokens(ModelRef ref);

    /** The request's system prompt and conversation as one text, for estimates. */
    String promptText();

    /** Estimated tokens of a judge prompt's fixed parts (system, template, question), answers excluded. */
    long templateTokens(ModelRef ref, JudgePrompt prompt, Map<String, String> extras);

    /** Upper bound on the tokens of {@code count} panel answers as another model counts them. */
    long answersAllowance(int count);

    /** Upper bound on the tokens of one earlier judge reply as another judge counts it. */
    long judgeReplyAllowance();

    /** Upper bound on the tokens of {@code chars} characters written in one tokenizer and read in another. */
    long crossTokenizerAllowance(long chars);

    /** The worst case of one judge call, whichever judge of the chain makes it, for a prompt of these tokens. */
    BigDecimal judgeCallWorst(ToLongFunction<ModelRef> promptTokens);

    /** The model's price, or empty when it is unpriced. */
    Optional<Price> price(ModelRef ref);

    // ---------------------------------------------------------------- panel rounds

    /** The request for one panel member: {@code messages}, the ask's output limit, the member's sampling settings. */
    ModelRequest memberRequest(Member m, List<ChatMessage> messages);

    /**
     * Chooses a panel round as the next step: every member with a request at once, the quorum with straggler grace, the
     * deadline. {@code next} receives the successful records in member order, whether or not the
     * quorum was met (the flow decides).
     *
     * @param reservations per member; null = skipped, with its record in {@code preRecords}
     * @param preRecords   records of members that do not run (skipped), or null
     * @param roundQuorum  answers after which the grace period starts (0 = wait for every member)
     */
    void runRound(int number, CallStep step, List<Member> members, List<ModelRequest> requests,
                  BigDecimal[] reservations, CallRecord[] preRecords, int roundQuorum, Consumer<List<CallRecord>> next);

    /**
     * The record of a panel call the budget did not admit ({@code reason}), in round {@code round} and
     * {@code step}; listeners hear of it now. For {@link #runRound}'s {@code preRecords}.
     */
    CallRecord skippedCall(Member m, String reason, int round, CallStep step);

    /**
     * Chooses, as the next step, a wait for something asynchronous the strategy needs (an agreement rule's verdict), bounded by what
     * is left of the ask's deadline. {@code then} runs once, under the ask's lock, with the value (error
     * null) or the error (value null): a {@link java.util.concurrent.TimeoutException} when the deadline
     * comes first, at once, without asking {@code source}, when it already passed; not at all when the ask
     * ended meanwhile. While it waits, the deadline leaves the wait to end the ask, and a cancelled ask
     * disposes of it. The {@code Mono} {@code source} gives must signal a value or an error.
     */
    <T> void await(Supplier<Mono<T>> source, BiConsumer<T, Throwable> then);

    // ---------------------------------------------------------------- the judge

    /** Chooses a judge step through the judge chain (fallback judges, deadline, the judge reservation) as the next step. */
    void judge(JudgeStep step);

    /** Ends the flow with its outcome (the next step is the result assembly). */
    void finish(FlowOutcome outcome);

    /** Ends the flow with {@code error}: a typed {@code FusionException}, or {@link Flow.JudgesExhausted}. */
    void fail(Throwable error);

    /** The running judge's streamed text is not the answer: tells stream consumers to discard it (if any was streamed). */
    void discardJudgeText(String memberId);

    // ---------------------------------------------------------------- records, notes, the stream

    /**
     * A panel answer that is not schema-valid: its record becomes a failed one of kind
     * {@code invalid_output} (still billed), and the stream hears it failed after all.
     */
    void invalidatePanelAnswer(CallRecord answer, InvalidAnswerException e);

    /** As {@link #invalidatePanelAnswer}, for a judge reply (reported as a failed judge call). */
    void invalidateJudgeAnswer(CallRecord reply, InvalidAnswerException e);

    /** Every record of the ask so far (panel rounds, then judge calls), for a typed failure. */
    List<CallRecord> allRecords();

    /** Adds a note to the result. */
    void note(String note);

    /** The caller's tools offered with the request (empty: none). */
    default List<dev.fusion.model.ToolSpec> tools() {
        return List.of();
    }

    /** Emits an event to the ask's stream (queued; delivered after the lock is released). */
    default void emitEvent(dev.fusion.FusionEvent event) {
    }

    /** Emits a piece of the final answer as a judge delta (streamed asks only). */
    void emitDelta(String text);
}
