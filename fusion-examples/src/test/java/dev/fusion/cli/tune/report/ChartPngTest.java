package dev.fusion.cli.tune.report;

import dev.fusion.cli.tune.report.internal.ChartLayout;
import dev.fusion.cli.tune.report.internal.DemoReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChartPngTest {

    @TempDir
    Path dir;

    @Test
    void pngReadsBackWithEveryPointInItsColourAtItsPlace() throws Exception {
        TuneReport report = ReportFixtures.small(false, ReportFixtures.items(3), ReportFixtures.spend());
        Path file = dir.resolve("chart.png");
        ChartPng.write(report, file);

        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isEqualTo(ChartLayout.WIDTH);
        assertThat(img.getHeight()).isEqualTo(ChartLayout.HEIGHT);

        ChartLayout layout = ChartLayout.of(report);
        assertThat(layout.plotted()).extracting(p -> p.point().id()).containsExactly("c1", "c2", "c3", "c4");
        for (ChartLayout.Placed p : layout.plotted()) {
            int expected = p.point().id().equals("c3") ? ChartLayout.RECOMMENDED_RGB
                    : p.point().singleModel() ? ChartLayout.SINGLE_RGB : ChartLayout.FUSION_RGB;
            assertThat(rgb(img, p.x(), p.y())).as("centre of %s", p.point().id()).isEqualTo(expected);
            // The mark is a filled shape, not a stray pixel.
            assertThat(rgb(img, p.x() + 2, p.y() + 2)).isEqualTo(expected);
        }
        // Costs increase to the right, quality upwards (canvas y grows downwards).
        List<ChartLayout.Placed> byCost = layout.plotted().stream()
                .sorted(Comparator.comparing(p -> p.point().costPerItemUsd())).toList();
        for (int i = 1; i < byCost.size(); i++) {
            assertThat(byCost.get(i).x()).isGreaterThan(byCost.get(i - 1).x());
        }
        ChartLayout.Placed c1 = layout.plotted().get(0);
        ChartLayout.Placed c2 = layout.plotted().get(1);
        assertThat(c2.y()).isLessThan(c1.y());
        // Background where nothing is drawn: a spot inside the plot, left of every point and off the grid.
        double emptyX = (layout.plotLeft() + c1.x()) / 2 + 0.5;
        assertThat(rgb(img, emptyX, layout.plotTop() + 3)).isEqualTo(0xFFFFFF);
        // A 20x range of costs with positive values: log axis.
        assertThat(layout.logCost()).isTrue();
    }

    @Test
    void sandboxChartCarriesItsNoteAndPlainChartDoesNot() throws Exception {
        BufferedImage sandbox = ChartPng.render(DemoReport.sample());
        BufferedImage plain = ChartPng.render(ReportFixtures.small(false, ReportFixtures.items(1), ReportFixtures.spend()));
        assertThat(countNear(sandbox, ChartLayout.SANDBOX_RGB, 0, 30)).isGreaterThan(200);
        assertThat(countNear(plain, ChartLayout.SANDBOX_RGB, 0, 30)).isZero();
    }

    private static int rgb(BufferedImage img, double x, double y) {
        return img.getRGB((int) Math.floor(x), (int) Math.floor(y)) & 0xFFFFFF;
    }

    private static int countNear(BufferedImage img, int rgb, int y0, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
