package dev.peephole.collector.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.peephole.collector.export.AgentSpans;
import dev.peephole.collector.export.SpanForwarder;
import dev.peephole.collector.storage.PgBinaryCopy;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.HistogramPoint;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns an agent's protobuf batch into rows: Prometheus series names and labels, span
 * rows encoded for COPY. Refuses what breaks the protocol (InvalidBatchException) and
 * counts, without storing, what is only out of bounds (timestamps far from now).
 */
@Singleton
public class BatchPreparer {

    /** The columns of {@code spans} in the order {@link #prepare} encodes them. */
    public static final String SPAN_COLUMNS = "spans (trace_id, span_id, parent_span_id, service_name, operation, kind, "
            + "start_time, duration_ns, status_code, status_message, attributes, events, agent_id, host_name)";

    private static final JsonFactory JSON = new JsonFactory();

    private final IngestLimits limits;
    private final IngestStats stats;

    /**
     * A gauge or counter series as an agent sends it, batch after batch. The Prometheus
     * name, canonical labels JSON and metadata of each are worked out once and remembered:
     * agents send one point per series per export, so this is the per-point cost of ingest.
     */
    private record SeriesIdentity(AgentIdentity agent, String name, String unit, int type, String description,
                                  List<Label> labels) {
    }

    private record SeriesNames(SeriesKey key, PreparedBatch.MetricMetadata metadata) {
    }

    private static final int MAX_CACHED_SERIES = 200_000;
    private final java.util.concurrent.ConcurrentHashMap<SeriesIdentity, SeriesNames> seriesNames =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final SpanForwarder forwarder;

    public BatchPreparer(IngestLimits limits, IngestStats stats, SpanForwarder forwarder) {
        this.limits = limits;
        this.stats = stats;
        this.forwarder = forwarder;
    }

    /** The resource an agent's spans are forwarded with over OTLP, or null when they are not forwarded. */
    public AgentSpans.AgentResource exportResourceOf(dev.peephole.proto.v1.Hello hello) {
        return forwarder.resourceOf(hello);
    }

    public PreparedBatch prepare(AgentIdentity agent, Batch batch, long nowNanos) throws InvalidBatchException {
        return prepare(agent, batch, nowNanos, null);
    }

