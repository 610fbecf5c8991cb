package dev.fusion.micrometer.internal;

import dev.fusion.AskFailedException;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;
import dev.fusion.FusionResult;
import dev.fusion.micrometer.GenAiConventions;
import dev.fusion.model.ModelRef;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows one ask's {@link FusionEvent}s: an {@link Observation} for the ask, a child observation
 * per call (started at {@code MemberStarted}/{@code JudgeStarted}, stopped with the call's ledger
 * record), and the per-ask meters. Calls never started (skipped by the budget, after the deadline)
 * get no child. A judge call that answered but did not write the final answer (the first call of
 * a two-call strategy) is stopped when the next judge call starts, without its usage: the event
 * stream carries no record for it.
 *
 * <p>Thread-safe: methods are synchronized (events arrive serially, but the end of an ask may race
 * a cancellation).
 */
public final class AskObserver {

    private final ObservationRegistry observations;
    private final MeterRegistry meters;
    private final String strategy;
    private final Observation ask;
    private final Timer.Sample sample;
    private final Map<String, Observation> members = new HashMap<>();
    private Observation judge;
    private String judgeId;
    private String judgeStep;
    private boolean ended;

    private AskObserver(ObservationRegistry observations, MeterRegistry meters, String strategy) {
        this.observations = observations;
        this.meters = meters;
        this.strategy = strategy;
        this.ask = Observation.createNotStarted(GenAiConventions.ASK_OBSERVATION, observations)
                .contextualName("fusion ask")
                .lowCardinalityKeyValue(GenAiConventions.STRATEGY, strategy)
                .start();
        this.sample = meters == null ? null : Timer.start(meters);
    }

    /** Starts observing an ask; {@code meters} may be null (no per-ask meters). */
    public static AskObserver start(ObservationRegistry observations, MeterRegistry meters, String strategy) {
        return new AskObserver(observations, meters, strategy);
    }

    /** The ask's observation (to open a scope on the asking thread). */
    public Observation observation() {
        return ask;
    }

    /** Feeds one event of the ask. */
    public synchronized void onEvent(FusionEvent event) {
        if (ended) {
            return;
        }
        if (event instanceof FusionEvent.MemberStarted s) {
            members.put(s.memberId(), startCall(s.memberId(), s.model(), CallRole.PANEL, null));
        } else if (event instanceof FusionEvent.MemberAnswered a) {
            finishMember(a.record());
        } else if (event instanceof FusionEvent.MemberFailed f) {
            finishMember(f.record());
        } else if (event instanceof FusionEvent.JudgeStarted j) {
            closeJudgeWithoutRecord();
            judge = startCall(j.judgeId(), j.model(), CallRole.JUDGE, j.step());
            judgeId = j.judgeId();
            judgeStep = j.step();
        } else if (event instanceof FusionEvent.JudgeFailed f) {
            CallRecord r = f.record();
            if (judge != null && r.status() != CallStatus.SKIPPED && r.memberId().equals(judgeId)) {
                finish(judge, r);
                judge = null;
            }
        } else if (event instanceof FusionEvent.Completed c) {
            succeeded(c.result());
        }
    }

    /** The ask ended with a result (idempotent; {@link FusionEvent.Completed} calls it too). */
    public synchronized void succeeded(FusionResult result) {
        if (ended) {
            return;
        }
        ended = true;
        if (judge != null) {
            CallRecord record = null;
            for (CallRecord r : result.judgeCalls()) {
                if (r.memberId().equals(judgeId) && r.step().equals(judgeStep)) {
                    record = r;
                }
            }
            if (record != null) {
                finish(judge, record);
            } else {
                judge.stop();
            }
            judge = null;
        }
        closeMembers(result.panel());
        String outcome = result.judged() ? "judged" : "unjudged";
        ask.lowCardinalityKeyValue(GenAiConventions.OUTCOME, outcome);
        totals(result.calls());
        ask.stop();
        recordAsk(outcome, null, result.calls());
    }

    /** The ask failed (idempotent). */
    public synchronized void failed(Throwable error) {
        if (ended) {
            return;
        }
        ended = true;
        List<CallRecord> calls = error instanceof AskFailedException a ? a.calls() : List.of();
        if (judge != null) {
            CallRecord record = null;
            for (CallRecord r : calls) {
                if (r.role() == CallRole.JUDGE && r.memberId().equals(judgeId) && r.step().equals(judgeStep)) {
                    record = r;
                }
            }
            if (record != null) {
                finish(judge, record);
            } else {
                judge.stop();
            }
            judge = null;
        }
        closeMembers(calls);
        String type = error.getClass().getSimpleName();
        ask.lowCardinalityKeyValue(GenAiConventions.OUTCOME, "failed");
        ask.lowCardinalityKeyValue(GenAiConventions.ERROR_TYPE, type);
        totals(calls);
        ask.error(error);
        ask.stop();
        recordAsk("failed", type, calls);
    }

    /** The caller cancelled the ask (idempotent). */
    public synchronized void cancelled() {
        if (ended) {
            return;
        }
        ended = true;
        for (Observation o : members.values()) {
            o.lowCardinalityKeyValue(GenAiConventions.STATUS, CallStatus.CANCELLED.wireName());
            o.stop();
        }
        members.clear();
        if (judge != null) {
            judge.lowCardinalityKeyValue(GenAiConventions.STATUS, CallStatus.CANCELLED.wireName());
            judge.stop();
            judge = null;
        }
        ask.lowCardinalityKeyValue(GenAiConventions.OUTCOME, "cancelled");
        ask.stop();
        recordAsk("cancelled", null, List.of());
    }

