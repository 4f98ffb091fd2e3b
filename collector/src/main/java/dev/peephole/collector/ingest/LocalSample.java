package dev.peephole.collector.ingest;

import java.util.Map;

/**
 * One sample of a series the collector produces itself (probe results, security event
 * counters, recording rules), in Prometheus form: the metric name and labels as they are
 * queried, a timestamp in Unix milliseconds.
 */
public record LocalSample(String metricName, Map<String, String> labels, long timestampMs, double value) {
}