    /**
     * As {@link #prepare(AgentIdentity, Batch, long)}; with an {@code exportResource} (spans are
     * forwarded over OTLP) the batch also carries its accepted spans for the forwarder.
     */
    public PreparedBatch prepare(AgentIdentity agent, Batch batch, long nowNanos,
                                 AgentSpans.AgentResource exportResource) throws InvalidBatchException {
        if (batch.getSequence() == 0) {
            throw new InvalidBatchException("batch sequence must start at 1");
        }
        long minTime = nowNanos - limits.maxTimeSkewNanos();
        long maxTime = nowNanos + limits.maxTimeSkewNanos();
        List<String> reasons = new ArrayList<>();

        List<PreparedBatch.SeriesPoints> points = new ArrayList<>();
        Map<String, PreparedBatch.MetricMetadata> metadata = new HashMap<>();
        int rejectedPoints = 0;
        for (MetricSeries m : batch.getMetricsList()) {
            rejectedPoints += prepareMetric(agent, m, minTime, maxTime, points, metadata);
        }
        if (rejectedPoints > 0) {
            stats.pointsRejectedTime.add(rejectedPoints);
            reasons.add(rejectedPoints + " points with timestamps more than "
                    + limits.maxTimeSkewNanos() / 3_600_000_000_000L + " h from now");
        }

        PgBinaryCopy spanRows = new PgBinaryCopy(batch.getSpansCount() * 256);
        java.util.Set<PreparedBatch.SpanOperation> operations = new java.util.HashSet<>();
        int rejectedSpans = 0;
        PgBinaryCopy securityEvents = null;
        Map<SecurityEventMapping.TotalKey, Integer> securityCounts = Map.of();
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        List<Span> exportSpans = exportResource == null ? null : new ArrayList<>(batch.getSpansCount());
        for (Span s : batch.getSpansList()) {
            validateSpan(s);
            if (s.getStartTimeUnixNano() < minTime || s.getStartTimeUnixNano() > maxTime) {
                rejectedSpans++;
                continue;
            }
            operations.add(new PreparedBatch.SpanOperation(agent.serviceName(), PgBinaryCopy.withoutNul(s.getName()),
                    s.getKindValue()));
            spanRows.startRow(14)
                    .bytea(s.getTraceId().toByteArray())
                    .bytea(s.getSpanId().toByteArray())
                    .bytea(s.getParentSpanId().isEmpty() ? null : s.getParentSpanId().toByteArray())
                    .text(agent.serviceName())
                    .text(s.getName())
                    .int2(s.getKindValue())
                    .timestampFromUnixNanos(s.getStartTimeUnixNano())
                    .int8(s.getEndTimeUnixNano() - s.getStartTimeUnixNano())
                    .int2(s.getStatusCodeValue())
                    .text(s.getStatusMessage())
                    .jsonb(attributesJson(s.getAttributesList(), json))
                    .jsonb(s.getEventsCount() == 0 ? null : eventsJson(s.getEventsList(), json))
                    .text(agent.agentId())
                    .text(agent.hostName());
            if (exportSpans != null) {
                exportSpans.add(s);
            }
            String securityKind = SecurityEventMapping.kindOf(s);
            if (securityKind != null) {
                if (securityEvents == null) {
                    securityEvents = new PgBinaryCopy(1024);
                    securityCounts = new HashMap<>();
                }
                SecurityEventMapping.appendRow(securityEvents, agent, s, securityKind);
                securityCounts.merge(new SecurityEventMapping.TotalKey(agent.agentId(), securityKind,
                        agent.serviceName(), agent.hostName()), 1, Integer::sum);
            }
        }
        if (rejectedSpans > 0) {
            stats.spansRejectedTime.add(rejectedSpans);
            reasons.add(rejectedSpans + " spans starting more than "
                    + limits.maxTimeSkewNanos() / 3_600_000_000_000L + " h from now");
        }
        return new PreparedBatch(agent.agentId(), agent.sessionId(), batch.getSequence(), points, spanRows,
                spanRows.rows(), metadata, rejectedPoints, rejectedSpans, reasons, operations, securityEvents, securityCounts,
                exportSpans == null || exportSpans.isEmpty() ? null : new AgentSpans(exportResource, exportSpans));
    }

    private int prepareMetric(AgentIdentity agent, MetricSeries m, long minTime, long maxTime,
                              List<PreparedBatch.SeriesPoints> out,
                              Map<String, PreparedBatch.MetricMetadata> metadata) throws InvalidBatchException {
        if (m.getName().isBlank()) {
            throw new InvalidBatchException("metric series without a name");
        }
        if (m.getType() == dev.peephole.proto.v1.MetricType.METRIC_TYPE_GAUGE
                || m.getType() == dev.peephole.proto.v1.MetricType.METRIC_TYPE_COUNTER) {
            SeriesIdentity id = new SeriesIdentity(agent, m.getName(), m.getUnit(), m.getTypeValue(),
                    m.getDescription(), m.getLabelsList());
            SeriesNames names = seriesNames.get(id);
            if (names == null) {
                names = names(agent, m);
                if (seriesNames.size() > MAX_CACHED_SERIES) {
                    seriesNames.clear();
                }
                seriesNames.put(id, names);
            }
            metadata.put(names.key().metricName(), names.metadata());
            return numberPoints(m, names.key(), minTime, maxTime, out);
        }
        TreeMap<String, String> labels = labels(agent, m);
        if (m.getType() == dev.peephole.proto.v1.MetricType.METRIC_TYPE_HISTOGRAM) {
            return prepareHistogram(m, labels, minTime, maxTime, out, metadata);
        }
        throw new InvalidBatchException("metric " + m.getName() + " has no type");
    }

