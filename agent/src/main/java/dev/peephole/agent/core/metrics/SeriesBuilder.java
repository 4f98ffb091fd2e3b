package dev.peephole.agent.core.metrics;

import dev.peephole.proto.v1.HistogramPoint;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import java.util.function.Consumer;

/** Small helpers to emit one-point series. */
public final class SeriesBuilder {
    private final Consumer<MetricSeries> sink;
    private final long timeNanos;

    public SeriesBuilder(Consumer<MetricSeries> sink, long timeNanos) {
        this.sink = sink;
        this.timeNanos = timeNanos;
    }

    public void gauge(String name, String unit, String description, double value, String... labels) {
        number(MetricType.METRIC_TYPE_GAUGE, name, unit, description, value, labels);
    }

    public void counter(String name, String unit, String description, double value, String... labels) {
        number(MetricType.METRIC_TYPE_COUNTER, name, unit, description, value, labels);
    }

    private void number(MetricType type, String name, String unit, String description, double value, String... labels) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return;
        }
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit(unit).setDescription(description)
                .setType(type).addPoints(NumberPoint.newBuilder().setTimeUnixNano(timeNanos).setValue(value));
        addLabels(b, labels);
        sink.accept(b.build());
    }

    public void histogram(String name, String unit, String description, double[] bounds, long[] counts, double sum,
                          String... labels) {
        HistogramPoint.Builder p = HistogramPoint.newBuilder().setTimeUnixNano(timeNanos).setSum(sum);
        long total = 0;
        for (double bound : bounds) {
            p.addExplicitBounds(bound);
        }
        for (long c : counts) {
            p.addBucketCounts(c);
            total += c;
        }
        p.setCount(total);
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit(unit).setDescription(description)
                .setType(MetricType.METRIC_TYPE_HISTOGRAM).addHistogramPoints(p);
        addLabels(b, labels);
        sink.accept(b.build());
    }

    private static void addLabels(MetricSeries.Builder b, String... labels) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            if (labels[i + 1] != null) {
                b.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
            }
        }
    }
}