    private Observation startCall(String id, ModelRef model, CallRole role, String step) {
        Observation o = Observation.createNotStarted(GenAiConventions.CALL_OBSERVATION, observations)
                .parentObservation(ask)
                .contextualName(GenAiConventions.OPERATION_CHAT + " " + model.model())
                .lowCardinalityKeyValue(GenAiConventions.OPERATION_NAME, GenAiConventions.OPERATION_CHAT)
                .lowCardinalityKeyValue(GenAiConventions.PROVIDER_NAME, GenAiConventions.providerName(model.provider()))
                .lowCardinalityKeyValue(GenAiConventions.REQUEST_MODEL, model.model())
                .lowCardinalityKeyValue(GenAiConventions.ROLE, role.wireName())
                .highCardinalityKeyValue(GenAiConventions.MEMBER, id);
        if (step != null) {
            o.lowCardinalityKeyValue(GenAiConventions.STEP, step);
        }
        return o.start();
    }

    private void finishMember(CallRecord record) {
        Observation o = members.remove(record.memberId());
        if (o != null) {
            finish(o, record);
        }
    }

    private void closeMembers(List<CallRecord> records) {
        if (members.isEmpty()) {
            return;
        }
        for (CallRecord r : records) {
            if (r.role() == CallRole.PANEL) {
                finishMember(r);
            }
        }
        for (Observation o : members.values()) {
            o.stop();
        }
        members.clear();
    }

    private void closeJudgeWithoutRecord() {
        if (judge != null) {
            // A judge call that answered (a failure would have come as JudgeFailed) but whose record
            // only the final result carries: the first call of a two-call strategy.
            judge.lowCardinalityKeyValue(GenAiConventions.STATUS, CallStatus.OK.wireName());
            judge.stop();
            judge = null;
        }
    }

    private static void finish(Observation o, CallRecord r) {
        o.lowCardinalityKeyValue(GenAiConventions.STATUS, r.status().wireName());
        o.lowCardinalityKeyValue(GenAiConventions.STEP, r.step());
        if (r.usage().totalTokens() > 0) {
            o.highCardinalityKeyValue(GenAiConventions.INPUT_TOKENS, Long.toString(r.usage().promptTokens()));
            o.highCardinalityKeyValue(GenAiConventions.OUTPUT_TOKENS, Long.toString(r.usage().completionTokens()));
            o.highCardinalityKeyValue(GenAiConventions.CACHE_READ_TOKENS, Long.toString(r.usage().cacheRead()));
            o.highCardinalityKeyValue(GenAiConventions.CACHE_CREATION_TOKENS, Long.toString(r.usage().cacheWrite()));
            o.highCardinalityKeyValue(GenAiConventions.REASONING_TOKENS, Long.toString(r.usage().reasoning()));
        }
        if (r.timeToFirstToken() != null) {
            o.highCardinalityKeyValue(GenAiConventions.RESPONSE_TIME_TO_FIRST_CHUNK,
                    Double.toString(r.timeToFirstToken().toNanos() / 1e9));
        }
        r.cost().usd().ifPresent(usd -> o.highCardinalityKeyValue(GenAiConventions.CALL_COST, usd.toPlainString()));
        if (r.finishReason() != null) {
            o.highCardinalityKeyValue(GenAiConventions.FINISH_REASONS, r.finishReason());
        }
        String errorType = GenAiConventions.errorType(r);
        if (errorType != null) {
            o.lowCardinalityKeyValue(GenAiConventions.ERROR_TYPE, errorType);
            o.error(new CallFailure(r.error() != null ? r.error().toString() : r.status().wireName()));
        }
        o.stop();
    }

    private void totals(List<CallRecord> calls) {
        long in = 0;
        long out = 0;
        for (CallRecord c : calls) {
            in += c.usage().promptTokens();
            out += c.usage().completionTokens();
        }
        ask.highCardinalityKeyValue(GenAiConventions.INPUT_TOKENS, Long.toString(in));
        ask.highCardinalityKeyValue(GenAiConventions.OUTPUT_TOKENS, Long.toString(out));
        knownCost(calls).ifPresent(usd -> ask.highCardinalityKeyValue(GenAiConventions.CALL_COST, usd.toPlainString()));
    }

    /** The ask's total cost, when every call that ran is priced; empty when any is unknown. */
    private static java.util.Optional<BigDecimal> knownCost(List<CallRecord> calls) {
        BigDecimal sum = BigDecimal.ZERO;
        for (CallRecord c : calls) {
            if (c.status() == CallStatus.SKIPPED) {
                continue;
            }
            if (!c.cost().isPriced()) {
                return java.util.Optional.empty();
            }
            sum = sum.add(c.cost().usd().orElseThrow());
        }
        return java.util.Optional.of(sum);
    }

    private void recordAsk(String outcome, String errorType, List<CallRecord> calls) {
        if (meters == null) {
            return;
        }
        List<String> tags = new ArrayList<>(List.of(GenAiConventions.STRATEGY, strategy, GenAiConventions.OUTCOME, outcome));
        if (errorType != null) {
            tags.add(GenAiConventions.ERROR_TYPE);
            tags.add(errorType);
        }
        sample.stop(Timer.builder(GenAiConventions.ASK_DURATION)
                .description("Duration of whole asks (panel, judge, retries)")
                .tags(Tags.of(tags.toArray(String[]::new)))
                .register(meters));
        if (!calls.isEmpty()) {
            knownCost(calls).ifPresent(usd -> DistributionSummary.builder(GenAiConventions.ASK_COST_USD)
                    .description("Known cost of whole asks (asks with an unpriced call are left out)")
                    .baseUnit("usd")
                    .tags(GenAiConventions.STRATEGY, strategy)
                    .register(meters)
                    .record(usd.doubleValue()));
        }
    }
}
