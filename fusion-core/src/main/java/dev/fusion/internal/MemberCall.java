package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.model.ModelRef;

import java.util.List;

/**
 * What a panel round runs for one member: a single call ({@link CallRunner}) or a member's research loop
 * ({@link MemberToolLoop}), which ends in exactly one final record, delivered once, whichever way it ends.
 * Thread-safe.
 */
interface MemberCall {

    String memberId();

    ModelRef model();

    /** The final record, once the member's call (or loop) has ended; null before. */
    CallRecord record();

    boolean isDone();

    /** Has the first call started by the thread waiting in a blocking ask (call before {@link #start}). */
    MemberCall runOn(CallerRuns runs);

    /** Starts the call (or loop); the final record is delivered exactly once. */
    void start();

    /** Ends it from outside; false when it had already ended. */
    boolean cancel(CallStatus status, String errorType, String message);

    /** The records of the member's earlier steps (a research loop's tool-calling steps), in order; empty for one call. */
    default List<CallRecord> stepRecords() {
        return List.of();
    }
}
