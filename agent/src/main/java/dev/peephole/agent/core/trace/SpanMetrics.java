package dev.peephole.agent.core.trace;

import dev.peephole.agent.core.metrics.MetricSource;
import dev.peephole.agent.core.metrics.SeriesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * OpenTelemetry's span-metrics, computed in the agent for every span before sampling:
 * {@code traces.span.metrics.calls} (counter) and {@code traces.span.metrics.duration}
 * (explicit-bucket histogram, seconds), labelled {@code span_name}, {@code span_kind},
 * {@code status_code} and a rule's metric labels (the collector adds {@code service_name}).
 * Cumulative since the agent started. The number of series is bounded.
 */
public final class SpanMetrics implements MetricSource {
    static final int MAX_SERIES = 2000;

    private final double[] bounds;
    private final Map<Key, Series> series = new ConcurrentHashMap<>();
    final LongAdder overflow = new LongAdder();

    public SpanMetrics(double[] bounds) {
        this.bounds = bounds.clone();
        Arrays.sort(this.bounds);
    }

    public static double[] parseBounds(String csv) {
        String[] parts = csv.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Double.parseDouble(parts[i].trim());
        }
        return out;
    }

    void record(String spanName, SpanKind kind, StatusCode status, String[] labelNames, String[] labelValues,
                long durationNanos) {
        Series s = series(spanName, kind, status, labelNames, labelValues);
        if (s != null) {
            record(s, durationNanos);
        }
    }

    /** The series of one label combination (null when the series limit is reached), to record into directly. */
    Series series(String spanName, SpanKind kind, StatusCode status, String[] labelNames, String[] labelValues) {
        Key k = new Key(spanName, kind, status, labelNames, labelValues);
        Series s = series.get(k);
        if (s == null) {
            if (series.size() >= MAX_SERIES) {
                overflow.increment();
                return null;
            }
            s = series.computeIfAbsent(k, x -> new Series(bounds.length + 1));
        }
        return s;
    }

    void record(Series s, long durationNanos) {
        double seconds = durationNanos / 1e9;
        int b = Arrays.binarySearch(bounds, seconds);
        int bucket = b >= 0 ? b : -b - 1; // le semantics: a value equal to a bound falls in that bucket
        s.counts.incrementAndGet(bucket);
        s.sum.add(seconds);
    }

    @Override
    public void collect(SeriesBuilder out) {
        for (Map.Entry<Key, Series> e : series.entrySet()) {
            Key k = e.getKey();
            Series s = e.getValue();
            String[] labels = k.labels();
            long[] counts = new long[s.counts.length()];
            long calls = 0;
            for (int i = 0; i < counts.length; i++) {
                counts[i] = s.counts.get(i);
                calls += counts[i];
            }
            // every span falls in exactly one bucket: the calls are the buckets' sum
            out.counter("traces.span.metrics.calls", "{call}", "spans ended, sampled or not", calls, labels);
            out.histogram("traces.span.metrics.duration", "s", "span durations", bounds, counts, s.sum.sum(), labels);
        }
    }

    static final class Series {
        final AtomicLongArray counts;
        final DoubleAdder sum = new DoubleAdder();

        Series(int buckets) {
            counts = new AtomicLongArray(buckets);
        }
    }

    private static final class Key {
        final String name;
        final SpanKind kind;
        final StatusCode status;
        final String[] labelNames;
        final String[] labelValues;
        final int hash;

        Key(String name, SpanKind kind, StatusCode status, String[] labelNames, String[] labelValues) {
            this.name = name;
            this.kind = kind;
            this.status = status;
            boolean none = labelNames == null || labelNames.length == 0;
            this.labelNames = none ? null : labelNames;
            this.labelValues = none ? null : labelValues;
            int h = name.hashCode() * 31 + kind.hashCode();
            h = h * 31 + status.hashCode();
            h = h * 31 + Arrays.hashCode(this.labelNames);
            hash = h * 31 + Arrays.hashCode(this.labelValues);
        }

        String[] labels() {
            int n = labelNames == null ? 0 : labelNames.length;
            String[] out = new String[6 + 2 * n];
            out[0] = "span_name";
            out[1] = name;
            out[2] = "span_kind";
            out[3] = "SPAN_KIND_" + kind.name();
            out[4] = "status_code";
            out[5] = "STATUS_CODE_" + status.name();
            for (int i = 0; i < n; i++) {
                out[6 + 2 * i] = labelNames[i].replace('.', '_');
                out[7 + 2 * i] = labelValues[i];
            }
            return out;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return hash == k.hash && name.equals(k.name) && kind == k.kind && status == k.status
                    && Arrays.equals(labelNames, k.labelNames) && Arrays.equals(labelValues, k.labelValues);
        }
    }
}
