/**
 * Not API: the engine behind {@link dev.fusion.Fusion} (the ask's run, call runners, the spend
 * ledger, provider limits, the timer and the blocking caller's task loop). Any type here may change
 * or disappear in any release, even where it is {@code public} for the sibling packages; nothing in a
 * public signature names a type of this package.
 *
 * <h2>How to add a strategy</h2>
 * A strategy's behaviour and configuration live in one file of this package; the engine knows it only
 * through {@link dev.fusion.internal.StrategyDefinition} and talks to it only through
 * {@link dev.fusion.internal.StrategyContext}. To add strategy {@code xyz}:
 * <ol>
 *   <li>Public names (the value users configure): a constant {@code XYZ("xyz")} in
 *       {@link dev.fusion.judge.StrategyKind}, and a record {@code Strategy.Xyz} in the sealed
 *       {@link dev.fusion.judge.Strategy} (in its {@code permits} list, {@code kind()} returning {@code XYZ},
 *       {@code name()} returning {@code "xyz"}, its options as components, validated in its constructor)
 *       with a factory {@code Strategy.xyz(...)}; parse its configuration options in a {@code case XYZ} of
 *       {@code dev.fusion.judge.StrategyConfig} (helpers {@code allow}, {@code integer}, {@code decimal}; the
 *       messages say "strategy xyz ...", and the switch does not compile without the case) and document them
 *       on {@code Strategy.parse}.</li>
 *   <li>One new file {@code XyzFlow.java} here: {@code final class XyzFlow extends Flow} with
 *       <ul>
 *         <li>{@code static final StrategyDefinition<Strategy.Xyz> DEFINITION}: {@code flow} (a new {@code XyzFlow} for
 *             one ask), and, only when it needs them, {@code panel} (the panel it runs, e.g. self-moa's samples)
 *             and {@code flagships};</li>
 *         <li>what it asks of the panel: the budget hooks {@code panelRounds}, {@code memberInputTokens},
 *             {@code flagships}, {@code judgeCalls}, {@code judgeWorst}, {@code structuredRepairWorst} (the
 *             defaults are synthesize's: one round, one judge call) and {@code checkRequest} (a typed error
 *             before any call, e.g. vote's missing schema);</li>
 *         <li>what it does with the answers: {@code onPanelAnswers(plan, ok)}, using only its
 *             {@code StrategyContext} ({@code runRound}, {@code judge} with a {@link dev.fusion.internal.JudgeStep},
 *             {@code await}, {@code note}, ...) and the helpers of {@code Flow} ({@code synthesize},
 *             {@code completeFinal}). Each of these only chooses the flow's next
 *             {@link dev.fusion.internal.FlowStep}, which the ask's pipeline runs as a stage before calling the
 *             step's continuation; every call of the flow chooses exactly one step, and the flow ends with
 *             exactly one of {@code complete}, {@code fail} or {@code degrade};</li>
 *         <li>what it adds to the result: a {@link dev.fusion.internal.FlowOutcome} it builds from its own
 *             fields ({@code FlowOutcome.of(candidates)} with {@code withAnalysis}, {@code withRanking},
 *             {@code withCascade}, {@code withJson}), handed to {@code complete} or {@code degrade}.</li>
 *       </ul></li>
 *   <li>One registration line, {@code case XYZ -> XyzFlow.DEFINITION;}, in
 *       {@link dev.fusion.internal.StrategyRegistry}'s switch. Forgetting it does not compile (the switch is
 *       exhaustive over {@code StrategyKind}); registering the wrong definition fails when the registry loads
 *       ({@code StrategyRegistryTest}); {@code EveryStrategyTest} plans and runs an ask of every kind.</li>
 * </ol>
 * Nothing else changes: {@code Strategy.parse}, the config file, the CLI's {@code --strategy} and
 * {@code FusionResult.strategy()} find it by its name. Only a strategy that adds a new <em>kind</em> of
 * result (beyond an analysis, a ranking, a cascade path, a structured answer and agreement) also touches
 * {@code FlowOutcome}, {@code FusionResult} and the result assembly ({@code AskRun.assemble}).
 *
 * <h2>THREADING</h2>
 * Fusion owns no thread that waits for a model: an ask is a chain of Reactor signals that hop between
 * the threads below. Each is listed with what runs on it and what must never run on it. "Blocking"
 * means waiting for I/O, a lock held by someone else's I/O, a {@code block()}, a blocking
 * {@code Fusion.ask}, or a sleep.
 *
 * <dl>
 *   <dt>The timer thread ({@link dev.fusion.internal.FusionTimer}, one daemon thread named
 *       {@code fusion-timer}, shared by every {@code Fusion} that keeps the default scheduler)</dt>
 *   <dd>Runs only the timer's own loop: it waits for the earliest armed timer (call timeouts, grace,
 *       deadline, retry backoff, rate-limit waits) and hands each due task to the task executor. No
 *       Fusion or user code runs on it, and nothing may block it: every timeout of every ask depends
 *       on it. It is woken only when a timer earlier than its planned wake-up is armed; time comes from
 *       a {@code Ticker} (the system clock; a fake one in tests). The engine reads the time left of
 *       an ask's deadline and of a call's timeout from the same clock ({@code Scheduler.now}).</dd>
 *
 *   <dt>The timer's task executor (virtual threads on Java 21+; on Java 17-20 up to 16 daemon
 *       platform threads {@code fusion-timer-task-N}, idle ones ending after 60 s)</dt>
 *   <dd>Runs every due or immediate task of the scheduler: timeouts firing (which cancel the HTTP call
 *       and record the call, and may complete the round or the whole ask), the grace period and the
 *       deadline ending an ask, a retry after its backoff, a provider permit handed to a waiting call,
 *       a Reactor worker's tasks one at a time in order. So listeners and stream consumers may be
 *       called here. The 16 platform threads are Reactor {@code NonBlocking}: a blocking
 *       {@code Fusion.ask()} or {@code block()} is refused there (use {@code askAsync}), because 16
 *       blocked threads would stall every timer of the process. Virtual task threads may block: each
 *       task has a thread of its own.</dd>
 *
 *   <dt>HTTP threads ({@code fusion-providers}: {@code HttpClients}' OkHttp dispatcher; on Java 21+
 *       {@code HybridExecutor}: platform threads for the first 64 concurrent calls, a virtual thread
 *       each beyond; on Java 17 a platform pool of up to 512 calls at once, more wait in OkHttp's
 *       queue)</dt>
 *   <dd>Each in-flight call and each open stream blocks one of them on its socket for its whole life.
 *       The model's signals are emitted here: a streamed delta, the answer or the error, so the call's
 *       record, the round's completion, the start of the judge (unless the blocking caller runs it),
 *       listeners and stream consumers run here too. They must stay short: a slow consumer holds the
 *       thread, and with it the socket read of a streaming call.</dd>
 *
 *   <dt>The caller of a blocking {@code Fusion.ask(...)} ({@link dev.fusion.internal.CallerRuns})</dt>
 *   <dd>Does not just park: it runs the tasks the ask hands it (starting one panel call and every
 *       judge call), and an HTTP model may run that request right there ({@code Call.execute()}, see
 *       {@link dev.fusion.model.ChatModel#MAY_BLOCK_KEY}); so this thread blocks on a socket, and the
 *       model's signals, records, listeners and events of that call run on it. It must not be a
 *       Reactor non-blocking thread (refused). An interrupt cancels the ask; while the caller is
 *       inside a call it takes effect when that call ends. Tasks handed over after the ask ended run
 *       on the scheduler instead. {@code Fusion.ask(request, onEvent)} does not use it: it blocks
 *       plainly and {@code onEvent} runs on the threads above.</dd>
 *
 *   <dt>Reactor operators and the subscriber's threads</dt>
 *   <dd>Fusion adds no {@code publishOn}/{@code subscribeOn}: an {@code askAsync}/{@code stream}
 *       subscription starts the ask on the subscribing thread (budget planning, starting the panel
 *       calls, which an HTTP model hands to its threads at once), and every later signal arrives on
 *       whichever thread above produced it. Operators a user appends run there as well; blocking
 *       work belongs on the user's own scheduler ({@code publishOn(Schedulers.boundedElastic())}).
 *       Other modules may add their own threads: {@code fusion-embeddings} embeds on Reactor's
 *       {@code boundedElastic}.</dd>
 * </dl>
 *
 * <h3>Rules</h3>
 * <ul>
 *   <li>Nothing blocks the timer thread, and no Fusion or user code runs on it.</li>
 *   <li>An ask's state changes under that ask's lock; events, listener calls and stream signals are
 *       delivered after the lock is released, serially per ask, in the order {@link dev.fusion.FusionEvent}
 *       documents, so a slow or re-entrant consumer (one that calls back into Fusion) cannot hold up
 *       or deadlock the ask. An ask with user code to deliver to (a {@code stream()} subscriber, or
 *       listeners) delivers on a {@code fusion-events-N} daemon thread, one at a time per ask, never on
 *       the thread that completed a call: a consumer that blocks delays only its own later events, not
 *       the next member or the judge (a Reactor worker may be the only thread that can complete them).</li>
 *   <li>User callbacks (listeners, {@code onEvent}, stream consumers, a {@code ChatModel}'s
 *       subscribe) may run on any of the threads above and must not block, except a model that the
 *       request's context allows to block its thread.</li>
 *   <li>Cancellation (grace, deadline, the subscriber cancelling, an interrupted caller) may come from
 *       any thread at any time; a call's cancel and its start on the blocking caller always see each
 *       other (tested by {@code CallRunnerCancelRaceStressTest}), and a scheduled task runs at most
 *       once ({@code FusionTimerRunOnceStressTest}).</li>
 * </ul>
 */
package dev.fusion.internal;
