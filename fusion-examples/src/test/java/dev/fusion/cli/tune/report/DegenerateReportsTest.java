package dev.fusion.cli.tune.report;

import dev.fusion.cli.tune.report.internal.ChartLayout;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reports at the edges: nothing evaluated, nothing priced, free models, one point, NaN quality. */
class DegenerateReportsTest {

    private static TuneReport report(List<TuneReport.Point> points, String rec, String base) {
        return new TuneReport("t", false, Instant.EPOCH, points, rec, "none met the bar", base, List.of(),
                new TuneReport.Spend(null, null, null, false, 0, 0, 0, false), null);
    }

    @Test
    void noPointsAtAll() {
        TuneReport r = report(List.of(), null, null);
        String page = HtmlReport.render(r);
        assertThat(page).doesNotContain("data-point-id").contains("No configuration is recommended",
                "nothing to compare item by item", "no fragment to copy");
        // Every spend figure unknown: the total is a lower bound, never a plain $0.
        assertThat(page).contains("at least $0.000000", "a lower bound");
        BufferedImage img = ChartPng.render(r);
        assertThat(img.getWidth()).isEqualTo(ChartLayout.WIDTH);
    }

    @Test
    void nothingPricedIsListedNotPlotted() {
        TuneReport r = report(List.of(ReportFixtures.point("a", true, 0.5, null, false),
                ReportFixtures.point("b", false, 0.6, null, false)), null, "a");
        String page = HtmlReport.render(r);
        assertThat(page).doesNotContain("data-point-id").contains("Not plotted, cost unknown",
                "<code>a</code>, <code>b</code>");
        ChartPng.render(r);
    }

    @Test
    void freeAndTinyCostsUseALinearAxisFromZero() {
        TuneReport r = report(List.of(ReportFixtures.point("free", true, 0.5, "0", true),
                ReportFixtures.point("paid", false, 0.9, "0.000003", true)), "paid", "free");
        ChartLayout l = ChartLayout.of(r);
        assertThat(l.logCost()).isFalse();
        assertThat(l.xTicks().get(0).label()).isEqualTo("$0");
        assertThat(l.plotted().get(0).x()).isLessThan(l.plotted().get(1).x());
        assertThat(HtmlReport.render(r)).contains(">$0</td>", ">$0.000003</td>");
        BufferedImage img = ChartPng.render(r);
        for (ChartLayout.Placed p : l.plotted()) {
            assertThat(img.getRGB((int) p.x(), (int) p.y()) & 0xFFFFFF).isEqualTo(p.rgb());
        }
    }

    @Test
    void aWideCostRangeUsesALogAxisWithDecadeTicks() {
        TuneReport r = report(List.of(ReportFixtures.point("a", true, 0.5, "0.000001", true),
                ReportFixtures.point("b", false, 0.9, "12.5", true)), "b", "a");
        ChartLayout l = ChartLayout.of(r);
        assertThat(l.logCost()).isTrue();
        assertThat(l.xTicks()).extracting(ChartLayout.Tick::label)
                .contains("$0.000001", "$0.0001", "$0.01", "$1", "$10");
        assertThat(l.xTitle()).contains("log scale");
    }

    @Test
    void aPointWithoutAFiniteQualityIsNotPlotted() {
        TuneReport r = report(List.of(ReportFixtures.point("a", true, 0.5, "0.001", true),
                new TuneReport.Point("nan", "n", false, Double.NaN, Double.NaN, Double.NaN, new BigDecimal("0.002"),
                        null, false, false)), null, "a");
        String page = HtmlReport.render(r);
        assertThat(page).contains("data-point-id=\"a\"").doesNotContain("data-point-id=\"nan\"")
                .contains("Not plotted, no quality figure: <code>nan</code>");
        ChartPng.render(r);
    }

    @Test
    void pointsOnTheSameSpotGetOneReadableLabelNotAPile() {
        List<TuneReport.Point> same = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            same.add(ReportFixtures.point("s" + i, false, 1.0, "0.002", false));
        }
        same.add(ReportFixtures.point("rec", false, 1.0, "0.002", true));
        TuneReport r = report(same, "rec", null);
        ChartLayout l = ChartLayout.of(r);
        assertThat(l.plotted()).hasSize(13);
        // The recommended one is labelled first; at most one more fits below it; no two labels overlap.
        assertThat(l.plotted().stream().filter(p -> p.label() != null).map(p -> p.point().id()))
                .contains("rec").hasSizeLessThanOrEqualTo(2);
        String svg = HtmlReport.render(r);
        assertThat(svg.split("data-point-id=", -1).length - 1).isEqualTo(13);
    }
}