    private SeriesNames names(AgentIdentity agent, MetricSeries m) throws InvalidBatchException {
        PrometheusNames.Kind kind = m.getType() == dev.peephole.proto.v1.MetricType.METRIC_TYPE_COUNTER
                ? PrometheusNames.Kind.COUNTER : PrometheusNames.Kind.GAUGE;
        String name = PrometheusNames.metricName(m.getName(), m.getUnit(), kind);
        return new SeriesNames(new SeriesKey(name, labelsJson(labels(agent, m))),
                new PreparedBatch.MetricMetadata(kind == PrometheusNames.Kind.COUNTER ? "counter" : "gauge",
                        PrometheusNames.unitSuffix(m.getUnit(), kind), m.getDescription()));
    }

    private static int numberPoints(MetricSeries m, SeriesKey key, long minTime, long maxTime,
                                    List<PreparedBatch.SeriesPoints> out) {
        int n = m.getPointsCount();
        long[] times = new long[n];
        double[] values = new double[n];
        int kept = 0;
        int rejected = 0;
        for (int i = 0; i < n; i++) {
            NumberPoint p = m.getPoints(i);
            long t = p.getTimeUnixNano();
            if (t < minTime || t > maxTime) {
                rejected++;
                continue;
            }
            times[kept] = t;
            values[kept] = p.getValue();
            kept++;
        }
        if (kept > 0) {
            out.add(new PreparedBatch.SeriesPoints(key, times, values, kept));
        }
        return rejected;
    }

    /** The series' labels in Prometheus form plus the standard ones, sorted. */
    private static TreeMap<String, String> labels(AgentIdentity agent, MetricSeries m) throws InvalidBatchException {
        TreeMap<String, String> labels = new TreeMap<>();
        for (Label l : m.getLabelsList()) {
            String name = PrometheusNames.labelName(l.getName());
            if (name.isEmpty() || name.startsWith("__")) {
                throw new InvalidBatchException("invalid label name '" + l.getName() + "' on " + m.getName());
            }
            if (!l.getValue().isEmpty()) {
                labels.put(name, l.getValue());
            }
        }
        // The standard labels of every series; the agent cannot override them.
        labels.put("service_name", agent.serviceName());
        labels.put("host_name", agent.hostName());
        labels.put("instance", agent.agentId());
        return labels;
    }

