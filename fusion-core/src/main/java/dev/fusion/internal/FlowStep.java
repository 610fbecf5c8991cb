package dev.fusion.internal;

import dev.fusion.CallRecord;
import dev.fusion.CallStep;
import dev.fusion.Member;
import dev.fusion.model.ModelRequest;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a strategy's {@link Flow} wants done next, as a value: the engine's pipeline runs it as a stage
 * (a panel round, a judge step through the judge chain, an asynchronous wait) and hands the result to the
 * step's continuation, which chooses the following step; {@link Done} and {@link Failed} end the flow.
 * A flow never starts a call itself, the way an OkHttp interceptor asks its {@code Chain} to proceed.
 * Immutable (the arrays in {@link Round} are not changed after the step is chosen).
 */
sealed interface FlowStep {

    /**
     * A panel round: every member with a reservation called at once, the quorum with straggler grace, the
     * deadline; {@code then} receives the successful records in member order, whether or not the quorum
     * was met.
     *
     * @param reservations per member; null = skipped, with its record in {@code preRecords}
     * @param preRecords   records of members that do not run (skipped), or null
     * @param quorum       answers after which the grace period starts (0 = wait for every member)
     */
    record Round(int number, CallStep step, List<Member> members, List<ModelRequest> requests,
                 BigDecimal[] reservations, CallRecord[] preRecords, int quorum,
                 Consumer<List<CallRecord>> then) implements FlowStep {
    }

    /** A judge step through the judge chain: its {@code onOk} or {@code onAllFailed} chooses what follows. */
    record Judge(JudgeStep step) implements FlowStep {
    }

    /**
     * Something asynchronous the flow needs (an agreement rule's verdict), bounded by what is left of the
     * deadline; {@code then} receives the value (error null) or the error (value null).
     */
    record Await<T>(Supplier<Mono<T>> source, BiConsumer<T, Throwable> then) implements FlowStep {
    }

    /** The flow's outcome: it goes on to the result assembly. */
    record Done(FlowOutcome outcome) implements FlowStep {
    }

    /** The flow ends the ask with {@code error} (a typed failure, or {@link Flow.JudgesExhausted}). */
    record Failed(Throwable error) implements FlowStep {
    }
}
