package dev.fusion.cli.render;

import dev.fusion.CallRecord;
import dev.fusion.FusionResult;

import java.util.ArrayList;
import java.util.List;

/**
 * Plain-text ledger of an ask: one row per call, then totals. Fits a terminal width (80 columns
 * unless told otherwise): the columns every call needs come first; cache, reasoning, tries and
 * error columns appear only when some call has them, and move to an indented line under their row
 * when they do not fit; long model ids are wrapped onto a second line after their provider part
 * ({@link Ids#wrap}), never cut in the middle. Stateless.
 */
public final class CostTable {

    /** The width tables are fitted to when none is given. */
    public static final int DEFAULT_WIDTH = 80;
    /** Model ids are never shortened below this. */
    static final int MIN_ID = 16;
    static final int GAP = 2;

    private CostTable() {
    }

    public static String render(List<CallRecord> calls) {
        return render(calls, DEFAULT_WIDTH);
    }

    /** The ledger fitted to {@code width} columns. */
    public static String render(List<CallRecord> calls, int width) {
        List<String[]> main = new ArrayList<>();
        main.add(new String[] {"role", "model", "status", "in", "out", "cost", "latency"});
        List<String[]> extra = new ArrayList<>();
        extra.add(new String[] {"cache r/w", "reason", "tries", "note"});
        boolean[] used = new boolean[4];
        for (CallRecord c : calls) {
            var u = c.usage();
            main.add(new String[] {c.role().wireName(), c.memberId(), c.status().wireName(), Long.toString(u.input()),
                    Long.toString(u.output()), c.cost().usd().map(Money::usd).orElse("unpriced")
                            + (c.cost().reportedUsd() != null && c.cost().computedUsd() != null
                            ? " (rep " + Money.usd(c.cost().reportedUsd()) + ")" : ""),
                    c.latency().toMillis() + "ms"});
            String[] e = {u.cacheRead() + "/" + u.cacheWrite(), Long.toString(u.reasoning()), Integer.toString(c.attempts()),
                    c.error() == null ? "" : abbreviate(c.error().toString(), 60)};
            used[0] |= u.cacheRead() + u.cacheWrite() > 0;
            used[1] |= u.reasoning() > 0;
            used[2] |= c.attempts() > 1;
            used[3] |= c.error() != null;
            extra.add(e);
        }
        // Try every used extra column inline; if the row is too wide even with the shortest ids,
        // the extras go to a line of their own under each row that has any.
        List<Integer> inline = new ArrayList<>();
        for (int i = 0; i < used.length; i++) {
            if (used[i]) {
                inline.add(i);
            }
        }
        List<String[]> rows = join(main, extra, inline);
        if (fitIds(rows, 1, width) == null) {
            rows = join(main, extra, List.of());
            String[][] fitted = fitIds(rows, 1, width);
            return withDetails(fitted != null ? fitted : rows.toArray(String[][]::new), extra, used, width);
        }
        return table(java.util.Arrays.asList(fitIds(rows, 1, width)));
    }

    private static List<String[]> join(List<String[]> main, List<String[]> extra, List<Integer> cols) {
        List<String[]> out = new ArrayList<>();
        for (int r = 0; r < main.size(); r++) {
            String[] row = new String[main.get(r).length + cols.size()];
            System.arraycopy(main.get(r), 0, row, 0, main.get(r).length);
            for (int i = 0; i < cols.size(); i++) {
                row[main.get(r).length + i] = extra.get(r)[cols.get(i)];
            }
            out.add(row);
        }
        return out;
    }

    /**
     * The rows with column {@code col}'s ids wrapped ({@link Ids#wrap}) just enough for the table to fit
     * {@code width}, or null when it cannot fit with an id column of {@link #MIN_ID} characters.
     */
    public static String[][] fitIds(List<String[]> rows, int col, int width) {
        int[] w = widths(rows);
        int total = 0;
        for (int x : w) {
            total += x;
        }
        total += GAP * (w.length - 1);
        int over = total - width;
        String[][] out = rows.stream().map(String[]::clone).toArray(String[][]::new);
        if (over <= 0) {
            return out;
        }
        int max = w[col] - over;
        if (max < Math.max(MIN_ID, rows.get(0)[col].length())) {
            return null;
        }
        for (int r = 1; r < out.length; r++) {
            out[r][col] = Ids.wrap(out[r][col], max);
        }
        return out;
    }

