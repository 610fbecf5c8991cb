package dev.fusion.cli.tune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.cli.tune.report.internal.ChartLayout;
import dev.fusion.cli.tune.report.internal.DemoReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The HTML report in a real headless Chromium from the OS packages: the page loads with a clean console,
 * the chart has one mark per priced configuration, and a screenshot shows each mark in its colour where the
 * browser laid it out. Runs in CI (where .ci/chromium.sh installs Chromium); skipped locally only when
 * Chromium is absent and the CI variable is not set.
 */
class HtmlReportInChromiumTest {

    private static final int VIEW_W = 1200;
    private static final int VIEW_H = 1500;

    @TempDir
    static Path tmp;

    private static HeadlessChromium chromium;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        Path bin = HeadlessChromium.find();
        if (bin == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank()) {
                fail("CI is set but Chromium is missing (looked for $CHROMIUM, /usr/bin/chromium, "
                        + "/usr/bin/chromium-browser): run .ci/chromium.sh, or apt-get install -y chromium");
            }
            assumeTrue(false, "Chromium not installed (apt-get install -y chromium); CI is not set, so skipping");
        }
        chromium = new HeadlessChromium(bin, Files.createDirectory(tmp.resolve("profile")));
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
    }

    /** A loaded page in its own tab, with every console error, exception and error log entry collected. */
    private final class Tab {
        final String sessionId;
        final List<String> errors = new CopyOnWriteArrayList<>();

        Tab(Path file) throws Exception {
            String targetId = chromium.call(null, "Target.createTarget", Map.of("url", "about:blank"))
                    .get("targetId").asText();
            sessionId = chromium.call(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true))
                    .get("sessionId").asText();
            CompletableFuture<Void> loaded = new CompletableFuture<>();
            chromium.onEvent(ev -> {
                if (!sessionId.equals(ev.path("sessionId").asText())) {
                    return;
                }
                String method = ev.path("method").asText();
                JsonNode p = ev.path("params");
                switch (method) {
                    case "Page.loadEventFired" -> loaded.complete(null);
                    case "Runtime.consoleAPICalled" -> {
                        String type = p.path("type").asText();
                        if (type.equals("error") || type.equals("assert")) {
                            errors.add("console." + type + ": " + p.path("args"));
                        }
                    }
                    case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
                    case "Log.entryAdded" -> {
                        if (p.path("entry").path("level").asText().equals("error")) {
                            errors.add("log: " + p.path("entry"));
                        }
                    }
                    default -> {
                    }
                }
            });
            call("Runtime.enable", Map.of());
            call("Log.enable", Map.of());
            call("Page.enable", Map.of());
            call("Emulation.setDeviceMetricsOverride",
                    Map.of("width", VIEW_W, "height", VIEW_H, "deviceScaleFactor", 1, "mobile", false));
            JsonNode nav = call("Page.navigate", Map.of("url", file.toUri().toString()));
            assertThat(nav.has("errorText")).as("navigation error %s", nav).isFalse();
            loaded.get(120, TimeUnit.SECONDS);
            // A round trip after the load: every event the page raised while loading has been delivered.
            eval("1");
        }

        JsonNode call(String method, Map<String, ?> params) throws Exception {
            return chromium.call(sessionId, method, params);
        }

        /** Evaluates an expression that returns a JSON string and parses it. */
        JsonNode evalJson(String expression) throws Exception {
            return json.readTree(eval(expression).asText());
        }

        JsonNode eval(String expression) throws Exception {
            JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
            assertThat(r.has("exceptionDetails")).as("evaluating %s: %s", expression, r).isFalse();
            return r.path("result").path("value");
        }

        BufferedImage screenshot() throws Exception {
            String data = call("Page.captureScreenshot", Map.of("format", "png")).get("data").asText();
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data)));
        }
    }

    private static final String MARKS = """
            JSON.stringify({
              chart: (() => { const r = document.querySelector('svg.chart').getBoundingClientRect();
                              return {x: r.x, y: r.y, w: r.width, h: r.height}; })(),
              points: [...document.querySelectorAll('svg.chart [data-point-id]')].map(g => {
                const m = g.querySelector('rect, circle:not([fill="none"])');
                const r = m.getBoundingClientRect();
                return {id: g.dataset.pointId, kind: g.dataset.kind, rec: g.dataset.recommended === 'true',
                        x: r.x + r.width / 2, y: r.y + r.height / 2, fill: m.getAttribute('fill')};
              }),
              images: document.images.length,
              scripts: document.scripts.length,
              title: document.title,
              sandboxBanner: !!document.querySelector('.sandbox-banner'),
              prompts: [...document.querySelectorAll('td.prompt')].map(td => td.textContent)
            })""";

    @Test
    void demoReportRendersWithACleanConsoleAndOneMarkPerConfiguration() throws Exception {
        TuneReport report = DemoReport.sample();
        Path file = tmp.resolve("demo.html");
        HtmlReport.write(report, file);
        Tab tab = new Tab(file);

        assertThat(tab.errors).as("console errors\n%s", chromium.output()).isEmpty();
        JsonNode page = tab.evalJson(MARKS);
        List<String> priced = report.points().stream().filter(p -> p.costPerItemUsd() != null)
                .map(TuneReport.Point::id).toList();
        List<String> drawn = new ArrayList<>();
        page.get("points").forEach(p -> drawn.add(p.get("id").asText()));
        assertThat(drawn).containsExactlyElementsOf(priced);
        assertThat(page.get("sandboxBanner").asBoolean()).isTrue();
        assertThat(page.get("scripts").asInt()).isZero();

        // The screenshot shows the chart: each mark's centre, where Chromium laid it out, in the mark's colour.
        BufferedImage shot = tab.screenshot();
        assertThat(shot.getWidth()).isEqualTo(VIEW_W);
        JsonNode chart = page.get("chart");
        assertThat(chart.get("y").asDouble() + chart.get("h").asDouble())
                .as("chart inside the viewport").isLessThanOrEqualTo(VIEW_H);
        int recommended = 0;
        for (JsonNode p : page.get("points")) {
            int expected = p.get("rec").asBoolean() ? ChartLayout.RECOMMENDED_RGB
                    : p.get("kind").asText().equals("single") ? ChartLayout.SINGLE_RGB : ChartLayout.FUSION_RGB;
            assertThat(p.get("fill").asText()).isEqualTo(String.format("#%06x", expected));
            int x = (int) Math.floor(p.get("x").asDouble());
            int y = (int) Math.floor(p.get("y").asDouble());
            assertThat(near(shot.getRGB(x, y), expected)).as("pixel at %s (%d,%d) is %06x, expected %06x",
                    p.get("id"), x, y, shot.getRGB(x, y) & 0xFFFFFF, expected).isTrue();
            recommended += p.get("rec").asBoolean() ? 1 : 0;
        }
        assertThat(recommended).isEqualTo(1);
        // Plenty of the marks' colours inside the chart's box, none of the fusion colour far outside it
        // (the rest of the page uses other colours).
        int cx = (int) chart.get("x").asDouble();
        int cy = (int) chart.get("y").asDouble();
        int inside = count(shot, ChartLayout.FUSION_RGB, cx, cy, (int) chart.get("w").asDouble(),
                (int) chart.get("h").asDouble());
        long fusions = report.points().stream().filter(p -> !p.singleModel() && p.costPerItemUsd() != null).count();
        assertThat(inside).isGreaterThan((int) (fusions - 1) * 40);
        assertThat(count(shot, ChartLayout.FUSION_RGB, 0, cy + (int) chart.get("h").asDouble() + 5, VIEW_W,
                VIEW_H - cy - (int) chart.get("h").asDouble() - 5)).isZero();
    }

    @Test
    void hostilePromptRendersAsTextInTheBrowser() throws Exception {
        List<TuneReport.ItemRow> items = List.of(
                new TuneReport.ItemRow("x1", ReportFixtures.HOSTILE, Map.of("c2", 0.0, "c3", 1.0)));
        TuneReport r = ReportFixtures.small(false, items, ReportFixtures.spend());
        r = new TuneReport("evil " + ReportFixtures.HOSTILE, false, Instant.EPOCH, r.points(), r.recommendedId(),
                ReportFixtures.HOSTILE, r.baselineId(), items, r.spend(), ReportFixtures.HOSTILE);
        Path file = tmp.resolve("hostile.html");
        HtmlReport.write(r, file);
        Tab tab = new Tab(file);

        assertThat(tab.errors).isEmpty();
        JsonNode page = tab.evalJson(MARKS);
        assertThat(page.get("images").asInt()).isZero();
        assertThat(page.get("scripts").asInt()).isZero();
        assertThat(page.get("title").asText()).isEqualTo("fusion tune: evil " + ReportFixtures.HOSTILE);
        assertThat(page.get("prompts").get(0).asText()).isEqualTo(ReportFixtures.HOSTILE);
        assertThat(page.get("points")).hasSize(4);
    }

    @Test
    void aLargeReportStillHasOneMarkPerPricedConfigurationAndCappedItemRows() throws Exception {
        List<TuneReport.Point> points = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String cost = i % 50 == 7 ? null : new java.math.BigDecimal(i + 1).movePointLeft(5).toPlainString();
            points.add(ReportFixtures.point(String.format("p%03d", i), i % 10 == 0, 0.3 + (i % 37) / 100.0, cost,
                    i % 29 == 0));
        }
        List<TuneReport.ItemRow> items = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            items.add(new TuneReport.ItemRow("i" + i, "prompt " + i, Map.of("p000", 0.5, "p001", i % 2 == 0 ? 1.0 : 0.0)));
        }
        TuneReport r = new TuneReport("large", false, Instant.EPOCH, points, "p001", "p001.", "p000", items,
                ReportFixtures.spend(), "panel: [x]\n");
        Path file = tmp.resolve("large.html");
        HtmlReport.write(r, file);
        Tab tab = new Tab(file);

        assertThat(tab.errors).isEmpty();
        JsonNode page = tab.evalJson(MARKS);
        long priced = points.stream().filter(p -> p.costPerItemUsd() != null).count();
        assertThat(priced).isEqualTo(294);
        assertThat(page.get("points")).hasSize((int) priced);
        assertThat(page.get("prompts")).hasSize(HtmlReport.MAX_ITEMS);
    }

    /** The harness itself: a page that logs an error and throws is caught, so a clean result means clean. */
    @Test
    void consoleErrorsAndExceptionsAreCaught() throws Exception {
        Path file = tmp.resolve("broken.html");
        Files.writeString(file, "<!DOCTYPE html><html><body><p>x</p><script>console.error('boom');"
                + "undefinedFunction();</script></body></html>");
        Tab tab = new Tab(file);
        assertThat(tab.errors).anyMatch(e -> e.startsWith("console.error") && e.contains("boom"));
        assertThat(tab.errors).anyMatch(e -> e.startsWith("exception") && e.contains("undefinedFunction"));
    }

    private static boolean near(int argb, int rgb) {
        int d = Math.abs(((argb >> 16) & 0xFF) - ((rgb >> 16) & 0xFF))
                + Math.abs(((argb >> 8) & 0xFF) - ((rgb >> 8) & 0xFF))
                + Math.abs((argb & 0xFF) - (rgb & 0xFF));
        return d <= 12;
    }

    private static int count(BufferedImage img, int rgb, int x0, int y0, int w, int h) {
        int n = 0;
        for (int y = Math.max(0, y0); y < Math.min(img.getHeight(), y0 + h); y++) {
            for (int x = Math.max(0, x0); x < Math.min(img.getWidth(), x0 + w); x++) {
                if (near(img.getRGB(x, y), rgb)) {
                    n++;
                }
            }
        }
        return n;
    }
}
