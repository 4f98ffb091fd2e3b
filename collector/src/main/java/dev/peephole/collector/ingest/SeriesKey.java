package dev.peephole.collector.ingest;

/**
 * A series as stored: the Prometheus metric name and its labels as canonical JSON
 * (keys sorted, no {@code __name__}), which is also the value of {@code metric_series.labels}.
 */
public record SeriesKey(String metricName, String labelsJson) {
}
