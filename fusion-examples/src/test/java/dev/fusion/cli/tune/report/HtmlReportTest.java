package dev.fusion.cli.tune.report;

import dev.fusion.cli.tune.report.internal.DemoReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {

    @TempDir
    Path dir;

    private static int count(String s, String needle) {
        return s.split(Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void writesOneSelfContainedPageWithEveryPart() throws Exception {
        Path file = dir.resolve("out/tune.html");
        HtmlReport.write(ReportFixtures.small(false, ReportFixtures.items(9), ReportFixtures.spend()), file);
        String page = Files.readString(file, StandardCharsets.UTF_8);

        assertThat(page).startsWith("<!DOCTYPE html>");
        // No network at view time: no script, no stylesheet link, no external URL but the SVG namespace.
        assertThat(page).doesNotContain("<script", "<link", "src=\"http", "url(");
        assertThat(page.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://", "https://");
        assertThat(page).contains("Content-Security-Policy", "default-src 'none'");
        // The sections.
        assertThat(page).contains("id=\"chart\"", "id=\"points\"", "id=\"items\"", "id=\"spend\"", "id=\"config\"");
        // Not a sandbox report: no banner.
        assertThat(page).doesNotContain("class=\"sandbox-banner\"", "fictional");
        // The YAML fragment.
        assertThat(page).contains("<pre class=\"yaml\"><code>panel:\n  - a\n  - b\njudge: j\n</code></pre>");
        // Nothing left in the directory but the page (the temporary file was moved into place).
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("tune.html");
        }
    }

    @Test
    void chartHasOnePointPerPricedConfigurationAndListsTheUnpricedOne() {
        String page = HtmlReport.render(ReportFixtures.small(false, ReportFixtures.items(3), ReportFixtures.spend()));
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("data-point-id=\"([^\"]+)\"").matcher(page);
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertThat(ids).containsExactly("c1", "c2", "c3", "c4");
        assertThat(count(page, "data-kind=\"single\"")).isEqualTo(2);
        assertThat(count(page, "data-kind=\"fusion\"")).isEqualTo(2);
        assertThat(count(page, "data-recommended=\"true\"")).isEqualTo(1);
        assertThat(page).contains("data-point-id=\"c3\" data-kind=\"fusion\" data-recommended=\"true\"");
        assertThat(page).contains("Not plotted, cost unknown", "<code>c5</code>");
        // c5's row in the table says unknown, never $0.
        Matcher row = Pattern.compile("<tr><td><code>c5</code>.*?</tr>", Pattern.DOTALL).matcher(page);
        assertThat(row.find()).isTrue();
        assertThat(row.group()).contains(">unknown</td>").doesNotContain("$0");
        // Frontier step line and the costs formatted from the BigDecimals.
        assertThat(page).contains("class=\"frontier\"", ">$0.0001</td>", ">$0.002</td>", ">$0.01</td>");
        // Each mark's tooltip: its configuration, quality with CI, cost and p50 latency.
        assertThat(page).contains("<title>c3: c3 label | quality 0.790 [0.740, 0.840] | $0.002 per item | p50 1000 ms</title>");
    }

    @Test
    void untrustedTextIsEscapedEverywhere() {
        TuneReport.Point p = new TuneReport.Point("c1\"><script>x</script>", ReportFixtures.HOSTILE, true, 0.5, 0.4,
                0.6, new BigDecimal("0.001"), null, true, false);
        TuneReport.Point q = new TuneReport.Point("c2", "fusion " + ReportFixtures.HOSTILE, false, 0.7, 0.6, 0.8,
                new BigDecimal("0.002"), 10L, true, false);
        List<TuneReport.ItemRow> items = List.of(new TuneReport.ItemRow("it<1>", ReportFixtures.HOSTILE,
                Map.of(p.id(), 0.0, "c2", 1.0)));
        TuneReport r = new TuneReport(ReportFixtures.HOSTILE, true, Instant.EPOCH, List.of(p, q), "c2",
                ReportFixtures.HOSTILE, p.id(), items, ReportFixtures.spend(), ReportFixtures.HOSTILE);
        String page = HtmlReport.render(r);

        assertThat(page).doesNotContain("<img", "<script", "<b>bold", "onerror=\"");
        assertThat(page).contains("&lt;/script&gt;&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"
                + "&lt;b&gt;bold&lt;/b&gt; &amp; &#39;q&#39;");
        assertThat(page).contains("data-point-id=\"c1&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"");
        assertThat(page).contains("<code>it&lt;1&gt;</code>");
    }

    @Test
    void perItemWinsLossesAndTiesOfTheRecommendationAgainstTheBaseline() {
        String page = HtmlReport.render(ReportFixtures.small(false, ReportFixtures.items(10), ReportFixtures.spend()));
        // items 0,3,6,9 wins; 1,4,7 losses; 2,5,8 ties.
        assertThat(page).contains("<code>c3</code> beats <code>c2</code> on <strong class=\"win\">4</strong> items, "
                + "loses on <strong class=\"loss\">3</strong>, ties on <strong>3</strong>.");
        assertThat(page).contains("Beats the baseline (4)", "Loses to the baseline (3)", "Ties (3)");
        String wins = page.substring(page.indexOf("<table class=\"items wins\">"), page.indexOf("Loses to the baseline"));
        assertThat(wins).contains("<code>i0</code>", "<code>i3</code>", "<code>i6</code>", "<code>i9</code>")
                .doesNotContain("<code>i1</code>");
    }

    @Test
    void itemRowsAreCappedWithANote() {
        String page = HtmlReport.render(ReportFixtures.small(false, ReportFixtures.items(1200), ReportFixtures.spend()));
        assertThat(count(page, "<td class=\"prompt\">")).isEqualTo(HtmlReport.MAX_ITEMS);
        assertThat(page).contains("Showing 500 of 1200 items; the counts above cover all of them.");
        assertThat(page).contains("on <strong class=\"win\">400</strong> items");
    }

    @Test
    void spendSaysLowerBoundWhenSomethingWasUnpricedAndNeverPrintsUnknownAsZero() {
        TuneReport.Spend s = new TuneReport.Spend(new BigDecimal("0.5"), null, new BigDecimal("0.25"), false, 7, 3, 4,
                true);
        String page = HtmlReport.render(ReportFixtures.small(false, ReportFixtures.items(1), s));
        String spend = page.substring(page.indexOf("id=\"spend\""), page.indexOf("id=\"config\""));
        assertThat(spend).contains("<th>judge calls</th><td class=\"num\">unknown</td>");
        assertThat(spend).contains("at least $0.7500", "a lower bound");
        assertThat(spend).contains("7 sent, 3 from the answer cache", "4 sent", "batch APIs");

        TuneReport.Spend exact = new TuneReport.Spend(new BigDecimal("0.1"), new BigDecimal("0.2"),
                new BigDecimal("0.000001"), true, 1, 0, 1, false);
        String page2 = HtmlReport.render(ReportFixtures.small(false, ReportFixtures.items(1), exact));
        // Summed as BigDecimal: exactly 0.300001, shown at four decimals above a cent.
        assertThat(page2).contains(">$0.3000</td><td>complete: every call was priced")
                .doesNotContain("at least");
        assertThat(page2).contains("interactive calls (no batch)");
    }

    @Test
    void sandboxReportSaysSoOnThePageAndOnTheChart() {
        String page = HtmlReport.render(DemoReport.sample());
        assertThat(page).contains("class=\"sandbox-banner\"", "No figure here is evidence about real models");
        String svg = page.substring(page.indexOf("<svg"), page.indexOf("</svg>"));
        assertThat(svg).contains("class=\"sandbox-note\"", "SANDBOX: fictional models");
        assertThat(page).contains("<title>[sandbox] fusion tune:");
        // The demo has 16 configurations, one unpriced: 15 marks on the chart.
        assertThat(count(svg, "data-point-id=")).isEqualTo(15);
        assertThat(DemoReport.sample().points()).hasSize(16);
        assertThat(DemoReport.sample().items()).hasSize(20);
    }
}
