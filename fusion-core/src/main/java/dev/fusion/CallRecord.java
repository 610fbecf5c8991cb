package dev.fusion;

import dev.fusion.cost.Cost;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 * @param usageQuality    whether {@code usage} was reported, is unknown, or is an estimate (cut-off calls);
 *                        only {@link UsageQuality#REPORTED} counts as completely costed
 * @param costFlags       provider misbehaviour found while costing the call (empty when none); unmodifiable
 * @param toolCalls       the tool calls the model answered with, in its order (empty when none)
 * @param toolResults     for a panel member's {@code research} step, the results of its research tool calls in
 *                        the calls' order, each content cut to a bounded excerpt (empty otherwise)
 */
public record CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                         Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                         Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error,
                         int round, String step, UsageQuality usageQuality, Set<CostFlag> costFlags,
                         java.util.List<dev.fusion.model.ToolCall> toolCalls,
                         java.util.List<dev.fusion.model.ToolResult> toolResults) {

    /**
     * {@link #step()} as an enum, when it is one of Fusion's steps (always, for records Fusion makes).
     */
    public java.util.Optional<CallStep> callStep() {
        return CallStep.fromWireName(step);
    }

    /** The minimum slack over a request's max output tokens before {@link CostFlag#OUTPUT_OVER_MAX}. */
    public static final int OUTPUT_SLACK_TOKENS = 16;
    /** The relative slack over a request's max output tokens (5%) before {@link CostFlag#OUTPUT_OVER_MAX}. */
    public static final double OUTPUT_SLACK_RATIO = 0.05;

    /**
     * How many generated tokens (output plus reasoning) beyond {@code maxOutputTokens} a provider may
     * report before the call is flagged {@link CostFlag#OUTPUT_OVER_MAX}: the larger of
     * {@value #OUTPUT_SLACK_TOKENS} tokens and 5% of the max (providers count a stop token or a
     * reasoning summary slightly differently).
     */
    public static long outputSlack(int maxOutputTokens) {
        return Math.max(OUTPUT_SLACK_TOKENS, (long) Math.ceil(maxOutputTokens * OUTPUT_SLACK_RATIO));
    }

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
        usageQuality = usageQuality == null ? UsageQuality.REPORTED : usageQuality;
        costFlags = costFlags == null || costFlags.isEmpty() ? Set.of()
                : java.util.Collections.unmodifiableSet(EnumSet.copyOf(costFlags));
        toolCalls = toolCalls == null ? java.util.List.of() : java.util.List.copyOf(toolCalls);
        toolResults = toolResults == null ? java.util.List.of() : java.util.List.copyOf(toolResults);
    }

    /** A record without research tool results. */
    public CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                      Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                      Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error,
                      int round, String step, UsageQuality usageQuality, Set<CostFlag> costFlags,
                      java.util.List<dev.fusion.model.ToolCall> toolCalls) {
        this(memberId, model, role, status, text, usage, cost, startedAt, latency, timeToFirstToken, queued, attempts,
                retryDelay, finishReason, error, round, step, usageQuality, costFlags, toolCalls, java.util.List.of());
    }

    /** This record with the results of its research tool calls (excerpts). */
    public CallRecord withToolResults(java.util.List<dev.fusion.model.ToolResult> results) {
        return new CallRecord(memberId, model, role, status, text, usage, cost, startedAt, latency, timeToFirstToken,
                queued, attempts, retryDelay, finishReason, error, round, step, usageQuality, costFlags, toolCalls,
                results);
    }

    /** A record without tool calls. */
    public CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                      Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                      Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error,
                      int round, String step, UsageQuality usageQuality, Set<CostFlag> costFlags) {
        this(memberId, model, role, status, text, usage, cost, startedAt, latency, timeToFirstToken, queued, attempts,
                retryDelay, finishReason, error, round, step, usageQuality, costFlags, java.util.List.of(),
                java.util.List.of());
    }

    /** Whether the model answered with tool calls ({@link #toolCalls()}). */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** A record with reported usage and no cost flags, in a given round and step. */
    public CallRecord(String memberId, ModelRef model, CallRole role, CallStatus status, String text,
                      Usage usage, Cost cost, Instant startedAt, Duration latency, Duration timeToFirstToken,
                      Duration queued, int attempts, Duration retryDelay, String finishReason, CallError error,
                      int round, String step) {
        this(memberId, model, role, status, text, usage, cost, startedAt, latency, timeToFirstToken, queued, attempts,
                retryDelay, finishReason, error, round, step, UsageQuality.REPORTED, Set.of());
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
     * Whether this call's cost is completely known: it did not run (skipped), or it is priced and its
     * usage was reported ({@link UsageQuality#REPORTED}).
     */
    public boolean costComplete() {
        return status == CallStatus.SKIPPED || (cost.isPriced() && usageQuality == UsageQuality.REPORTED);
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
        if (usageQuality != UsageQuality.REPORTED) {
            a.put("fusion.usage.quality", usageQuality.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (!costFlags.isEmpty()) {
            a.put("fusion.cost.flags", costFlags.stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
        if (error != null) {
            a.put("error.type", error.type());
        }
        return a;
    }

    @Override
    public String toString() {
        return "CallRecord[" + role.wireName() + " " + memberId + " " + status.wireName() + ", " + usage + ", "
                + cost + ", latency=" + latency.toMillis() + "ms, attempts=" + attempts
                + (usageQuality != UsageQuality.REPORTED ? ", usage " + usageQuality.name().toLowerCase(java.util.Locale.ROOT) : "")
                + (costFlags.isEmpty() ? "" : ", flags=" + costFlags)
                + (error != null ? ", error=" + error : "")
                + (round > 1 ? ", round=" + round : "")
                + (step.equals(role == CallRole.JUDGE ? "synthesize" : "answer") ? "" : ", step=" + step) + "]";
    }
}
