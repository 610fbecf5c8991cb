package dev.fusion;

import dev.fusion.model.ModelRef;

import java.util.List;
import java.util.Objects;

/**
 * Progress of one ask, as emitted by {@link Fusion#stream(FusionRequest)}.
 *
 * <h2>Strategies</h2>
 * With several panel rounds ({@code layered}, an escalating {@code cascade}) the panel events of
 * each later round follow a {@link RoundStarted}. With several judge calls ({@code analyze},
 * {@code select-best}) each call has its own {@link JudgeStarted} (see its {@code step}); only the
 * call writing the final answer streams deltas, so the last {@code JudgeStarted}'s deltas are
 * still the answer. {@code select-best} emits the chosen panel answer as one {@link JudgeDelta}.
 * A {@code cascade} whose cheap answers agreed emits no judge events.
 *
 * <h2>Ordering guarantees</h2>
 * <ul>
 *   <li>Events are delivered serially (never concurrently) to a subscriber, and never while the
 *       engine holds a lock: a consumer may block or ask again from {@code onNext}; that delays this
 *       ask's later events (they queue in order), not its calls, which go on completing and
 *       starting the judge meanwhile.</li>
 *   <li>Every panel member produces {@link MemberStarted} before its {@link MemberAnswered} or
 *       {@link MemberFailed}; a member skipped by the budget produces only {@link MemberFailed}
 *       (status {@code skipped}), and so does one whose round would have started after the ask's
 *       deadline (status {@code timeout}). Members interleave freely.</li>
 *   <li>A member answer that the engine reads afterwards and finds unusable (with a schema, an
 *       answer that is not valid against it: error kind {@code invalid_output}, billed) gets a
 *       corrective {@link MemberFailed} after its {@link MemberAnswered}, carrying the same call's
 *       record (same member, {@code round} and {@code step}) as it now stands, failed. So for each
 *       call the last member event holds the record exactly as {@link FusionResult#panel()} has it.
 *       The {@code vote} strategy's repair of that member follows as a call of its own (round 2, step
 *       {@code repair}): {@link RoundStarted}, {@link MemberStarted}, then its outcome, which may in
 *       turn be corrected the same way. {@link FusionListener#onCallFinished} is not called again:
 *       it reports the call as it ended.</li>
 *   <li>All panel events come before the first {@link JudgeStarted}.</li>
 *   <li>For each judge tried: {@link JudgeStarted}, zero or more {@link JudgeDelta}, then either the
 *       terminal {@link Completed} or {@link JudgeFailed}. After {@code JudgeFailed}, discard the
 *       deltas received since the last {@code JudgeStarted}: the next judge (fallback) starts afresh.
 *       When that judge had streamed any text, a {@link JudgeTextDiscarded} follows its
 *       {@code JudgeFailed} at once, saying so explicitly, before anything a fallback judge or the
 *       {@code best-answer} degradation emits.
 *       A judge skipped by the budget (its worst case no longer fits what is left of the judges'
 *       reservation) produces only {@link JudgeFailed} (status {@code skipped}). A judge call that
 *       returned an answer the engine cannot use (with a schema: not valid against it, error kind
 *       {@code invalid_output}) ends in {@link JudgeFailed} too, carrying its failed record, before any
 *       {@code JudgeTextDiscarded} and before the repair call's own {@code JudgeStarted}.</li>
 *   <li>{@link Completed} is the last event, and the concatenated deltas of the last judge equal its
 *       {@code result().answer()} when {@code judged} is true.</li>
 *   <li>On failure (quorum not met, every judge failed with {@code fail} policy, budget, or an
 *       unexpected internal error as {@link AskFailedException}) the stream terminates with the typed
 *       exception instead of {@code Completed}; the events already emitted stay valid.</li>
 * </ul>
 */
public sealed interface FusionEvent {

    /** A panel member's call started. */
    record MemberStarted(String memberId, ModelRef model) implements FusionEvent {
    }

    /** A panel member answered; the record carries its text, usage and cost. */
    record MemberAnswered(CallRecord record) implements FusionEvent {
    }

    /** A panel member ended without an answer: failed, timed out, cancelled or skipped. */
    record MemberFailed(CallRecord record) implements FusionEvent {
    }

    /**
     * A judge call started, seeing the answers of {@code answerOrder} (element 0 is "Answer 1").
     * {@code step} is the call's purpose ({@link CallRecord#step()}): strategies with several judge
     * calls emit one {@code JudgeStarted} per call; only the call that writes the final answer
     * streams {@link JudgeDelta}s.
     */
    record JudgeStarted(String judgeId, ModelRef model, List<String> answerOrder, String step) implements FusionEvent {
        public JudgeStarted {
            answerOrder = List.copyOf(answerOrder);
            step = step == null ? "synthesize" : step;
        }

