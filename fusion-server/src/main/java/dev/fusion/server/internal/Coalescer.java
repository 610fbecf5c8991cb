package dev.fusion.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.EventExecutor;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames of one stream as buffers for the connection, coalesced without delay: the frames of each item of the
 * source are appended to one pending text, and ONE task on the connection's event loop takes everything pending, encodes it
 * into one buffer and emits it (the caller writes and flushes each buffer). A frame that arrives while that task is
 * pending joins it; a frame that arrives alone is emitted at once (there is no timer). Frames keep their order:
 * text is only ever appended, and taken whole.
 *
 * <p>Memory: the pending text holds what the client has not yet asked for (its demand comes from the connection's
 * writability), bounded by what one ask can produce, as the engine's own event buffer is. Nothing is allocated from
 * {@code alloc} until a buffer is emitted, so a cancelled stream leaves nothing to release.
 *
 * <p>One subscriber. The source's signals may come on any thread; the subscriber's signals come on the event loop.
 */
final class Coalescer<T> implements Publisher<ByteBuf> {

    /**
     * What the stream shows of each item and of its end, called on the thread that delivers the source's signals
     * (one at a time). Folded in here rather than as operators before it: each operator costs its assembly and
     * subscription per request and a call per event.
     */
    interface Frames<T> {
        /** The frames of one item; null when it shows nothing. Throwing ends the stream with {@link #error}'s frames. */
        String next(T item);

        /** The frames after the last item; null for none. Throwing ends the stream with {@link #error}'s frames. */
        String complete();

        /** The frames that end a failed stream (the source failed, or {@link #next} or {@link #complete} threw). */
        String error(Throwable e);

        /** The client went away before the stream ended (called on the thread that cancels). */
        void cancelled();

        /** Once, after the stream ended or was cancelled. */
        void finished();
    }

    private final Publisher<T> source;
    private final Frames<T> frames;
    private final String first;
    private final EventExecutor loop;
    private final ByteBufAllocator alloc;

    /**
     * @param first text pending before any frame of the source (the stream's opening frames), or empty
     */
    Coalescer(String first, Publisher<T> source, Frames<T> frames, EventExecutor loop, ByteBufAllocator alloc) {
        this.first = first;
        this.source = source;
        this.frames = frames;
        this.loop = loop;
        this.alloc = alloc;
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuf> actual) {
        Drain d = new Drain(actual, first);
        // the drain is held (wip = 1) until the source is subscribed, so the frames the source emits while it
        // starts (the panel's "started" comments) leave in the same buffer as the opening frames
        actual.onSubscribe(d);
        source.subscribe(d);
        d.release();
    }

    private final class Drain extends AtomicInteger implements Subscription, CoreSubscriber<T>, Runnable {

        private final Subscriber<? super ByteBuf> actual;
        private final StringBuilder pending = new StringBuilder(512); // guarded by itself
        private final AtomicLong demand = new AtomicLong();
        private volatile Subscription upstream;
        private volatile boolean done;
        private volatile boolean cancelled;
        private boolean stopped; // the source's thread only: an end was handled, later signals are ignored
        private final java.util.concurrent.atomic.AtomicBoolean terminated = new java.util.concurrent.atomic.AtomicBoolean();
        private boolean finished; // event loop only

        Drain(Subscriber<? super ByteBuf> actual, String first) {
            this.actual = actual;
            this.pending.append(first);
            set(1);
        }

        // ------------------------------------------------------------ from the source (any thread)

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                if (cancelled) {
                    s.cancel();
                } else {
                    // the engine buffers its events unbounded already; demand towards the connection is kept below
                    s.request(Long.MAX_VALUE);
                }
            }
        }

        @Override
        public void onNext(T item) {
            if (stopped) {
                return;
            }
            String out;
            try {
                out = frames.next(item);
            } catch (RuntimeException e) {
                upstream.cancel();
                end(e);
                return;
            }
            if (out != null) {
                append(out);
                schedule();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!stopped) {
                end(t);
            }
        }

        @Override
        public void onComplete() {
            if (stopped) {
                return;
            }
            String out;
            try {
                out = frames.complete();
            } catch (RuntimeException e) {
                end(e);
                return;
            }
            stopped = true;
            if (out != null) {
                append(out);
            }
            finish();
        }

        /** The stream ends with the failure's frames. */
        private void end(Throwable e) {
            stopped = true;
            String out;
            try {
                out = frames.error(e);
            } catch (RuntimeException again) {
                out = null;
            }
            if (out != null) {
                append(out);
            }
            finish();
        }

        private void finish() {
            done = true; // after the last append: the drain completes once it has taken all pending text
            if (terminated.compareAndSet(false, true)) {
                frames.finished();
            }
            schedule();
        }

        private void append(String out) {
            synchronized (pending) {
                if (!cancelled) {
                    pending.append(out);
                }
            }
        }

        // ------------------------------------------------------------ from the connection

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
                schedule();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            synchronized (pending) {
                pending.setLength(0);
            }
            if (terminated.compareAndSet(false, true)) {
                try {
                    frames.cancelled();
                } finally {
                    frames.finished();
                }
            }
        }

        // ------------------------------------------------------------ the drain

        /** Runs the drain held since construction (wip is still at least 1). */
        void release() {
            submit();
        }

        private void schedule() {
            if (getAndIncrement() == 0) {
                submit();
            }
        }

        private void submit() {
            if (loop.inEventLoop()) {
                run();
            } else {
                loop.execute(this);
            }
        }

        /** On the event loop, with wip > 0: emits everything pending as one buffer, then the end when done. */
        @Override
        public void run() {
            int missed = get();
            for (;;) {
                if (cancelled || finished) {
                    synchronized (pending) {
                        pending.setLength(0);
                    }
                } else {
                    boolean ended = done; // read before taking the text: nothing is appended after done
                    ByteBuf buf = null;
                    if (demand.get() > 0) {
                        synchronized (pending) {
                            if (pending.length() > 0) {
                                buf = ByteBufUtil.writeUtf8(alloc, pending);
                                pending.setLength(0);
                            }
                        }
                    }
                    if (buf != null) {
                        demand.decrementAndGet();
                        actual.onNext(buf);
                    }
                    boolean empty;
                    synchronized (pending) {
                        empty = pending.length() == 0;
                    }
                    if (ended && empty && !cancelled && !finished) {
                        finished = true;
                        actual.onComplete();
                    }
                }
                missed = addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }
    }
}
