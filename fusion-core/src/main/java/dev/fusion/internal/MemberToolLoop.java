package dev.fusion.internal;

import dev.fusion.CallError;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.CallStep;
import dev.fusion.FusionEvent;
import dev.fusion.Member;
import dev.fusion.ResearchToolExecutor;
import dev.fusion.cost.Cost;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolChoice;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import reactor.core.Disposable;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One panel member's research loop in one round: the member is called with the research tools offered
 * (besides the request's own tools); while it answers with calls of research tools only, the library runs
 * them ({@link ResearchToolExecutor}, on the research pool, never under the ask's lock), each bounded by the
 * tool timeout and its result by the result-size bound, and calls the member again with the results, up to
 * {@link ResearchTools#maxSteps()} calls (the last one is asked to answer: tool choice {@code none}, unless
 * the request offers tools of its own). Every step is a call record of its own: the tool-calling steps are
 * {@link CallStep#RESEARCH} records with the calls and an excerpt of each result ({@link #stepRecords()}),
 * the last step is the member's answer ({@link #record()}), handed to the round as a single call's is.
 *
 * <p>Budget: the first step uses the round's reservation; every later step reserves its own worst case
 * from what the ask's limit leaves beyond its plan ({@link AskPort#takeHeadroom}) and in the spend ledger;
 * a step that does not fit is not started and the loop ends with what the member has (its last text, or a
 * failed record of kind {@code budget}). A cancel (grace, deadline, the caller) cancels the running model
 * call or interrupts the running tools.
 *
 * <p>Thread-safe: its state changes under the ask's lock (taken through the port); tools run off it.
 */
final class MemberToolLoop implements MemberCall {

    private final AskPort run;
    private final Member member;
    private final ResearchTools tools;
    private final ModelRequest first;
    private final BigDecimal firstReservation;
    private final BigDecimal firstCap;
    private final int round;
    private final String stepName;
    private final boolean callerTools;
    private final Consumer<CallRecord> onDone;

    private final AtomicReference<CallRecord> record = new AtomicReference<>();
    /** Guarded by the ask's lock from here on. */
    private final List<CallRecord> steps = new ArrayList<>();
    private final List<ChatMessage> conversation;
    private final List<Future<?>> toolTasks = new ArrayList<>();
    private final List<Disposable> toolTimers = new ArrayList<>();
    private volatile CallRunner current;
    private CallRecord lastHandled;
    private CallRecord pending;
    private ToolResult[] results;
    private int[] resultChars;
    private int resultsLeft;
    private int stepNo;
    private boolean cancelled;
    private volatile CallerRuns callerRuns;
    /** The thread's tool chain where the ask started, carried to the research threads (see {@link ToolDepth}). */
    private final List<Object> toolChain = ToolDepth.snapshot();

    /**
     * @param request     the member's request as the round built it (research tools are added here)
     * @param reservation the round's reservation for the member's first step
     * @param cap         the first step's spending limit, or null when unbounded
     */
    MemberToolLoop(AskPort run, Member member, ResearchTools tools, ModelRequest request, BigDecimal reservation,
                   BigDecimal cap, int round, String stepName, Consumer<CallRecord> onDone) {
        this.run = run;
        this.member = member;
        this.tools = tools;
        this.callerTools = !request.tools().isEmpty();
        List<ToolSpec> offered = new ArrayList<>(request.tools());
        for (ToolSpec t : tools.specs()) {
            if (offered.stream().noneMatch(o -> o.name().equals(t.name()))) {
                offered.add(t);
            }
        }
        this.first = request.toBuilder().tools(offered)
                .toolChoice(callerTools ? request.toolChoice() : ToolChoice.auto()).build();
        this.conversation = new ArrayList<>(request.messages());
        this.firstReservation = reservation;
        this.firstCap = cap;
        this.round = round;
        this.stepName = stepName;
        this.onDone = onDone;
    }

    @Override
    public String memberId() {
        return member.id();
    }

    @Override
    public ModelRef model() {
        return member.model().ref();
    }

    @Override
    public CallRecord record() {
        return record.get();
    }

    @Override
    public boolean isDone() {
        return record.get() != null;
    }

    @Override
    public List<CallRecord> stepRecords() {
        return List.copyOf(steps);
    }

    @Override
    public MemberToolLoop runOn(CallerRuns runs) {
        this.callerRuns = runs;
        return this;
    }

    @Override
    public void start() {
        run.locked(() -> {
            stepNo = 1;
            startStep(tools.maxSteps() == 1 ? lastStep(first) : first,
                    firstReservation, firstCap, callerRuns);
        });
    }

    /** The request of the loop's last allowed step: asked to answer unless the caller's tools are offered. */
    private ModelRequest lastStep(ModelRequest request) {
        return callerTools ? request : request.toBuilder().toolChoice(ToolChoice.none()).build();
    }

    /** Under the lock. */
    private void startStep(ModelRequest request, BigDecimal reservation, BigDecimal cap, CallerRuns runs) {
        Settings s = run.settings();
        CallRunner runner = new CallRunner(new CallRunner.Spec(member.id(), member.model(), CallRole.PANEL, request,
                member.retry() != null ? member.retry() : s.retry(), run.effective().timeout(member), s.panelStreaming(),
                reservation, round, stepName, cap, cap, run.deadlineNanos()),
                s.priceBook(), s.listeners(), s.limiter(), s.scheduler(), s.spendLedger(), null,
                r -> run.locked(() -> onStep(r)), run.notifier());
        current = runner;
        if (runs != null) {
            runner.runOn(runs);
        }
        runner.start();
    }

    /** A step's model call ended. Under the lock. */
    private void onStep(CallRecord r) {
        if (r == lastHandled) {
            return;
        }
        lastHandled = r;
        if (record.get() != null) {
            // The loop ended (cancelled) while this call was finishing: its usage is still the member's.
            steps.add(r);
            return;
        }
        List<ToolCall> research = r.toolCalls().stream().filter(c -> tools.has(c.name())).toList();
        boolean onlyResearch = !research.isEmpty() && research.size() == r.toolCalls().size();
        if (cancelled || run.isDone() || !r.isOk() || !onlyResearch || stepNo >= tools.maxSteps()) {
            end(r);
            return;
        }
        pending = r;
        results = new ToolResult[research.size()];
        resultChars = new int[research.size()];
        resultsLeft = research.size();
        for (int i = 0; i < research.size(); i++) {
            runTool(i, research.get(i));
        }
    }

    /** Starts one tool call on the research pool with its timeout timer. Under the lock. */
    private void runTool(int idx, ToolCall call) {
        ResearchToolExecutor executor = tools.executors().get(call.name());
        AtomicBoolean settled = new AtomicBoolean();
        Duration timeout = tools.toolTimeout();
        Future<?> task;
        try {
            task = tools.pool().submit(() -> {
                ToolResult result;
                int chars;
                try {
                    String out = ToolDepth.restore(toolChain, () -> executor.execute(call));
                    out = out == null ? "" : out;
                    chars = out.length();
                    result = ToolResult.of(call, bounded(out));
                } catch (Throwable e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    String msg = e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage()
                            : e.getClass().getSimpleName();
                    chars = msg.length();
                    result = ToolResult.error(call, bounded(msg));
                }
                if (settled.compareAndSet(false, true)) {
                    ToolResult done = result;
                    int n = chars;
                    run.locked(() -> onToolResult(idx, done, n));
                }
            });
        } catch (RejectedExecutionException full) {
            String msg = "the research pool is full; the tool was not run";
            settled.set(true);
            onToolResult(idx, ToolResult.error(call, msg), msg.length());
            return;
        }
        toolTasks.add(task);
        toolTimers.add(run.settings().scheduler().schedule(() -> {
            if (settled.compareAndSet(false, true)) {
                task.cancel(true);
                String msg = "the tool timed out after " + timeout.toMillis() + " ms";
                run.locked(() -> onToolResult(idx, ToolResult.error(call, msg), msg.length()));
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    /** A tool's result, cut to the result-size bound. */
    private String bounded(String text) {
        if (text.length() <= tools.maxResultChars()) {
            return text;
        }
        return text.substring(0, tools.maxResultChars()) + "\n[truncated: " + tools.maxResultChars() + " of "
                + text.length() + " characters]";
    }

    private static String excerpt(String text) {
        return text.length() <= ResearchTools.EXCERPT_CHARS ? text : text.substring(0, ResearchTools.EXCERPT_CHARS) + "…";
    }

    /** One tool call of the pending step ended. Under the lock. */
    private void onToolResult(int idx, ToolResult result, int chars) {
        if (record.get() != null || results == null || results[idx] != null) {
            return;
        }
        results[idx] = result;
        resultChars[idx] = chars;
        if (--resultsLeft > 0) {
            return;
        }
        CallRecord r = pending;
        List<ToolResult> all = List.of(results);
        List<ToolResult> excerpts = all.stream()
                .map(t -> new ToolResult(t.callId(), t.name(), excerpt(t.content()), t.error())).toList();
        CallRecord stepRecord = asStep(r, CallStep.RESEARCH.wireName()).withToolResults(excerpts);
        steps.add(stepRecord);
        if (!run.isDone()) {
            for (int i = 0; i < all.size(); i++) {
                run.emit(new FusionEvent.MemberToolCall(member.id(), r.toolCalls().get(i), resultChars[i],
                        all.get(i).error(), stepRecord));
            }
        }
        pending = null;
        results = null;
        toolTasks.clear();
        toolTimers.forEach(Disposable::dispose);
        toolTimers.clear();
        if (run.isDone() || cancelled) {
            return;
        }
        conversation.add(ChatMessage.assistant(r.text(), r.toolCalls()));
        conversation.add(ChatMessage.toolResults(all));
        stepNo++;
        ModelRequest next = first.toBuilder().messages(List.copyOf(conversation)).build();
        if (stepNo >= tools.maxSteps()) {
            next = lastStep(next);
        }
        nextStep(next, r);
    }

    /** Starts the next step if its worst case fits, else ends the loop with what the member has. Under the lock. */
    private void nextStep(ModelRequest next, CallRecord last) {
        if (!run.bounded()) {
            startStep(next, BigDecimal.ZERO, null, null);
            return;
        }
        Settings s = run.settings();
        ModelRef ref = model();
        StringBuilder text = new StringBuilder();
        if (next.system() != null) {
            text.append(next.system()).append('\n');
        }
        for (ChatMessage m : next.messages()) {
            text.append(m.content()).append('\n');
            m.toolResults().forEach(t -> text.append(t.content()).append('\n'));
            if (m.toolCalls() != null) {
                m.toolCalls().forEach(c -> text.append(c.name()).append(c.argumentsJson()).append('\n'));
            }
        }
        next.tools().forEach(t -> text.append(t.name()).append(t.description()).append(t.parameters()).append('\n'));
        long prompt = s.estimator().estimate(ref, text.toString());
        BigDecimal worst = BudgetPlan.worstCase(s.priceBook(), ref, (long) Math.ceil(prompt * 1.1) + 16,
                next.maxOutputTokens());
        if (!run.takeHeadroom(worst)) {
            endForBudget(last, worst);
            return;
        }
        ModelRequest request = next;
        s.spendLedger().reserveAsync(worst).subscribe(ok -> run.locked(() -> {
            if (!Boolean.TRUE.equals(ok)) {
                run.returnHeadroom(worst);
                if (record.get() == null && !run.isDone()) {
                    endForBudget(last, worst);
                }
            } else if (record.get() != null || run.isDone() || cancelled) {
                s.spendLedger().settle(worst, BigDecimal.ZERO);
                run.returnHeadroom(worst);
            } else {
                startStep(request, worst, worst, null);
            }
        }), e -> run.locked(() -> {
            run.returnHeadroom(worst);
            if (record.get() == null && !run.isDone()) {
                endForBudget(last, worst);
            }
        }));
    }

    private void endForBudget(CallRecord last, BigDecimal worst) {
        String why = member.id() + "'s research loop ended after " + stepNo + " of at most " + tools.maxSteps()
                + " steps: the next step's worst case ($" + worst.toPlainString() + ") does not fit the budget";
        run.note(why);
        String text = last.text();
        if (text != null && !text.isBlank()) {
            end(synthetic(CallStatus.OK, text, null));
        } else {
            end(synthetic(CallStatus.FAILED, null, CallError.of("budget", why)));
        }
    }

    /** A record that made no call of its own (the loop ended between steps): no usage, no cost. */
    private CallRecord synthetic(CallStatus status, String text, CallError error) {
        Cost cost = run.settings().priceBook().find(model()).isPresent() ? Cost.of(BigDecimal.ZERO, null) : Cost.unpriced();
        return new CallRecord(member.id(), model(), CallRole.PANEL, status, text, Usage.ZERO, cost, null,
                Duration.ZERO, null, Duration.ZERO, 0, Duration.ZERO, null, error, round, stepName);
    }

    private static CallRecord asStep(CallRecord r, String step) {
        return new CallRecord(r.memberId(), r.model(), r.role(), r.status(), r.text(), r.usage(), r.cost(),
                r.startedAt(), r.latency(), r.timeToFirstToken(), r.queued(), r.attempts(), r.retryDelay(),
                r.finishReason(), r.error(), r.round(), step, r.usageQuality(), r.costFlags(), r.toolCalls(),
                r.toolResults());
    }

    /** The loop's final record: handed to the round once. Under the lock. */
    private void end(CallRecord last) {
        if (!record.compareAndSet(null, last)) {
            return;
        }
        if (pending != null) {
            // Ended while its tools ran: the step that called them was billed, so it stays a record.
            List<ToolResult> done = new ArrayList<>();
            for (ToolResult t : results) {
                if (t != null) {
                    done.add(new ToolResult(t.callId(), t.name(), excerpt(t.content()), t.error()));
                }
            }
            steps.add(asStep(pending, CallStep.RESEARCH.wireName()).withToolResults(done));
            pending = null;
            results = null;
        }
        stopTools();
        onDone.accept(last);
    }

    private void stopTools() {
        for (Future<?> f : toolTasks) {
            f.cancel(true);
        }
        toolTasks.clear();
        toolTimers.forEach(Disposable::dispose);
        toolTimers.clear();
    }

    /**
     * Ends the loop from outside: the running model call is cancelled (its record is the member's), or the
     * running tools are interrupted and the member's record says why. Under the lock.
     */
    @Override
    public boolean cancel(CallStatus status, String errorType, String message) {
        if (record.get() != null) {
            return false;
        }
        cancelled = true;
        CallRunner c = current;
        if (c != null && c.cancel(status, errorType, message)) {
            return true; // its record reached onStep (synchronously, the lock is reentrant) and ended the loop
        }
        if (c != null && c.isDone() && c.record() != lastHandled) {
            onStep(c.record()); // it ended but its callback waits for the lock: it is the member's answer
            return true;
        }
        end(synthetic(status, null, CallError.of(errorType, message)));
        return true;
    }
}