    /** A histogram becomes Prometheus' _bucket (cumulative, by le), _sum and _count series. */
    private int prepareHistogram(MetricSeries m, TreeMap<String, String> labels, long minTime, long maxTime,
                                 List<PreparedBatch.SeriesPoints> out,
                                 Map<String, PreparedBatch.MetricMetadata> metadata) throws InvalidBatchException {
        String base = PrometheusNames.metricName(m.getName(), m.getUnit(), PrometheusNames.Kind.HISTOGRAM);
        metadata.put(base, new PreparedBatch.MetricMetadata("histogram",
                PrometheusNames.unitSuffix(m.getUnit(), PrometheusNames.Kind.HISTOGRAM), m.getDescription()));
        List<HistogramPoint> kept = new ArrayList<>();
        int rejected = 0;
        List<Double> bounds = null;
        for (HistogramPoint p : m.getHistogramPointsList()) {
            if (p.getBucketCountsCount() != p.getExplicitBoundsCount() + 1) {
                throw new InvalidBatchException("histogram " + m.getName() + ": bucket_counts must have one more entry than explicit_bounds");
            }
            if (bounds == null) {
                bounds = p.getExplicitBoundsList();
                for (int i = 1; i < bounds.size(); i++) {
                    if (!(bounds.get(i) > bounds.get(i - 1))) {
                        throw new InvalidBatchException("histogram " + m.getName() + ": explicit_bounds must ascend");
                    }
                }
            } else if (!bounds.equals(p.getExplicitBoundsList())) {
                throw new InvalidBatchException("histogram " + m.getName() + ": bounds change within one series");
            }
            if (p.getTimeUnixNano() < minTime || p.getTimeUnixNano() > maxTime) {
                rejected += p.getBucketCountsCount() + 2;
                continue;
            }
            kept.add(p);
        }
        if (kept.isEmpty()) {
            return rejected;
        }
        int n = kept.size();
        int buckets = bounds.size() + 1;
        for (int b = 0; b < buckets; b++) {
            TreeMap<String, String> withLe = new TreeMap<>(labels);
            withLe.put("le", b < bounds.size() ? formatLe(bounds.get(b)) : "+Inf");
            long[] times = new long[n];
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                HistogramPoint p = kept.get(i);
                long cumulative = 0;
                for (int j = 0; j <= b; j++) {
                    cumulative += p.getBucketCounts(j);
                }
                times[i] = p.getTimeUnixNano();
                values[i] = cumulative;
            }
            out.add(new PreparedBatch.SeriesPoints(new SeriesKey(base + "_bucket", labelsJson(withLe)), times, values, n));
        }
        String plain = labelsJson(labels);
        long[] times = new long[n];
        double[] sums = new double[n];
        double[] counts = new double[n];
        for (int i = 0; i < n; i++) {
            times[i] = kept.get(i).getTimeUnixNano();
            sums[i] = kept.get(i).getSum();
            counts[i] = kept.get(i).getCount();
        }
        out.add(new PreparedBatch.SeriesPoints(new SeriesKey(base + "_sum", plain), times, sums, n));
        out.add(new PreparedBatch.SeriesPoints(new SeriesKey(base + "_count", plain), times.clone(), counts, n));
        return rejected;
    }

    /** Bucket bounds as Prometheus clients write them: 0.005, 1, 2.5, 10 (no trailing .0). */
    static String formatLe(double bound) {
        if (Double.isInfinite(bound)) {
            return bound > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
    }

    private static void validateSpan(Span s) throws InvalidBatchException {
        if (s.getTraceId().size() != 16) {
            throw new InvalidBatchException("span trace_id must be 16 bytes, got " + s.getTraceId().size());
        }
        if (s.getSpanId().size() != 8) {
            throw new InvalidBatchException("span span_id must be 8 bytes, got " + s.getSpanId().size());
        }
        if (!s.getParentSpanId().isEmpty() && s.getParentSpanId().size() != 8) {
            throw new InvalidBatchException("span parent_span_id must be empty or 8 bytes");
        }
        if (s.getName().isEmpty()) {
            throw new InvalidBatchException("span without a name");
        }
        if (s.getEndTimeUnixNano() < s.getStartTimeUnixNano()) {
            throw new InvalidBatchException("span " + s.getName() + " ends before it starts");
        }
    }

    /** Canonical labels JSON: keys sorted (the TreeMap's order), the form stored in metric_series.labels. */
    static String labelsJson(TreeMap<String, String> labels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : labels.entrySet()) {
                g.writeStringField(PgBinaryCopy.withoutNul(e.getKey()), PgBinaryCopy.withoutNul(e.getValue()));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] attributesJson(List<KeyValue> attributes, ByteArrayOutputStream out) {
        out.reset();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeAttributes(g, attributes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] eventsJson(List<SpanEvent> events, ByteArrayOutputStream out) {
        out.reset();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (SpanEvent e : events) {
                g.writeStartObject();
                g.writeNumberField("timeUnixNano", e.getTimeUnixNano());
                g.writeStringField("name", PgBinaryCopy.withoutNul(e.getName()));
                g.writeFieldName("attributes");
                writeAttributes(g, e.getAttributesList());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeAttributes(JsonGenerator g, List<KeyValue> attributes) throws IOException {
        g.writeStartObject();
        for (KeyValue kv : attributes) {
            g.writeFieldName(PgBinaryCopy.withoutNul(kv.getKey()));
            AnyValue v = kv.getValue();
            switch (v.getValueCase()) {
                case STRING_VALUE -> g.writeString(PgBinaryCopy.withoutNul(v.getStringValue()));
                case BOOL_VALUE -> g.writeBoolean(v.getBoolValue());
                case INT_VALUE -> g.writeNumber(v.getIntValue());
                case DOUBLE_VALUE -> {
                    double d = v.getDoubleValue();
                    // JSON has no NaN or infinity: keep them as strings rather than lose the attribute.
                    if (Double.isFinite(d)) {
                        g.writeNumber(d);
                    } else {
                        g.writeString(Double.toString(d));
                    }
                }
                default -> g.writeNull();
            }
        }
        g.writeEndObject();
    }
}
