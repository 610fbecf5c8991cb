package dev.fusion.internal;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fusion's default {@link Scheduler}: the timers of every ask (call timeouts, grace, deadline,
 * retry backoff, rate-limit waits) on one daemon thread that is only woken when a timer is due.
 *
 * <h2>Why not {@code Schedulers.parallel()}</h2>
 * Every call arms a timeout that is almost always cancelled long before it fires. Reactor's parallel
 * scheduler sits on {@code ScheduledThreadPoolExecutor}s that remove cancelled timers and wake their
 * thread whenever a new timer becomes the earliest, which in a steady flow of short calls is nearly
 * every time: about one thread wake-up per call, which cost more CPU than anything Fusion's own code
 * does per call (fusion-benchmarks/RESULTS.md, "Perf pass 2").
 * This timer never wakes its thread for a timer that is due after the moment the thread already
 * plans to wake; a cancelled timer is removed without a wake-up either. In a steady flow of calls
 * with timeouts of seconds the thread wakes about once per timeout period instead of per call.
 *
 * <h2>Where tasks run</h2>
 * Due and immediate tasks run on a task executor, never on the timer thread, so a slow task (a
 * listener, a subscriber of an async ask) cannot delay other timers: virtual threads on Java 21+,
 * else up to {@value #PLATFORM_TASK_THREADS} daemon threads (more due tasks queue). Tasks never run early; they may run late by the time it
 * takes to wake a thread. Tasks of one {@link #createWorker() worker} run one at a time, in order.
 *
 * <p>Thread-safe. {@link #dispose()} is a no-op: the shared instance lives as long as the JVM.
 */
public final class FusionTimer implements Scheduler {

    private static final Logger log = LoggerFactory.getLogger(FusionTimer.class);
    private static final FusionTimer SHARED = new FusionTimer("fusion-timer");

    /** The process-wide timer used by default by every {@code Fusion}. */
    public static FusionTimer shared() {
        return SHARED;
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Pending timers by due time, then arming order. Guarded by {@link #lock}. */
    private final TreeSet<Entry> pending = new TreeSet<>();
    /** Whether the timer thread is parked or about to park. Guarded by {@link #lock}. */
    private boolean sleeping;
    /** When the parked timer thread wakes on its own; meaningless unless {@link #sleeping} or {@link #sleepingForever}. */
    private long wakeAt;
    private boolean sleepingForever;
    private final AtomicLong sequence = new AtomicLong();
    private final Ticker ticker;
    private final long originTicks;
    private final long originEpochNanos;
    private final Executor tasks;
    private final Thread thread;

    FusionTimer(String name) {
        this(name, Ticker.SYSTEM);
    }

    /** A timer on {@code ticker}'s time (tests pass a fake), running tasks on the default task executor. */
    FusionTimer(String name, Ticker ticker) {
        this(name, ticker, taskExecutor(name));
    }

    /** A timer on {@code ticker}'s time running due tasks on {@code tasks}. */
    FusionTimer(String name, Ticker ticker, Executor tasks) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.originTicks = ticker.nanoTime();
        this.originEpochNanos = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Disposable schedule(Runnable task) {
        Objects.requireNonNull(task, "task");
        OneShot t = new OneShot(task);
        tasks.execute(t);
        return t;
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(task, "task");
        if (delay <= 0) {
            return schedule(task);
        }
        return arm(task, unit.toNanos(delay), tasks);
    }

    /**
     * This timer's clock, the one its timers run on: the wall-clock time when the timer was created,
     * advanced by its monotonic ticker since. So differences measure elapsed time exactly as the
     * timers see it (in virtual time with a fake ticker), and values still read as epoch time.
     * Use {@code now(TimeUnit.NANOSECONDS)} differences to measure how long something took.
     */
    @Override
    public long now(TimeUnit unit) {
        return unit.convert(originEpochNanos + (ticker.nanoTime() - originTicks), TimeUnit.NANOSECONDS);
    }

    @Override
    public Worker createWorker() {
        return new SerialWorker();
    }

    /** The timer thread (for tests, which watch it park on their fake {@link Ticker}). */
    Thread thread() {
        return thread;
    }

    /** The number of armed timers that have neither fired nor been cancelled (for tests). */
    int pendingCount() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    private Entry arm(Runnable task, long delayNanos, Executor runOn) {
        Entry e = new Entry(task, ticker.nanoTime() + delayNanos, sequence.getAndIncrement(), runOn);
        boolean wake;
        lock.lock();
        try {
            pending.add(e);
            // Wake the thread only when it would otherwise sleep past this timer.
            wake = sleeping && (sleepingForever || e.due - wakeAt < 0);
            if (wake) {
                sleeping = false;
            }
        } finally {
            lock.unlock();
        }
        if (wake) {
            ticker.unpark(thread);
        }
        return e;
    }

    private void disarm(Entry e) {
        lock.lock();
        try {
            pending.remove(e);
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            Entry due = null;
            boolean forever = false;
            long until = 0;
            lock.lock();
            try {
                sleeping = false;
                long now = ticker.nanoTime();
                Entry first = pending.isEmpty() ? null : pending.first();
                if (first != null && first.due - now <= 0) {
                    pending.pollFirst();
                    due = first;
                } else {
                    sleeping = true;
                    sleepingForever = first == null;
                    forever = first == null;
                    if (first != null) {
                        wakeAt = first.due;
                        until = first.due;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (due != null) {
                try {
                    due.fire();
                } catch (Throwable t) {
                    // Never let the timer thread die: every timeout, grace and deadline depends on it.
                    log.error("a due timer could not be handed to its executor", t);
                }
            } else {
                if (forever) {
                    ticker.park(this);
                } else {
                    ticker.parkUntil(this, until);
                }
            }
        }
    }

    private static void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("a scheduled task threw; the timer goes on", t);
        }
    }

    /** A task that runs at most once; disposing it before it runs skips it and frees what it holds. */
    private static class OneShot implements Runnable, Disposable {
        private final java.util.concurrent.atomic.AtomicReference<Runnable> task;

        OneShot(Runnable task) {
            this.task = new java.util.concurrent.atomic.AtomicReference<>(task);
        }

        @Override
        public void run() {
            Runnable t = task.getAndSet(null);
            if (t != null) {
                runGuarded(t);
            }
        }

        /** Takes the task away; true when it had neither run nor been disposed. */
        final boolean clear() {
            return task.getAndSet(null) != null;
        }

        @Override
        public void dispose() {
            clear();
        }

        @Override
        public boolean isDisposed() {
            return task.get() == null;
        }
    }

    /** One armed timer. */
    private final class Entry extends OneShot implements Comparable<Entry> {
        final long due;
        final long seq;
        final Executor runOn;

        Entry(Runnable task, long due, long seq, Executor runOn) {
            super(task);
            this.due = due;
            this.seq = seq;
            this.runOn = runOn;
        }

        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(due - o.due, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        void fire() {
            if (isDisposed()) {
                return;
            }
            try {
                runOn.execute(this);
            } catch (RejectedExecutionException e) {
                log.error("a due timer could not be run", e);
            }
        }

        @Override
        public void dispose() {
            if (clear()) {
                disarm(this);
            }
        }
    }

    /**
     * A Reactor worker: its tasks run one at a time, in the order they become due, on the task
     * executor; disposing it cancels everything it has not run yet.
     */
    private final class SerialWorker implements Worker, Executor {
        private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger wip = new AtomicInteger();
        private final Set<Disposable> armed = ConcurrentHashMap.newKeySet();
        private volatile boolean disposed;

        @Override
        public Disposable schedule(Runnable task) {
            Objects.requireNonNull(task, "task");
            if (disposed) {
                throw new RejectedExecutionException("worker disposed");
            }
            OneShot t = new OneShot(task);
            execute(t);
            return t;
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            Objects.requireNonNull(task, "task");
            if (delay <= 0) {
                return schedule(task);
            }
            if (disposed) {
                throw new RejectedExecutionException("worker disposed");
            }
            java.util.concurrent.atomic.AtomicReference<Entry> self = new java.util.concurrent.atomic.AtomicReference<>();
            Entry e = arm(() -> {
                Entry mine = self.get();
                if (mine != null) {
                    armed.remove(mine);
                }
                task.run();
            }, unit.toNanos(delay), this);
            self.set(e);
            armed.add(e);
            if (e.isDisposed()) {
                armed.remove(e); // fired (or cancelled) before it was tracked
            }
            if (disposed) {
                e.dispose();
            }
            return e;
        }

        /** Runs a task after the ones queued before it, never two at once. */
        @Override
        public void execute(Runnable task) {
            if (disposed) {
                return;
            }
            queue.add(task);
            if (wip.getAndIncrement() == 0) {
                tasks.execute(this::drain);
            }
        }

        private void drain() {
            do {
                Runnable t = queue.poll();
                if (t != null && !disposed) {
                    runGuarded(t);
                }
            } while (wip.decrementAndGet() != 0);
        }

        @Override
        public void dispose() {
            disposed = true;
            queue.clear();
            for (Disposable d : armed) {
                d.dispose();
            }
            armed.clear();
        }

        @Override
        public boolean isDisposed() {
            return disposed;
        }
    }

    // ------------------------------------------------------------------ task executor

    private static final MethodHandle NEW_VIRTUAL_EXECUTOR = findVirtualExecutorFactory();
    /** Task threads on Java 17-20 (idle ones end after 60 s); more due tasks queue. */
    static final int PLATFORM_TASK_THREADS = 16;

    static Executor taskExecutor(String name) {
        if (NEW_VIRTUAL_EXECUTOR != null) {
            try {
                return (Executor) NEW_VIRTUAL_EXECUTOR.invoke();
            } catch (Throwable t) {
                // fall through to platform threads
            }
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(PLATFORM_TASK_THREADS, PLATFORM_TASK_THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new TaskThread(r, name + "-task-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * A platform task thread, marked as Reactor non-blocking as {@code Schedulers.parallel()}'s are:
     * with only {@value #PLATFORM_TASK_THREADS} of them, a blocking {@code ask()} or {@code block()}
     * from a listener or subscriber running here could hold them all and stall every timer, so it is
     * refused (use the async API there). Virtual task threads on 21+ may block.
     */
    private static final class TaskThread extends Thread implements reactor.core.scheduler.NonBlocking {
        TaskThread(Runnable r, String name) {
            super(r, name);
        }
    }

    private static MethodHandle findVirtualExecutorFactory() {
        try {
            return MethodHandles.publicLookup().findStatic(java.util.concurrent.Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(java.util.concurrent.ExecutorService.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17-20
        }
    }

    @Override
    public String toString() {
        return "FusionTimer[" + thread.getName() + "]";
    }
}
