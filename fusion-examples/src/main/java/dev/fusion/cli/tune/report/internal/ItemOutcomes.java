package dev.fusion.cli.tune.report.internal;

import dev.fusion.cli.tune.report.TuneReport;

import java.util.ArrayList;
import java.util.List;

/**
 * Items split by how one configuration fared against another on each: better, worse, equal (within
 * {@link #TIE}), or no result for one of the two. Lists keep data order. Immutable.
 *
 * @param wins    items where the first configuration scored higher
 * @param losses  items where it scored lower
 * @param ties    items where both scored the same
 * @param missing items lacking a (finite) result for one of the two
 */
public record ItemOutcomes(List<TuneReport.ItemRow> wins, List<TuneReport.ItemRow> losses,
                           List<TuneReport.ItemRow> ties, List<TuneReport.ItemRow> missing) {

    /** Quality differences at most this are ties. */
    public static final double TIE = 1e-9;

    /** Compares {@code id} with {@code baselineId} on every item. */
    public static ItemOutcomes of(List<TuneReport.ItemRow> items, String id, String baselineId) {
        List<TuneReport.ItemRow> w = new ArrayList<>();
        List<TuneReport.ItemRow> l = new ArrayList<>();
        List<TuneReport.ItemRow> t = new ArrayList<>();
        List<TuneReport.ItemRow> m = new ArrayList<>();
        for (TuneReport.ItemRow row : items) {
            Double q = row.quality().get(id);
            Double b = row.quality().get(baselineId);
            if (q == null || b == null || !Double.isFinite(q) || !Double.isFinite(b)) {
                m.add(row);
            } else if (q - b > TIE) {
                w.add(row);
            } else if (b - q > TIE) {
                l.add(row);
            } else {
                t.add(row);
            }
        }
        return new ItemOutcomes(List.copyOf(w), List.copyOf(l), List.copyOf(t), List.copyOf(m));
    }
}
