package dev.peephole.collector.reports;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.Map;
import java.util.TimeZone;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.time.Millisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/** A report's charts as PNG images, drawn by JFreeChart on a headless AWT. */
public final class ReportCharts {

    public static final int WIDTH = 720;
    public static final int HEIGHT = 280;
    private static final Color[] COLORS = {new Color(0x2563eb), new Color(0xdc2626), new Color(0x16a34a), new Color(0x9333ea)};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ReportCharts() {
    }

    /** The chart as a PNG of {@link #WIDTH} x {@link #HEIGHT}; "no data" written on it when it has no point. */
    public static byte[] png(ReportBuilder.ChartData data, TimeZone zone) {
        TimeSeriesCollection dataset = new TimeSeriesCollection(zone);
        for (Map.Entry<String, double[]> e : data.series().entrySet()) {
            TimeSeries s = new TimeSeries(e.getKey());
            double[] v = e.getValue();
            boolean any = false;
            for (int i = 0; i < v.length; i++) {
                // a step without data is a gap in the line, not a point
                s.addOrUpdate(new Millisecond(new Date(data.times()[i]), zone, java.util.Locale.ROOT),
                        Double.isNaN(v[i]) ? null : v[i]);
                any |= !Double.isNaN(v[i]);
            }
            if (any) {
                dataset.addSeries(s);
            }
        }
        JFreeChart chart = ChartFactory.createTimeSeriesChart(data.title(), null, data.yLabel(), dataset,
                dataset.getSeriesCount() > 1, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xe5e7eb));
        plot.setRangeGridlinePaint(new Color(0xe5e7eb));
        plot.setNoDataMessage("no data");
        ((DateAxis) plot.getDomainAxis()).setTimeZone(zone);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < dataset.getSeriesCount(); i++) {
            r.setSeriesPaint(i, COLORS[i % COLORS.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        BufferedImage img = chart.createBufferedImage(WIDTH, HEIGHT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
