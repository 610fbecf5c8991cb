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
 */
public record CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                         Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                         Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error) {

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
                + (error != null ? ", error=" + error : "") + "]";
    }
}
