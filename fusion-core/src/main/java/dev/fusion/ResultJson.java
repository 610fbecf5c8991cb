package dev.fusion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.internal.ObjectMappers;

import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON form of a {@link FusionResult}, as printed by {@code fusion ask --json}. Field names are a
 * contract: {@code answer}, {@code judged}, {@code strategy}, {@code wallMs}, {@code totalCostUsd},
 * {@code costComplete}, {@code budgetUsd}, {@code answerOrder}, {@code shuffleSeed}, {@code notes},
 * and {@code calls}, each with {@code model} (the member id, as written in a config file),
 * {@code modelRef}, {@code role} ({@code panel}/{@code judge}), {@code status} ({@code ok},
 * {@code failed}, {@code timeout}, {@code cancelled}, {@code skipped}), {@code usage}
 * ({@code input}, {@code cacheRead}, {@code cacheWrite}, {@code output}, {@code reasoning}),
 * {@code costUsd} (computed from the price book; null when unpriced), {@code reportedCostUsd}
 * (the provider's own figure, or null), {@code latencyMs}, {@code ttftMs}, {@code queuedMs},
 * {@code attempts}, {@code retryDelayMs}, {@code round}, {@code step}, {@code usageQuality}
 * ({@code reported}, {@code unknown}, {@code estimated}), {@code costFlags} (a list, present only when
 * not empty: {@code output_over_max}, {@code reported_cost_ignored}) and {@code error} (or null).
 * Strategies add {@code analysis}, {@code ranking}, {@code cascade} with {@code estimatedSavingUsd},
 * and {@code rounds} (layered) when they produce them. With a schema, when the answer is valid against it
 * ({@link FusionResult#json()} present): {@code answerJson} (the object) and {@code agreement} (JSON
 * Pointer to the fraction of valid answers supporting the value; {@code vote} only, else empty).
 * With tools offered: {@code finishReason} ({@code tool_calls} or {@code stop}), {@code decidedBy}
 * ({@code unanimous}, {@code quorum}, {@code voted}, {@code judged}) and {@code toolCalls}, each with
 * {@code id}, {@code name} and {@code arguments} (the JSON value; the text when it is not JSON); a call
 * record that proposed tool calls carries them as {@code toolCalls} too.
 * Amounts are plain decimals.
 * {@link #toJson} passes its output through {@link Redactor}. Stateless and thread-safe.
 */
public final class ResultJson {

    private static final ObjectMapper JSON = ObjectMappers.RESULTS;

    private ResultJson() {
    }

    /** The result as a JSON tree. */
    public static ObjectNode toTree(FusionResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("answer", r.answer());
        o.put("judged", r.judged());
        o.put("strategy", r.strategy());
        o.put("wallMs", r.wallTime().toMillis());
        o.put("totalCostUsd", r.totalCostUsd());
        o.put("costComplete", r.costComplete());
        if (r.budgetUsd() != null) {
            o.put("budgetUsd", r.budgetUsd());
        } else {
            o.putNull("budgetUsd");
        }
        ArrayNode order = o.putArray("answerOrder");
        r.answerOrder().forEach(order::add);
        o.put("shuffleSeed", r.shuffleSeed());
        ArrayNode notes = o.putArray("notes");
        r.notes().forEach(notes::add);
        o.set("calls", calls(r.calls()));
        // A structured answer (the request had a schema and the answer is valid against it): the object,
        // and the vote's agreement per JSON Pointer (an empty object for the other strategies).
        r.json().ifPresent(json -> {
            o.set("answerJson", json);
            ObjectNode agreement = o.putObject("agreement");
            r.agreement().forEach(agreement::put);
        });
        r.decidedBy().ifPresent(how -> {
            o.put("finishReason", r.finishReason());
            o.put("decidedBy", how.wireName());
            o.set("toolCalls", toolCalls(r.toolCalls()));
        });
        // Strategy outputs, present only when the strategy produced them.
        r.analysis().ifPresent(a -> o.set("analysis", JSON.valueToTree(a)));
        r.ranking().ifPresent(k -> o.set("ranking", JSON.valueToTree(k)));
        r.cascade().ifPresent(c -> {
            o.set("cascade", JSON.valueToTree(c));
            if (c.estimatedSavingUsd() != null) {
                o.put("estimatedSavingUsd", c.estimatedSavingUsd());
            } else {
                o.putNull("estimatedSavingUsd");
            }
        });
        if (r.rounds().size() > 1) {
            ArrayNode rounds = o.putArray("rounds");
            for (RoundSummary rs : r.rounds()) {
                ObjectNode n = rounds.addObject();
                n.put("round", rs.round());
                n.put("calls", rs.calls().size());
                n.put("costUsd", rs.costUsd());
                n.put("wallMs", rs.wallTime().toMillis());
            }
        }
        return o;
    }

    /** Tool calls as a JSON array of {@code {id, name, arguments}}. */
    public static ArrayNode toolCalls(List<dev.fusion.model.ToolCall> calls) {
        ArrayNode out = JSON.createArrayNode();
        for (dev.fusion.model.ToolCall c : calls) {
            ObjectNode n = out.addObject();
            n.put("id", c.id());
            n.put("name", c.name());
            try {
                n.set("arguments", c.arguments());
            } catch (IllegalStateException notJson) {
                n.put("arguments", c.argumentsJson());
            }
        }
        return out;
    }

    /** Call records as a JSON array (also used for failed asks, whose exceptions carry records). */
    public static ArrayNode calls(List<CallRecord> records) {
        ArrayNode calls = JSON.createArrayNode();
        for (CallRecord c : records) {
            ObjectNode n = calls.addObject();
            n.put("model", c.memberId());
            n.put("modelRef", c.model().toString());
            n.put("role", c.role().wireName());
            n.put("status", c.status().wireName());
            Usage u = c.usage();
            ObjectNode usage = n.putObject("usage");
            usage.put("input", u.input());
            usage.put("cacheRead", u.cacheRead());
            usage.put("cacheWrite", u.cacheWrite());
            usage.put("output", u.output());
            usage.put("reasoning", u.reasoning());
            if (c.cost().computedUsd() != null) {
                n.put("costUsd", c.cost().computedUsd());
            } else {
                n.putNull("costUsd");
            }
            if (c.cost().reportedUsd() != null) {
                n.put("reportedCostUsd", c.cost().reportedUsd());
            } else {
                n.putNull("reportedCostUsd");
            }
            n.put("latencyMs", c.latency().toMillis());
            if (c.timeToFirstToken() != null) {
                n.put("ttftMs", c.timeToFirstToken().toMillis());
            } else {
                n.putNull("ttftMs");
            }
            n.put("queuedMs", c.queued().toMillis());
            n.put("attempts", c.attempts());
            n.put("retryDelayMs", c.retryDelay().toMillis());
            n.put("round", c.round());
            if (c.step() != null) {
                n.put("step", c.step());
            }
            n.put("usageQuality", c.usageQuality().name().toLowerCase(java.util.Locale.ROOT));
            if (c.hasToolCalls()) {
                n.set("toolCalls", toolCalls(c.toolCalls()));
            }
            if (!c.toolResults().isEmpty()) {
                var results = n.putArray("toolResults");
                for (dev.fusion.model.ToolResult t : c.toolResults()) {
                    results.addObject().put("callId", t.callId()).put("name", t.name()).put("excerpt", t.content())
                            .put("error", t.error());
                }
            }
            if (!c.costFlags().isEmpty()) {
                var flags = n.putArray("costFlags");
                c.costFlags().forEach(f -> flags.add(f.name().toLowerCase(java.util.Locale.ROOT)));
            }
            if (c.error() != null) {
                n.put("error", c.error().toString());
            } else {
                n.putNull("error");
            }
        }
        return calls;
    }

    /** The result as a compact JSON string. */
    public static String toJson(FusionResult r) {
        try {
            // Redaction at the write point too: answers and notes are not built from exceptions.
            return Redactor.redact(JSON.writeValueAsString(toTree(r)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
