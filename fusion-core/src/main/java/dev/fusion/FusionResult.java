package dev.fusion;

import dev.fusion.cost.Usage;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of an ask: the final answer and the full ledger. Immutable.
 *
 * @param answer      the final answer
 * @param judged      true when a judge produced the answer; false when it is an unjudged panel answer
 * @param strategy    the judge strategy that ran ({@code synthesize}, …)
 * @param panel       every panel call, in panel order (skipped, failed and cancelled ones included)
 * @param judgeCalls  every judge call in the order tried (fallbacks included)
 * @param answerOrder member ids in the order the judge saw them: element 0 was "Answer 1"
 * @param shuffleSeed the seed that produced that order
 * @param wallTime    from the ask's start to its result
 * @param budgetUsd   the budget in force, or null
 * @param notes       human-readable remarks on how the answer was reached (fallbacks, degradation, skips)
 */
public record FusionResult(String answer, boolean judged, String strategy, List<CallRecord> panel,
                           List<CallRecord> judgeCalls, List<String> answerOrder, long shuffleSeed,
                           Duration wallTime, BigDecimal budgetUsd, List<String> notes) {

    public FusionResult {
        panel = List.copyOf(panel);
        judgeCalls = List.copyOf(judgeCalls);
        answerOrder = List.copyOf(answerOrder);
        notes = List.copyOf(notes);
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

    /** True when every call that ran is priced, so {@link #totalCostUsd()} is the whole cost. */
    public boolean costComplete() {
        return calls().stream().filter(c -> c.status() != CallStatus.SKIPPED).allMatch(c -> c.cost().isPriced());
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
                + (costComplete() ? "" : " (+" + unpricedCalls() + " unpriced)") + ", wallMs=" + wallTime.toMillis() + "]";
    }
}
