package dev.fusion.sandbox;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Decides the {@link Reply} for each request to a model. Called on a server thread for every
 * request, possibly concurrently: implementations must be thread-safe and must not block.
 * The factories below cover the common cases; any lambda works too.
 */
@FunctionalInterface
public interface Script {

    /** The reply for this request. Never null. */
    Reply reply(WireRequest request);

    /** Always the same reply. */
    static Script always(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        return request -> reply;
    }

    /** An immediate answer computed from the request (for example from {@link WireRequest#lastUserText()}). */
    static Script answer(Function<WireRequest, String> text) {
        Objects.requireNonNull(text, "text");
        return request -> Reply.text(text.apply(request));
    }

    /** Echoes the last user message, immediately: {@code "echo: <text>"}. */
    static Script echo() {
        return answer(r -> "echo: " + r.lastUserText());
    }

    /** A fault on every request. */
    static Script failing(Fault fault) {
        return always(Reply.fault(fault));
    }

    /**
     * The n-th call of this script gets the n-th reply; once they are used up the last one repeats.
     * Counts calls of this script instance (not per model), in arrival order.
     */
    static Script sequence(Reply... replies) {
        List<Reply> list = List.of(replies);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("a sequence needs at least one reply");
        }
        AtomicLong calls = new AtomicLong();
        return request -> {
            long n = calls.getAndIncrement();
            return list.get((int) Math.min(n, list.size() - 1));
        };
    }

    /**
     * The first {@code times} calls of this script fail with {@code fault}; later calls get
     * {@code then}'s reply. Counts calls of this script instance, in arrival order.
     */
    static Script failTimes(int times, Fault fault, Script then) {
        if (times < 0) {
            throw new IllegalArgumentException("times cannot be negative: " + times);
        }
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(then, "then");
        AtomicLong calls = new AtomicLong();
        Reply failure = Reply.fault(fault);
        return request -> calls.getAndIncrement() < times ? failure : then.reply(request);
    }

    /** This script with the given first-byte latency added to every reply that has none. */
    default Script withLatency(java.time.Duration firstByte) {
        Objects.requireNonNull(firstByte, "firstByte");
        return request -> {
            Reply r = reply(request);
            return r.firstByteDelay().isZero() ? r.firstByteDelay(firstByte) : r;
        };
    }
}