        /** A {@code synthesize} step. */
        public JudgeStarted(String judgeId, ModelRef model, List<String> answerOrder) {
            this(judgeId, model, answerOrder, "synthesize");
        }
    }

    /**
     * A later panel round starts ({@code layered} rounds 2..K, a {@code cascade}'s flagships):
     * its members' {@link MemberStarted} events follow. Not emitted for round 1.
     */
    record RoundStarted(int round, List<String> memberIds) implements FusionEvent {
        public RoundStarted {
            memberIds = List.copyOf(memberIds);
        }
    }

    /** A piece of the judge's answer, in order. */
    record JudgeDelta(String text) implements FusionEvent {
        public JudgeDelta {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A piece of the arguments of a tool call the judge is making while it decides a tool step (a request
     * with tools, on {@code stream()}), as its model streams them: the pieces of call {@code index}
     * concatenated are that call's arguments as the judge wrote them. The decision itself (validated, and
     * possibly failing) is {@link ToolCallsDecided}. As with {@link JudgeDelta}, after a {@link JudgeFailed}
     * discard the pieces received since the last {@link JudgeStarted} (no {@link JudgeTextDiscarded} counts them).
     *
     * @param index          the call's position in the judge's answer
     * @param id             the call's id, when this piece carries it (usually the first), else null
     * @param name           the tool's name, when this piece carries it, else null
     * @param argumentsDelta the next characters of the call's arguments (possibly empty)
     */
    record JudgeToolCallDelta(int index, String id, String name, String argumentsDelta) implements FusionEvent {
        public JudgeToolCallDelta {
            if (index < 0) {
                throw new IllegalArgumentException("index must be >= 0, was " + index);
            }
            Objects.requireNonNull(argumentsDelta, "argumentsDelta");
        }
    }

    /** A judge failed; a fallback judge or the degradation policy follows. */
    record JudgeFailed(CallRecord record) implements FusionEvent {
    }

    /**
     * The judge that just failed had streamed part of its answer as {@link JudgeDelta}s: those
     * {@code chars} characters (UTF-16 units, as {@link String#length()} counts them: the length of
     * the deltas since its {@link JudgeStarted}) are not the answer and must be discarded. Follows
     * that judge's {@link JudgeFailed} directly and comes before whatever replaces the text: a
     * fallback judge's {@code JudgeStarted}, or the {@link Completed} of the {@code best-answer}
     * degradation (its answer is then in {@code result().answer()}, not in deltas). Not emitted for a
     * judge that streamed nothing.
     *
     * @param judgeId the member id of the judge whose text is discarded
     * @param chars   how many characters of streamed text to discard; positive
     */
    record JudgeTextDiscarded(String judgeId, int chars) implements FusionEvent {
        public JudgeTextDiscarded {
            Objects.requireNonNull(judgeId, "judgeId");
            if (chars <= 0) {
                throw new IllegalArgumentException("chars must be positive: " + chars);
            }
        }
    }

    /**
     * The fusion decided a tool step: the calls (empty when the decision is a final answer), how it was
     * decided, and the members whose proposal matched the decision exactly (empty when the judge decided
     * something no member proposed as a whole).
     */
    record ToolCallsDecided(List<dev.fusion.model.ToolCall> calls, DecidedBy how, List<String> supporters)
            implements FusionEvent {
        public ToolCallsDecided {
            calls = List.copyOf(calls);
            java.util.Objects.requireNonNull(how, "how");
            supporters = List.copyOf(supporters);
        }
    }

    /**
     * A panel member's research step ran one tool call (see {@code Fusion.Builder.researchTool}): emitted
     * once per call, after the step's model call ended and the tool returned, failed or timed out, and
     * before that member's next step starts. Members interleave freely.
     *
     * @param memberId    the member
     * @param call        the member's call
     * @param resultChars the length of the tool's result (before the result-size bound), or of its error message
     * @param error       whether the result carries the error flag (the tool threw or timed out)
     * @param record      the call record of the step that made the call (step {@code research})
     */
    record MemberToolCall(String memberId, dev.fusion.model.ToolCall call, int resultChars, boolean error,
                          CallRecord record) implements FusionEvent {
        public MemberToolCall {
            java.util.Objects.requireNonNull(memberId, "memberId");
            java.util.Objects.requireNonNull(call, "call");
            java.util.Objects.requireNonNull(record, "record");
            if (resultChars < 0) {
                throw new IllegalArgumentException("resultChars cannot be negative: " + resultChars);
            }
        }
    }

    /** The ask finished; always the last event of a successful ask. */
    record Completed(FusionResult result) implements FusionEvent {
    }
}
