package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.FusionEvent;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What a panel round and the judge chain may ask of the ask they belong to, and nothing more: emit an
 * event, tell listeners a call finished, take a part of the ask's reservation, read what is left of the
 * deadline, and run code under the ask's lock. The way an OkHttp interceptor sees a {@code Chain}, never
 * the call's fields: {@link PanelRound} and {@link JudgeChain} are given this port, not the ask.
 *
 * <p>Thread-safe: {@link #locked} and {@link #stage} may be called from any thread; the other methods
 * are called with the ask's lock held (inside a {@code locked} body or a stage).
 */
interface AskPort {

    /** The ask's settings (panel, judges, prices, scheduler, listeners). */
    Settings settings();

    /** The ask's effective settings (member, then request, then Fusion default). */
    AskSettings effective();

    /** The thread waiting in a blocking ask, which runs one panel call per round and the judge calls; or null. */
    CallerRuns callerRuns();

    /** Whether the judge's final answer is streamed as deltas (a {@code stream()} ask). */
    boolean streamJudge();

    /** Whether a budget or spend cap bounds this ask (then every call has a spending limit). */
    boolean bounded();

    /** Whether the ask has ended (result, failure or cancel): nothing more is started or reported. */
    boolean isDone();

    /**
     * Queues an event for the subscriber; delivered in order once the lock is released. An ask that is
     * not a {@code stream()} ask ({@link #streamJudge()} false: its subscriber reads only the result)
     * keeps only {@link FusionEvent.Completed}.
     */
    void emit(FusionEvent event);

    /** Tells the listeners a call finished (queued like an event). */
    void notifyFinished(CallRecord record);

    /** Where a call runs its listener calls: in the ask's event order, never under its lock. */
    Executor notifier();

    /** Adds a note to the result. */
    void note(String note);

    /** Hands {@code amount} of the ask's unsettled reservation to a call, which settles it itself; null takes nothing. */
    BigDecimal takeReservation(BigDecimal amount);

    /**
     * Takes {@code amount} from what the ask's limit leaves beyond its reserved plan, for a call the plan did
     * not foresee (a member's research step); false when it does not fit. Always true when the ask is unbounded.
     */
    boolean takeHeadroom(BigDecimal amount);

    /** Gives back what {@link #takeHeadroom} took for a call that was not started. */
    void returnHeadroom(BigDecimal amount);

    /** What is left of the ask's deadline, on the scheduler's clock. */
    Duration timeLeft();

    /** The ask's deadline as an instant of the scheduler's clock, for a call's retry decisions. */
    long deadlineNanos();

    /** The ask's deadline in milliseconds, for messages. */
    long deadlineMillis();

    /**
     * Runs {@code body} under the ask's lock; an unexpected exception ends the ask with a typed failure
     * carrying every record. Events it queued are delivered after the lock is released.
     */
    void locked(Runnable body);

    /**
     * A stage: {@code body} runs under the ask's lock when subscribed, and the {@code Mono} it returns is
     * subscribed before the lock is released, so whatever that Mono starts is running before another
     * thread (the deadline, say) can look at the ask.
     */
    <T> Mono<T> stage(Supplier<Mono<T>> body);
}
