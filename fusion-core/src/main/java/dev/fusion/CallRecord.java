package dev.fusion;

import dev.fusion.cost.Cost;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One line of the ledger: a panel or judge call, how it ended, what it used and cost. Immutable.
 *
 * @param memberId        the member's name as configured (defaults to {@code provider:model}; unique in an ask)
 * @param model           provider and model id
 * @param role            panel or judge
 * @param status          how the call ended
 * @param text            the answer text (status OK), the partial text received before a failure, or null
 * @param usage           tokens by bucket (zero when nothing was reported)
 * @param cost            the call's cost (unpriced when the model has no price)
 * @param startedAt       when the call was started (after queueing), or null for skipped calls
 * @param latency         from start to end, retries included
 * @param timeToFirstToken from start to the first text (streamed calls), or null
 * @param queued          time spent waiting for a provider limit before the call started
 * @param attempts        how many times the model was called (0 for skipped)
 * @param retryDelay      total time spent waiting between attempts
 * @param finishReason    the provider's finish reason, or null
 * @param error           why the call failed, or null when OK
 * @param round           for panel calls, the 1-based panel round (always 1 except for the
 *                        {@code layered} strategy's later rounds and the {@code cascade}'s flagships);
 *                        0 for judge calls
 * @param step            what the call was for: panel calls {@code answer} (round 1), {@code refine}
 *                        (layered rounds 2..K) or {@code escalate} (cascade flagships); judge calls
 *                        {@code synthesize}, {@code analyze}, {@code analyze-retry}, {@code write},
 *                        {@code rank}, {@code rank-retry}, {@code rank-reversed}, {@code rank-reversed-retry}
 */
public record CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                         Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                         Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error,
                         int round, String step) {

    public CallRecord {
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(status, "status");
        usage = usage == null ? Usage.ZERO : usage;
        cost = cost == null ? Cost.unpriced() : cost;
        latency = latency == null ? Duration.ZERO : latency;
        queued = queued == null ? Duration.ZERO : queued;
        retryDelay = retryDelay == null ? Duration.ZERO : retryDelay;
        if (round < 0) {
            throw new IllegalArgumentException("round cannot be negative, was " + round);
        }
        step = step != null ? step : role == CallRole.JUDGE ? "synthesize" : "answer";
    }

    /** A record of round 1 (panel) or round 0 (judge), with the default step ({@code answer} or {@code synthesize}). */
    public CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                      Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                      Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error) {
        this(memberId, model, role, status, text, usage, cost, startedAt, latency, timeToFirstToken, queued, attempts,
                retryDelay, finishReason, error, role == CallRole.JUDGE ? 0 : 1, null);
    }

    /** When the call ended ({@code startedAt + latency}), or null for calls that never started. */
    public Instant endedAt() {
        return startedAt == null ? null : startedAt.plus(latency);
    }

    public boolean isOk() {
        return status == CallStatus.OK;
    }

    /**
     * The call as OpenTelemetry GenAI attributes ({@code gen_ai.*}) plus Fusion's own, namespaced
     * {@code fusion.*} (cost, status, role). Prompt and answer text are not included.
     */
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("gen_ai.operation.name", "chat");
        a.put("gen_ai.provider.name", model.provider());
        a.put("gen_ai.request.model", model.model());
        a.put("gen_ai.usage.input_tokens", usage.promptTokens());
        a.put("gen_ai.usage.output_tokens", usage.completionTokens());
        if (finishReason != null) {
            a.put("gen_ai.response.finish_reasons", java.util.List.of(finishReason));
        }
        a.put("fusion.member.id", memberId);
        a.put("fusion.call.role", role.wireName());
        a.put("fusion.call.status", status.wireName());
        a.put("fusion.call.step", step);
        if (role == CallRole.PANEL) {
            a.put("fusion.call.round", round);
        }
        a.put("fusion.call.attempts", attempts);
        a.put("fusion.call.latency_ms", latency.toMillis());
        if (timeToFirstToken != null) {
            a.put("fusion.call.ttft_ms", timeToFirstToken.toMillis());
        }
        a.put("fusion.usage.cache_read_tokens", usage.cacheRead());
        a.put("fusion.usage.cache_write_tokens", usage.cacheWrite());
        a.put("fusion.usage.reasoning_tokens", usage.reasoning());
        cost.usd().ifPresent(v -> a.put("fusion.cost.usd", v));
        a.put("fusion.cost.source", cost.source().name().toLowerCase(java.util.Locale.ROOT));
        if (error != null) {
            a.put("error.type", error.type());
        }
        return a;
    }

    @Override
    public String toString() {
        return "CallRecord[" + role.wireName() + " " + memberId + " " + status.wireName() + ", " + usage + ", "
                + cost + ", latency=" + latency.toMillis() + "ms, attempts=" + attempts
                + (error != null ? ", error=" + error : "")
                + (round > 1 ? ", round=" + round : "")
                + (step.equals(role == CallRole.JUDGE ? "synthesize" : "answer") ? "" : ", step=" + step) + "]";
    }
}
