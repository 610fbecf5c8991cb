package dev.fusion.cli.render;

import dev.fusion.CallRecord;
import dev.fusion.FusionResult;

import java.util.ArrayList;
import java.util.List;

/** Plain-text ledger of an ask: one row per call, then totals. Stateless. */
public final class CostTable {

    private CostTable() {
    }

    public static String render(List<CallRecord> calls) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"role", "model", "status", "in", "cache r/w", "out", "reason", "cost", "latency", "tries", "note"});
        for (CallRecord c : calls) {
            var u = c.usage();
            rows.add(new String[] {c.role().wireName(), c.memberId(), c.status().wireName(), Long.toString(u.input()),
                    u.cacheRead() + "/" + u.cacheWrite(), Long.toString(u.output()), Long.toString(u.reasoning()),
                    c.cost().usd().map(Money::usd).orElse("unpriced")
                            + (c.cost().reportedUsd() != null && c.cost().computedUsd() != null ? " (rep " + Money.usd(c.cost().reportedUsd()) + ")" : ""),
                    c.latency().toMillis() + "ms", Integer.toString(c.attempts()),
                    c.error() == null ? "" : abbreviate(c.error().toString(), 60)});
        }
        return table(rows);
    }

    public static String render(FusionResult r) {
        StringBuilder sb = new StringBuilder(render(r.calls()));
        sb.append("total ").append(Money.usd(r.totalCostUsd()));
        if (!r.costComplete()) {
            sb.append(" + ").append(r.unpricedCalls()).append(" unpriced call(s)");
        }
        if (r.budgetUsd() != null) {
            sb.append(" of budget ").append(Money.usd(r.budgetUsd()));
        }
        sb.append(" | wall ").append(r.wallTime().toMillis()).append("ms | strategy ").append(r.strategy())
                .append(r.judged() ? "" : " | UNJUDGED (every judge failed; best panel answer)").append('\n');
        for (String n : r.notes()) {
            sb.append("note: ").append(n).append('\n');
        }
        return sb.toString();
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "...";
    }

    /** Left-aligned columns separated by two spaces. */
    public static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                line.append(r[i]).append(" ".repeat(w[i] - r[i].length()));
                if (i < cols - 1) {
                    line.append("  ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
