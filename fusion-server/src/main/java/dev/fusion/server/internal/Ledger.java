package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.FusionResult;
import dev.fusion.cost.Usage;

import java.math.BigDecimal;
import java.util.List;

/** The per-call ledger and cost figures as the client sees them. Stateless. */
public final class Ledger {

    private Ledger() {
    }

    /** The fusion's cost as {@code usage.cost} shows it: the total when every call is costed, else null (unknown). */
    public static BigDecimal usageCost(FusionResult r) {
        return r.costComplete() ? r.totalCostUsd() : null;
    }

    /** The {@code x-fusion-cost-usd} header: the known total (a lower bound when incomplete), or "unknown" when nothing is priced. */
    public static String costHeader(List<CallRecord> calls) {
        boolean anyPriced = false;
        BigDecimal sum = BigDecimal.ZERO;
        for (CallRecord c : calls) {
            if (c.cost().usd().isPresent()) {
                anyPriced = true;
                sum = sum.add(c.cost().usd().get());
            }
        }
        return anyPriced ? plain(sum) : "unknown";
    }

    public static boolean complete(List<CallRecord> calls) {
        return calls.stream().allMatch(CallRecord::costComplete);
    }

    public static String plain(BigDecimal usd) {
        return usd.signum() == 0 ? "0" : usd.stripTrailingZeros().toPlainString();
    }

    /** The opt-in {@code fusion_ledger} field. */
    public static ObjectNode json(String askId, FusionResult r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("ask_id", askId);
        o.put("strategy", r.strategy());
        o.put("judged", r.judged());
        Json.putUsd(o, "cost_usd", r.totalCostUsd());
        o.put("cost_complete", r.costComplete());
        o.put("wall_ms", r.wallTime().toMillis());
        ArrayNode calls = o.putArray("calls");
        for (CallRecord c : r.calls()) {
            calls.add(call(c));
        }
        ArrayNode notes = o.putArray("notes");
        r.notes().forEach(notes::add);
        return o;
    }

    public static ObjectNode call(CallRecord c) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("member", c.memberId());
        n.put("model", c.model().toString());
        n.put("role", c.role().name().toLowerCase(java.util.Locale.ROOT));
        n.put("step", c.step());
        n.put("round", c.round());
        n.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
        n.put("latency_ms", c.latency() == null ? 0 : c.latency().toMillis());
        Usage u = c.usage();
        n.put("input_tokens", u.promptTokens());
        n.put("output_tokens", u.completionTokens());
        Json.putUsd(n, "cost_usd", c.cost().usd().orElse(null));
        n.put("cost_source", c.cost().source().name().toLowerCase(java.util.Locale.ROOT));
        n.put("usage_quality", c.usageQuality().name().toLowerCase(java.util.Locale.ROOT));
        if (c.error() != null) {
            n.put("error", c.error().type() + ": " + c.error().message());
        } else {
            n.putNull("error");
        }
        return n;
    }

    /** One SSE comment line (without the leading ": ") for a panel or judge call that ended. */
    public static String comment(CallRecord c) {
        String who = (c.role().name().equals("JUDGE") ? "judge " : "member ") + safe(c.memberId());
        String cost = c.cost().usd().map(v -> "$" + plain(v)).orElse("cost unknown");
        if (c.status() == CallStatus.OK) {
            return who + " answered in " + (c.latency() == null ? 0 : c.latency().toMillis()) + " ms, "
                    + c.usage().promptTokens() + "+" + c.usage().completionTokens() + " tokens, " + cost;
        }
        return who + " " + c.status().name().toLowerCase(java.util.Locale.ROOT)
                + (c.error() == null ? "" : " (" + safe(c.error().type()) + ")") + ", " + cost;
    }

    /** No line breaks or control characters in an SSE comment. */
    public static String safe(String s) {
        if (s == null) {
            return "";
        }
        // as replaceAll("\\p{Cntrl}", " ") did, without compiling a pattern per call: \p{Cntrl} is [\x00-\x1F\x7F]
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7F) {
                char[] out = s.toCharArray();
                for (int j = i; j < out.length; j++) {
                    if (out[j] < 0x20 || out[j] == 0x7F) {
                        out[j] = ' ';
                    }
                }
                return new String(out);
            }
        }
        return s;
    }
}
