package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.CallRecord;
import dev.fusion.structured.AnswerProblem;
import dev.fusion.structured.InvalidAnswerException;
import dev.fusion.structured.StructuredSchema;
import reactor.core.publisher.Mono;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Models' output read against a user's schema (members' answers, the judge's structured answer and
 * settlements, tool call arguments) where the ask's deadline can stop it: on a small pool of the
 * library's own threads ({@code fusion-validate-N}, daemon, at most as many as cores and no fewer than
 * two), never on an HTTP thread, the caller's thread or under the ask's lock. A user schema's
 * {@code pattern} can backtrack for minutes; cancelling the {@code Mono} of {@link #readAll} (the ask's
 * deadline does, through {@code timeout}, and so does cancelling the ask) interrupts the validating
 * thread, and the validator's regular expressions stop on an interrupt, so the thread is released.
 * Thread-safe.
 */
public final class AnswerChecks {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final AtomicInteger IN_PROGRESS = new AtomicInteger();
    private static final AtomicInteger STARTED = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = pool();

    private AnswerChecks() {
    }

    private static ThreadPoolExecutor pool() {
        int n = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor p = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "fusion-validate-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** One answer read: its JSON, or why it is invalid. */
    record Result(JsonNode json, InvalidAnswerException invalid) {
        /** The JSON, or the invalid answer's exception thrown. */
        JsonNode get() {
            if (invalid != null) {
                throw invalid;
            }
            return json;
        }
    }

    /**
     * Reads one answer against {@code schema}; whatever else goes wrong (an exception the parser or the
     * validator should not throw) makes it an invalid answer, never an error of the ask.
     */
    static Result read(StructuredSchema schema, String text) {
        try {
            return new Result(schema.readAnswer(text), null);
        } catch (InvalidAnswerException e) {
            return new Result(null, e);
        } catch (RuntimeException | StackOverflowError e) {
            return new Result(null, new InvalidAnswerException(AnswerProblem.NOT_JSON,
                    List.of("the answer could not be read (" + e.getClass().getSimpleName() + ")")));
        }
    }

    /**
     * Reads every record's text on the pool; the map (by record identity) once all are read. Cancelling
     * the subscription interrupts the reading thread.
     */
    static Mono<Map<CallRecord, Result>> readAll(StructuredSchema schema, List<CallRecord> records) {
        return onPool(() -> {
            Map<CallRecord, Result> out = new IdentityHashMap<>();
            for (CallRecord r : records) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException(); // cancelled: nobody waits for the rest
                }
                out.put(r, read(schema, r.text()));
            }
            return out;
        });
    }

    /** Reads one text against {@code schema} on the pool (a judge's reply); cancelling interrupts the thread. */
    static Mono<Result> readOne(StructuredSchema schema, String text) {
        return onPool(() -> read(schema, text));
    }

    /**
     * Any other check of a model's output against a user's schema (a tool call's arguments, a vote's merged
     * value) on the pool, its value once done; cancelling the subscription interrupts the checking thread.
     */
    static <T> Mono<T> onPool(Callable<T> check) {
        return Mono.create(sink -> {
            Future<?> f = POOL.submit(() -> {
                STARTED.incrementAndGet();
                IN_PROGRESS.incrementAndGet();
                T value = null;
                Throwable error = null;
                try {
                    value = check.call();
                } catch (InterruptedException e) {
                    return; // cancelled: nobody waits for it
                } catch (Throwable e) {
                    error = e;
                } finally {
                    // Counted down before the result goes on: the ask continues on this thread inside the sink.
                    IN_PROGRESS.decrementAndGet();
                }
                if (Thread.currentThread().isInterrupted()) {
                    return; // cancelled while checking (a stopped match): nobody waits for it
                }
                if (error != null) {
                    sink.error(error);
                } else {
                    sink.success(value);
                }
            });
            sink.onCancel(() -> f.cancel(true));
        });
    }

    /** How many checks started on the pool so far (for tests: which of an ask's checks runs now). */
    public static int started() {
        return STARTED.get();
    }

    /** How many validations run on the pool now (for tests: a stopped one must come back to zero). */
    public static int inProgress() {
        return IN_PROGRESS.get();
    }
}
