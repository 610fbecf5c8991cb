package dev.fusion.cli.tune.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small hand-made reports for the renderer tests. */
final class ReportFixtures {

    static final String HOSTILE = "</script><img src=x onerror=\"document.title='pwned'\"><b>bold</b> & 'q'";

    private ReportFixtures() {
    }

    static TuneReport.Point point(String id, boolean single, double q, String cost, boolean front) {
        return new TuneReport.Point(id, id + " label", single, q, q - 0.05, q + 0.05,
                cost == null ? null : new BigDecimal(cost), 1000L, front, false);
    }

    /** Four priced points (two single, two fusions), one unpriced; c3 recommended, c2 the baseline. */
    static TuneReport small(boolean sandbox, List<TuneReport.ItemRow> items, TuneReport.Spend spend) {
        List<TuneReport.Point> pts = List.of(
                point("c1", true, 0.55, "0.0001", true),
                point("c2", true, 0.80, "0.0100", true),
                point("c3", false, 0.79, "0.0020", true),
                point("c4", false, 0.60, "0.0050", false),
                point("c5", false, 0.70, null, false));
        return new TuneReport("data.jsonl", sandbox, Instant.parse("2026-12-07T21:00:00Z"), pts, "c3",
                "c3 is within 0.02 of c2 at a fifth of the cost.", "c2", items, spend,
                "panel:\n  - a\n  - b\njudge: j\n");
    }

    static TuneReport.Spend spend() {
        return new TuneReport.Spend(new BigDecimal("0.041230"), new BigDecimal("0.118400"), BigDecimal.ZERO, true,
                80, 20, 220, false);
    }

    /** n items; item i: c3 beats c2 when i % 3 == 0, loses when i % 3 == 1, ties otherwise. */
    static List<TuneReport.ItemRow> items(int n) {
        List<TuneReport.ItemRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double c2 = 0.5;
            double c3 = i % 3 == 0 ? 1.0 : i % 3 == 1 ? 0.0 : 0.5;
            rows.add(new TuneReport.ItemRow("i" + i, "prompt " + i, Map.of("c1", 0.5, "c2", c2, "c3", c3)));
        }
        return rows;
    }
}