    private static String withDetails(String[][] rows, List<String[]> extra, boolean[] used, int width) {
        String[] names = extra.get(0);
        StringBuilder sb = new StringBuilder();
        String[] lines = table(java.util.Arrays.asList(rows)).split("\n");
        sb.append(lines[0]).append('\n');
        int at = 1;
        for (int r = 1; r < rows.length; r++) {
            for (int k = 0; k < height(rows[r]) && at < lines.length; k++) {
                sb.append(lines[at++]).append('\n');   // a wrapped id takes more than one line
            }
            StringBuilder d = new StringBuilder();
            String[] e = extra.get(r);
            for (int i = 0; i < names.length; i++) {
                boolean trivial = i == 0 ? e[0].equals("0/0") : i == 1 ? e[1].equals("0") : i == 2 ? e[2].equals("1") : e[3].isEmpty();
                if (used[i] && !trivial) {
                    d.append(d.length() == 0 ? "" : ", ").append(names[i]).append(' ').append(e[i]);
                }
            }
            if (d.length() > 0) {
                sb.append(abbreviate("       " + d, width)).append('\n');
            }
        }
        return sb.toString();
    }

    /** How many lines a row takes: its tallest cell. */
    private static int height(String[] row) {
        int h = 1;
        for (String c : row) {
            h = Math.max(h, c.split("\n", -1).length);
        }
        return h;
    }

    public static String render(FusionResult r) {
        return render(r, DEFAULT_WIDTH);
    }

    /** The ledger and totals of a result, fitted to {@code width} columns. */
    public static String render(FusionResult r, int width) {
        StringBuilder sb = new StringBuilder(render(r.calls(), width));
        sb.append("total ").append(Money.usd(r.totalCostUsd()));
        if (!r.costComplete()) {
            // Unpriced calls have no figure at all; estimated (cut-off) and unknown-usage calls are in
            // the total at a lower bound or not at all: say which, never a silent "+ 0".
            long unpriced = r.unpricedCalls();
            long incomplete = r.incompletelyCosted().size() - unpriced;
            if (unpriced > 0) {
                sb.append(" + ").append(unpriced).append(" unpriced call(s)");
            }
            if (incomplete > 0) {
                sb.append(" (at least; ").append(incomplete).append(" call(s) estimated or without usage)");
            }
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
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static int[] widths(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                for (String part : r[i].split("\n", -1)) {
                    w[i] = Math.max(w[i], part.length());
                }
            }
        }
        return w;
    }

    /**
     * Left-aligned columns separated by two spaces. A cell holding line breaks (a wrapped id) takes as many
     * lines as it has, the other cells of its row blank on the extra lines.
     */
    public static String table(List<String[]> rows) {
        return String.join("", rowTexts(rows));
    }

    /**
     * {@link #table} row by row: the text of each row (header first), one or more lines each ending in a line
     * break, so a caller can put lines of its own under a row.
     */
    public static List<String> rowTexts(List<String[]> rows) {
        List<String> out = new ArrayList<>();
        int[] w = widths(rows);
        int cols = w.length;
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            String[][] cells = new String[cols][];
            int height = 1;
            for (int i = 0; i < cols; i++) {
                cells[i] = r[i].split("\n", -1);
                height = Math.max(height, cells[i].length);
            }
            for (int k = 0; k < height; k++) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < cols; i++) {
                    String part = k < cells[i].length ? cells[i][k] : "";
                    line.append(part).append(" ".repeat(w[i] - part.length()));
                    if (i < cols - 1) {
                        line.append(" ".repeat(GAP));
                    }
                }
                sb.append(line.toString().stripTrailing()).append('\n');
            }
            out.add(sb.toString());
        }
        return out;
    }
}
