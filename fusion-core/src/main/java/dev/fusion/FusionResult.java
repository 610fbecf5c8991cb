package dev.fusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;

import dev.fusion.cost.Usage;
import dev.fusion.internal.ObjectMappers;
import dev.fusion.judge.Analysis;
import dev.fusion.judge.CascadeOutcome;
import dev.fusion.judge.Ranking;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The outcome of an ask: the final answer and the full ledger. Immutable.
 *
 * @param answer      the final answer
 * @param judged      true when a judge produced the answer; false when it is an unjudged panel answer
 * @param strategy    the strategy's configuration name: {@code synthesize | analyze | select-best |
 *                    self-moa | layered | cascade}
 * @param panel       every panel call: round 1 in panel order (skipped, failed and cancelled ones
 *                    included), then later rounds ({@link #rounds()} groups them)
 * @param judgeCalls  every judge call in the order made (several steps for two-call strategies,
 *                    fallbacks included; {@link CallRecord#step()} says which)
 * @param answerOrder member ids in the order the first judge call saw them: element 0 was "Answer 1";
 *                    empty when no judge ran
 * @param shuffleSeed the seed that produced that order
 * @param wallTime    from the ask's start to its result
 * @param budgetUsd   the budget in force, or null
 * @param notes       human-readable remarks on how the answer was reached (fallbacks, degradation, skips)
 * @param analysis    the judge's structured analysis ({@code analyze} strategy, when it parsed)
 * @param ranking     the ranking of the panel answers ({@code select-best} strategy, when it parsed)
 * @param cascade     the path a {@code cascade} took and what it saved
 * @param json        the answer as a schema-valid JSON value when the request had a schema and the answer
 *                    validated against it (always for {@code vote}); empty otherwise. The accessor returns a copy.
 * @param agreement   for {@code vote}: every leaf of {@link #json()} by RFC 6901 JSON Pointer, the fraction of
 *                    the valid member answers supporting the value chosen, in document order; empty otherwise
 * @param toolCalls   when the request offered tools and the fusion decided to call some: the decided calls (each
 *                    names an offered tool, its arguments valid against that tool's schema); the caller runs them
 *                    and asks again with the results. Empty when the step is a final answer
 * @param decidedBy   how the tool step was decided (empty when the request offered no tools)
 */
public record FusionResult(String answer, boolean judged, String strategy, List<CallRecord> panel,
                           List<CallRecord> judgeCalls, List<String> answerOrder, long shuffleSeed,
                           Duration wallTime, BigDecimal budgetUsd, List<String> notes,
                           Optional<Analysis> analysis, Optional<Ranking> ranking, Optional<CascadeOutcome> cascade,
                           Optional<JsonNode> json, Map<String, Double> agreement,
                           List<dev.fusion.model.ToolCall> toolCalls, Optional<DecidedBy> decidedBy) {

    private static final ObjectMapper MAPPER = ObjectMappers.DEFAULT;

    public FusionResult {
        json = json == null ? Optional.empty() : json.map(JsonNode::deepCopy);
        agreement = agreement == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(agreement));
        panel = List.copyOf(panel);
        judgeCalls = List.copyOf(judgeCalls);
        answerOrder = List.copyOf(answerOrder);
        notes = List.copyOf(notes);
        analysis = analysis == null ? Optional.empty() : analysis;
        ranking = ranking == null ? Optional.empty() : ranking;
        cascade = cascade == null ? Optional.empty() : cascade;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        decidedBy = decidedBy == null ? Optional.empty() : decidedBy;
    }

    /** A result without a tool step. */
    public FusionResult(String answer, boolean judged, String strategy, List<CallRecord> panel,
                        List<CallRecord> judgeCalls, List<String> answerOrder, long shuffleSeed,
                        Duration wallTime, BigDecimal budgetUsd, List<String> notes,
                        Optional<Analysis> analysis, Optional<Ranking> ranking, Optional<CascadeOutcome> cascade,
                        Optional<JsonNode> json, Map<String, Double> agreement) {
        this(answer, judged, strategy, panel, judgeCalls, answerOrder, shuffleSeed, wallTime, budgetUsd, notes,
                analysis, ranking, cascade, json, agreement, List.of(), Optional.empty());
    }

    /** Whether the fusion decided to call tools ({@link #toolCalls()} is not empty). */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /**
     * Why the step ended: {@code tool_calls} when the fusion decided to call tools ({@link #toolCalls()}),
     * else {@code stop} (a final answer).
     */
    public String finishReason() {
        return toolCalls.isEmpty() ? "stop" : dev.fusion.model.ModelResponse.FINISH_TOOL_CALLS;
    }

    /** A result without a structured answer. */
    public FusionResult(String answer, boolean judged, String strategy, List<CallRecord> panel,
                        List<CallRecord> judgeCalls, List<String> answerOrder, long shuffleSeed,
                        Duration wallTime, BigDecimal budgetUsd, List<String> notes,
                        Optional<Analysis> analysis, Optional<Ranking> ranking, Optional<CascadeOutcome> cascade) {
        this(answer, judged, strategy, panel, judgeCalls, answerOrder, shuffleSeed, wallTime, budgetUsd, notes,
                analysis, ranking, cascade, Optional.empty(), Map.of());
    }

    /** The structured answer (a copy; the result stays immutable), when there is one: see the {@code json} component. */
    @Override
    public Optional<JsonNode> json() {
        return json.map(JsonNode::deepCopy);
    }

    /**
     * The structured answer bound to {@code type} with Jackson (unknown properties fail, as the schema
     * should have been generated from the same type).
     *
     * @throws IllegalStateException    when the result has no structured answer ({@link #json()} is empty)
     * @throws IllegalArgumentException when the answer does not bind to {@code type}
     */
    public <T> T as(Class<T> type) {
        JsonNode node = json.orElseThrow(() -> new IllegalStateException("this result has no structured answer;"
                + " ask with a schema (FusionRequest.builder().schema(...))"));
        try {
            return MAPPER.treeToValue(node, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the structured answer does not bind to " + type.getName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A result without strategy-specific outputs. */
    public FusionResult(String answer, boolean judged, String strategy, List<CallRecord> panel,
                        List<CallRecord> judgeCalls, List<String> answerOrder, long shuffleSeed,
                        Duration wallTime, BigDecimal budgetUsd, List<String> notes) {
        this(answer, judged, strategy, panel, judgeCalls, answerOrder, shuffleSeed, wallTime, budgetUsd, notes,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * The member whose answer the judge saw as "Answer {@code n}" (1-based, as in {@link #analysis()}).
     *
     * @throws IndexOutOfBoundsException when there was no such answer
     */
    public String memberForAnswer(int n) {
        return answerOrder.get(n - 1);
    }

    /**
     * The panel calls grouped by round, with each round's cost and wall time. One round for most
     * strategies; {@code layered} has one per layer, a {@code cascade} that escalated has the
     * flagships as round 2.
     */
    public List<RoundSummary> rounds() {
        Map<Integer, List<CallRecord>> byRound = new TreeMap<>();
        for (CallRecord c : panel) {
            byRound.computeIfAbsent(c.round(), k -> new ArrayList<>()).add(c);
        }
        List<RoundSummary> out = new ArrayList<>();
        for (Map.Entry<Integer, List<CallRecord>> e : byRound.entrySet()) {
            BigDecimal cost = BigDecimal.ZERO;
            Instant first = null;
            Instant last = null;
            for (CallRecord c : e.getValue()) {
                cost = cost.add(c.cost().usd().orElse(BigDecimal.ZERO));
                if (c.startedAt() != null) {
                    first = first == null || c.startedAt().isBefore(first) ? c.startedAt() : first;
                    last = last == null || c.endedAt().isAfter(last) ? c.endedAt() : last;
                }
            }
            out.add(new RoundSummary(e.getKey(), e.getValue(), cost,
                    first == null ? Duration.ZERO : Duration.between(first, last)));
        }
        return out;
    }

    /** Every call, panel first then judges. */
    public List<CallRecord> calls() {
        List<CallRecord> all = new ArrayList<>(panel);
        all.addAll(judgeCalls);
        return all;
    }

    /** The judge call that produced the answer, if one did. */
    public Optional<CallRecord> judge() {
        return judgeCalls.stream().filter(CallRecord::isOk).reduce((a, b) -> b);
    }

    /** Usage summed over every call. */
    public Usage totalUsage() {
        return calls().stream().map(CallRecord::usage).reduce(Usage.ZERO, Usage::plus);
    }

    /** Known cost summed over every call; see {@link #costComplete()}. */
    public BigDecimal totalCostUsd() {
        return calls().stream().map(c -> c.cost().usd().orElse(BigDecimal.ZERO)).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /**
     * True when every call that ran is priced and had its usage reported, so {@link #totalCostUsd()}
     * is the whole cost. False when a call is unpriced, its provider reported no usage
     * ({@link UsageQuality#UNKNOWN}), or it was cut off after its request was sent and is costed at
     * an estimated lower bound ({@link UsageQuality#ESTIMATED}); {@link #incompletelyCosted()} lists them.
     */
    public boolean costComplete() {
        return calls().stream().allMatch(CallRecord::costComplete);
    }

    /** The calls whose cost is not completely known (see {@link #costComplete()}), panel first. */
    public List<CallRecord> incompletelyCosted() {
        return calls().stream().filter(c -> !c.costComplete()).toList();
    }

    /** Number of calls with an unknown cost. */
    public long unpricedCalls() {
        return calls().stream().filter(c -> c.status() != CallStatus.SKIPPED && !c.cost().isPriced()).count();
    }

    /** Calls that did not answer, with their causes. */
    public List<CallRecord> failures() {
        return calls().stream().filter(c -> !c.isOk()).toList();
    }

    /** Totals per model, in first-call order. */
    public Map<String, ModelSummary> perModel() {
        Map<String, ModelSummary> map = new LinkedHashMap<>();
        for (CallRecord c : calls()) {
            if (c.status() == CallStatus.SKIPPED) {
                continue;
            }
            String key = c.model().toString();
            ModelSummary prev = map.get(key);
            BigDecimal usd = c.cost().usd().orElse(BigDecimal.ZERO);
            int unpriced = c.cost().isPriced() ? 0 : 1;
            map.put(key, prev == null ? new ModelSummary(c.model(), 1, c.usage(), usd, unpriced)
                    : new ModelSummary(c.model(), prev.calls() + 1, prev.usage().plus(c.usage()),
                    prev.costUsd().add(usd), prev.unpricedCalls() + unpriced));
        }
        return map;
    }

    @Override
    public String toString() {
        return "FusionResult[judged=" + judged + ", strategy=" + strategy + ", answerChars=" + answer.length()
                + ", calls=" + calls().size() + ", totalCostUsd=" + totalCostUsd().toPlainString()
                + (unpricedCalls() == 0 ? "" : " (+" + unpricedCalls() + " unpriced)")
                + (costComplete() ? "" : " (cost incomplete)") + ", wallMs=" + wallTime.toMillis() + "]";
    }
}
