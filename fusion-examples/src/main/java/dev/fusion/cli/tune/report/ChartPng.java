package dev.fusion.cli.tune.report;

import dev.fusion.cli.tune.report.internal.AtomicFile;
import dev.fusion.cli.tune.report.internal.ChartLayout;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes the quality-vs-cost chart of a {@link TuneReport} as a PNG ({@value ChartLayout#WIDTH} &times;
 * {@value ChartLayout#HEIGHT} px), the same chart the HTML page shows, for terminals and CI logs. Drawn with
 * java.awt into an in-memory image, so it works in a headless JVM (no display needed). A sandbox report's
 * chart carries the note that its models are fictional.
 *
 * <p>Stateless and thread-safe.
 */
public final class ChartPng {

    private ChartPng() {
    }

    /**
     * Writes the PNG to {@code file} (replacing it; written beside it and moved into place).
     *
     * @throws IOException when the file cannot be written
     */
    public static void write(TuneReport report, Path file) throws IOException {
        Objects.requireNonNull(report, "report");
        BufferedImage img = render(report);
        AtomicFile.write(file, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JVM");
            }
        });
    }

    /** The chart as an image (what {@link #write} encodes). */
    public static BufferedImage render(TuneReport report) {
        ChartLayout l = ChartLayout.of(report);
        BufferedImage img = new BufferedImage(l.width(), l.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, l.width(), l.height());
            g.setStroke(new BasicStroke(1f));
            for (ChartLayout.Tick t : l.yTicks()) {
                line(g, l.plotLeft(), t.at(), l.plotRight(), t.at(), ChartLayout.GRID_RGB);
            }
            for (ChartLayout.Tick t : l.xTicks()) {
                line(g, t.at(), l.plotTop(), t.at(), l.plotBottom(), ChartLayout.GRID_RGB);
            }
            line(g, l.plotLeft(), l.plotBottom(), l.plotRight(), l.plotBottom(), ChartLayout.AXIS_RGB);
            line(g, l.plotLeft(), l.plotTop(), l.plotLeft(), l.plotBottom(), ChartLayout.AXIS_RGB);

            if (l.frontier().size() >= 2) {
                Path2D.Double path = new Path2D.Double();
                boolean first = true;
                for (double[] p : l.frontier()) {
                    if (first) {
                        path.moveTo(p[0], p[1]);
                        first = false;
                    } else {
                        path.lineTo(p[0], p[1]);
                    }
                }
                g.setColor(new Color(ChartLayout.FRONTIER_RGB));
                g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {6f, 4f}, 0f));
                g.draw(path);
            }
            g.setStroke(new BasicStroke(1.5f));
            for (ChartLayout.Placed p : l.plotted()) {
                line(g, p.x(), p.yCiLow(), p.x(), p.yCiHigh(), ChartLayout.ERROR_BAR_RGB);
                line(g, p.x() - 4, p.yCiLow(), p.x() + 4, p.yCiLow(), ChartLayout.ERROR_BAR_RGB);
                line(g, p.x() - 4, p.yCiHigh(), p.x() + 4, p.yCiHigh(), ChartLayout.ERROR_BAR_RGB);
            }
            text(g, l);
            for (ChartLayout.Placed p : l.plotted()) {
                double r = p.recommended() ? ChartLayout.RECOMMENDED_RADIUS : ChartLayout.RADIUS;
                g.setColor(new Color(p.rgb()));
                if (p.recommended()) {
                    g.setStroke(new BasicStroke(2f));
                    g.draw(new Ellipse2D.Double(p.x() - r - 4, p.y() - r - 4, 2 * (r + 4), 2 * (r + 4)));
                }
                if (p.point().singleModel() && !p.recommended()) {
                    g.fill(new Rectangle2D.Double(p.x() - r, p.y() - r, 2 * r, 2 * r));
                } else {
                    g.fill(new Ellipse2D.Double(p.x() - r, p.y() - r, 2 * r, 2 * r));
                }
            }
            legendAndNote(g, l);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Tick labels, axis titles and point ids (under the marks); skipped when this JVM has no usable font. */
    private static void text(Graphics2D g, ChartLayout l) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(small);
            g.setColor(new Color(ChartLayout.AXIS_RGB));
            FontMetrics fm = g.getFontMetrics();
            for (ChartLayout.Tick t : l.yTicks()) {
                g.drawString(t.label(), (float) (l.plotLeft() - 8 - fm.stringWidth(t.label())), (float) (t.at() + 4));
            }
            for (ChartLayout.Tick t : l.xTicks()) {
                g.drawString(t.label(), (float) (t.at() - fm.stringWidth(t.label()) / 2.0), (float) (l.plotBottom() + 18));
            }
            g.setFont(small.deriveFont(13f));
            fm = g.getFontMetrics();
            String xt = l.xTitle();
            g.drawString(xt, (float) ((l.plotLeft() + l.plotRight()) / 2 - fm.stringWidth(xt) / 2.0),
                    (float) (l.height() - 12));
            String yt = "quality (mean over items, 95% CI)";
            Graphics2D r = (Graphics2D) g.create();
            try {
                double midY = (l.plotTop() + l.plotBottom()) / 2;
                r.rotate(-Math.PI / 2, 18, midY);
                r.drawString(yt, (float) (18 - fm.stringWidth(yt) / 2.0), (float) midY);
            } finally {
                r.dispose();
            }
            g.setFont(small.deriveFont(11f));
            for (ChartLayout.Placed p : l.plotted()) {
                if (p.label() != null) {
                    g.drawString(p.label(), (float) p.labelX(), (float) p.labelY());
                }
            }
        } catch (RuntimeException | LinkageError noFonts) {
            // A JVM without fonts (a bare container) still gets the marks, axes and frontier.
        }
    }

    /** The legend and the sandbox note, over everything else. */
    private static void legendAndNote(Graphics2D g, ChartLayout l) {
        try {
            legend(g, l);
            if (l.sandbox()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
                g.setColor(new Color(ChartLayout.SANDBOX_RGB));
                g.drawString(ChartLayout.sandboxNote(), (float) l.plotLeft(), 22f);
            }
        } catch (RuntimeException | LinkageError noFonts) {
            // as above: the marks are drawn already
        }
    }

    private static void legend(Graphics2D g, ChartLayout l) {
        double x = l.plotRight() - 190;
        double y = l.plotBottom() - 78;
        g.setColor(Color.WHITE);
        g.fill(new Rectangle2D.Double(x - 8, y - 14, 196, 80));
        g.setColor(new Color(ChartLayout.GRID_RGB));
        g.setStroke(new BasicStroke(1f));
        g.draw(new Rectangle2D.Double(x - 8, y - 14, 196, 80));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(ChartLayout.FUSION_RGB));
        g.fill(new Ellipse2D.Double(x + 1, y - 8, 8, 8));
        g.setColor(new Color(ChartLayout.SINGLE_RGB));
        g.fill(new Rectangle2D.Double(x + 1, y + 10, 8, 8));
        g.setColor(new Color(ChartLayout.RECOMMENDED_RGB));
        g.fill(new Ellipse2D.Double(x, y + 27, 10, 10));
        g.setColor(new Color(ChartLayout.FRONTIER_RGB));
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        g.draw(new Line2D.Double(x - 2, y + 50, x + 12, y + 50));
        g.setColor(new Color(ChartLayout.AXIS_RGB));
        g.drawString("fusion (panel + judge)", (float) (x + 16), (float) y);
        g.drawString("single model", (float) (x + 16), (float) (y + 18));
        g.drawString("recommended", (float) (x + 16), (float) (y + 36));
        g.drawString("Pareto frontier", (float) (x + 16), (float) (y + 54));
    }

    private static void line(Graphics2D g, double x1, double y1, double x2, double y2, int rgb) {
        g.setColor(new Color(rgb));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }
}
