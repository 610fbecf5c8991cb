package dev.fusion.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * The thread that called a blocking {@code Fusion.ask}, put to work while it waits: instead of
 * parking until the result is ready, it runs the tasks an ask hands it (starting one panel call
 * and each judge call), and an HTTP model subscribed on it may run its request right there
 * (see {@link dev.fusion.model.ChatModel#MAY_BLOCK_KEY}). A call that would otherwise be handed to an
 * HTTP thread, and a result that would otherwise wake the caller, each cost a thread wake-up; this
 * saves two per ask (fusion-benchmarks/RESULTS.md).
 *
 * <p>Tasks handed over after the ask has ended run on {@code fallback}. One instance per blocking
 * ask; {@link #execute} is thread-safe, {@link #await} is called once, by the owner.
 */
public final class CallerRuns implements Executor {

    private static final Logger log = LoggerFactory.getLogger(CallerRuns.class);

    /** The Reactor Context key under which an ask finds its caller's {@code CallerRuns}. */
    public static final String CONTEXT_KEY = "dev.fusion.internal.CallerRuns";

    private final Thread owner = Thread.currentThread();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Executor fallback;
    private final Ticker ticker;
    private volatile boolean closed;

    /** Binds to the calling thread. */
    public CallerRuns(Executor fallback) {
        this(fallback, Ticker.SYSTEM);
    }

    /** Binds to the calling thread, which waits by parking on {@code ticker} (tests pass a fake). */
    CallerRuns(Executor fallback, Ticker ticker) {
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** The thread that runs the tasks. */
    public Thread owner() {
        return owner;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            fallback.execute(task);
            return;
        }
        tasks.add(task);
        if (closed && tasks.remove(task)) {
            fallback.execute(task); // closed while adding: the owner no longer drains
            return;
        }
        ticker.unpark(owner);
    }

    /**
     * Subscribes to {@code source} with this executor in its context and runs handed-over tasks on
     * the calling thread until the source ends: a replacement for {@code source.block()}.
     *
     * @throws IllegalStateException when called by another thread than the owner, or on a Reactor
     *                               non-blocking thread (as {@code block()} does)
     */
    public <T> T await(Mono<T> source) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("await must be called by the thread that created this CallerRuns");
        }
        if (Schedulers.isInNonBlockingThread()) {
            throw new IllegalStateException("blocking ask() is not supported on thread " + owner.getName()
                    + ", a Reactor non-blocking thread; use askAsync() there");
        }
        Outcome<T> outcome = new Outcome<>(owner, this, ticker);
        source.subscribe(outcome);
        try {
            while (!outcome.done) {
                Runnable task = tasks.poll();
                if (task != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // As an executor thread would: the task's failure is its own; the ask goes on.
                        log.warn("a task run by the waiting caller threw: {}", e.toString());
                    }
                    continue;
                }
                ticker.park(this);
                if (Thread.interrupted()) {
                    outcome.dispose();
                    Thread.currentThread().interrupt();
                    throw Exceptions.propagate(new InterruptedException("interrupted while waiting for the ask"));
                }
            }
        } finally {
            if (!outcome.done) {
                outcome.dispose(); // leaving early (interrupt, fatal error): cancel the ask, do not orphan it
            }
            closed = true;
            for (Runnable left = tasks.poll(); left != null; left = tasks.poll()) {
                fallback.execute(left);
            }
        }
        if (outcome.error != null) {
            throw Exceptions.propagate(outcome.error);
        }
        return outcome.value;
    }

    /** The single result of the awaited Mono; wakes the owner when it is in. */
    private static final class Outcome<T> extends BaseSubscriber<T> {
        private final Thread owner;
        private final Ticker ticker;
        private final Context context;
        volatile boolean done;
        T value;
        Throwable error;

        Outcome(Thread owner, CallerRuns runs, Ticker ticker) {
            this.owner = owner;
            this.ticker = ticker;
            this.context = Context.of(CONTEXT_KEY, runs);
        }

        @Override
        public Context currentContext() {
            return context;
        }

        @Override
        protected void hookOnNext(T v) {
            value = v;
        }

        @Override
        protected void hookOnError(Throwable t) {
            error = t;
        }

        @Override
        protected void hookFinally(reactor.core.publisher.SignalType type) {
            done = true;
            ticker.unpark(owner);
        }
    }
}
