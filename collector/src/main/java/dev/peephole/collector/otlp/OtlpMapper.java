package dev.peephole.collector.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.ingest.AgentIdentity;
import dev.peephole.collector.ingest.PrometheusNames;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.HistogramPoint;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns OTLP export requests into the agent protocol's batches, one per resource, so OTLP
 * data takes the same prepare-and-commit path as the agent's ({@code BatchPreparer},
 * {@code IngestWriter}). Items Peephole cannot store are left out and counted with a
 * reason (OTLP's partial success); the rest go on.
 *
 * <p>Resource: {@code service.name} (else {@code unknown_service}) is the service,
 * {@code host.name} the host, and {@code service.instance.id} (else the host, else the
 * service) the {@code instance} label / agent id.
 *
 * <p>Metrics: gauges and non-monotonic cumulative sums are gauges, monotonic cumulative
 * sums counters ({@code _total}), cumulative explicit-bucket histograms
 * {@code _bucket}/{@code _sum}/{@code _count}; delta temporality, exponential histograms
 * and summaries are refused (as Prometheus' own OTLP receiver does without conversion).
 */
final class OtlpMapper {

    static final String UNKNOWN_SERVICE = "unknown_service";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OtlpMapper() {
    }

    /** The batches of one request and what was refused while mapping it. */
    record Mapped(List<Part> parts, int received, int rejected, List<String> reasons) {
    }

    /** One resource's data: who sent it, and its items in the agent protocol's form. */
    /**
     * One resource's data as an agent batch; {@code resource} is kept for the OTLP forwarder,
     * which sends it on with the spans (see {@link #sender}).
     */
    record Part(AgentIdentity identity, Resource resource, Batch.Builder batch, int items) {
    }

    /** Counts refused items, keeping the first few reasons for the answer. */
    private static final class Refusals {
        int count;
        final List<String> reasons = new ArrayList<>();

        void add(int n, String reason) {
            count += n;
            if (reasons.size() < 5 && !reasons.contains(reason)) {
                reasons.add(reason);
            }
        }
    }

    static AgentIdentity identity(Resource resource, String sessionId) {
        String service = null;
        String host = null;
        String instance = null;
        for (KeyValue kv : resource.getAttributesList()) {
            switch (kv.getKey()) {
                case "service.name" -> service = text(kv.getValue());
                case "host.name" -> host = text(kv.getValue());
                case "service.instance.id" -> instance = text(kv.getValue());
                default -> {
                }
            }
        }
        if (service == null || service.isBlank()) {
            service = UNKNOWN_SERVICE;
        }
        if (host == null) {
            host = "";
        }
        if (instance == null || instance.isBlank()) {
            instance = host.isBlank() ? service : host;
        }
        return new AgentIdentity(instance, sessionId, service, host);
    }

    /** The resource as a Hello: identity in its fields, every resource attribute kept beside them. */
    static dev.peephole.proto.v1.Hello sender(Resource resource, AgentIdentity identity) {
        dev.peephole.proto.v1.Hello.Builder hello = dev.peephole.proto.v1.Hello.newBuilder()
                .setAgentId(identity.agentId())
                .setSessionId(identity.sessionId())
                .setServiceName(identity.serviceName())
                .setHostName(identity.hostName());
        for (KeyValue kv : resource.getAttributesList()) {
            if (kv.getKey().equals("service.version")) {
                hello.setServiceVersion(text(kv.getValue()));
            }
            hello.addResourceAttributes(attribute(kv));
        }
        return hello.build();
    }

    // ------------------------------------------------------------------ traces

    static Mapped traces(ExportTraceServiceRequest request, String sessionId, long minTime, long maxTime) {
        List<Part> parts = new ArrayList<>();
        Refusals refused = new Refusals();
        int received = 0;
        for (ResourceSpans rs : request.getResourceSpansList()) {
            AgentIdentity identity = identity(rs.getResource(), sessionId);
            Batch.Builder batch = Batch.newBuilder();
            int items = 0;
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
                    received++;
                    String problem = spanProblem(s, minTime, maxTime);
                    if (problem != null) {
                        refused.add(1, problem);
                        continue;
                    }
                    batch.addSpans(span(s, ss.getScope()));
                    items++;
                }
            }
            if (items > 0) {
                parts.add(new Part(identity, rs.getResource(), batch, items));
            }
        }
        return new Mapped(parts, received, refused.count, refused.reasons);
    }

    private static String spanProblem(io.opentelemetry.proto.trace.v1.Span s, long minTime, long maxTime) {
        if (s.getTraceId().size() != 16) {
            return "span trace_id must be 16 bytes, got " + s.getTraceId().size();
        }
        if (s.getSpanId().size() != 8) {
            return "span span_id must be 8 bytes, got " + s.getSpanId().size();
        }
        if (!s.getParentSpanId().isEmpty() && s.getParentSpanId().size() != 8) {
            return "span parent_span_id must be empty or 8 bytes, got " + s.getParentSpanId().size();
        }
        if (s.getName().isEmpty()) {
            return "span without a name";
        }
        if (s.getEndTimeUnixNano() < s.getStartTimeUnixNano()) {
            return "span " + s.getName() + " ends before it starts";
        }
        if (s.getStartTimeUnixNano() < minTime || s.getStartTimeUnixNano() > maxTime) {
            return "span " + s.getName() + " starts too far from now";
        }
        return null;
    }

    private static Span span(io.opentelemetry.proto.trace.v1.Span s, InstrumentationScope scope) {
        Span.Builder b = Span.newBuilder()
                .setTraceId(s.getTraceId())
                .setSpanId(s.getSpanId())
                .setParentSpanId(s.getParentSpanId())
                .setName(s.getName())
                // OTLP's SpanKind and StatusCode numbers are the agent protocol's.
                .setKindValue(s.getKindValue() >= 0 && s.getKindValue() <= 5 ? s.getKindValue() : 0)
                .setStartTimeUnixNano(s.getStartTimeUnixNano())
                .setEndTimeUnixNano(s.getEndTimeUnixNano())
                .setStatusCodeValue(s.getStatus().getCodeValue() >= 0 && s.getStatus().getCodeValue() <= 2
                        ? s.getStatus().getCodeValue() : 0)
                .setStatusMessage(s.getStatus().getMessage());
        for (KeyValue kv : s.getAttributesList()) {
            b.addAttributes(attribute(kv));
        }
        // Jaeger's own OTLP receiver keeps the instrumentation scope as these tags.
        if (!scope.getName().isEmpty()) {
            b.addAttributes(stringAttribute("otel.scope.name", scope.getName()));
        }
        if (!scope.getVersion().isEmpty()) {
            b.addAttributes(stringAttribute("otel.scope.version", scope.getVersion()));
        }
        for (io.opentelemetry.proto.trace.v1.Span.Event e : s.getEventsList()) {
            SpanEvent.Builder eb = SpanEvent.newBuilder().setName(e.getName()).setTimeUnixNano(e.getTimeUnixNano());
            for (KeyValue kv : e.getAttributesList()) {
                eb.addAttributes(attribute(kv));
            }
            b.addEvents(eb);
        }
        return b.build();
    }

    private static dev.peephole.proto.v1.KeyValue stringAttribute(String key, String value) {
        return dev.peephole.proto.v1.KeyValue.newBuilder().setKey(key)
                .setValue(dev.peephole.proto.v1.AnyValue.newBuilder().setStringValue(value)).build();
    }

    /** OTLP's attribute values; arrays, maps and bytes (which the agent protocol lacks) become their JSON text. */
    private static dev.peephole.proto.v1.KeyValue attribute(KeyValue kv) {
        AnyValue v = kv.getValue();
        dev.peephole.proto.v1.AnyValue.Builder out = dev.peephole.proto.v1.AnyValue.newBuilder();
        switch (v.getValueCase()) {
            case STRING_VALUE -> out.setStringValue(v.getStringValue());
            case BOOL_VALUE -> out.setBoolValue(v.getBoolValue());
            case INT_VALUE -> out.setIntValue(v.getIntValue());
            case DOUBLE_VALUE -> out.setDoubleValue(v.getDoubleValue());
            case VALUE_NOT_SET -> {
            }
            default -> out.setStringValue(text(v));
        }
        return dev.peephole.proto.v1.KeyValue.newBuilder().setKey(kv.getKey()).setValue(out).build();
    }

    /** An attribute value as text: a label value, or a tag for values the agent protocol has no type for. */
    static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case VALUE_NOT_SET -> "";
            default -> toJson(v).toString();
        };
    }

    private static JsonNode toJson(AnyValue v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (v.getValueCase()) {
            case STRING_VALUE -> f.textNode(v.getStringValue());
            case BOOL_VALUE -> f.booleanNode(v.getBoolValue());
            case INT_VALUE -> f.numberNode(v.getIntValue());
            case DOUBLE_VALUE -> Double.isFinite(v.getDoubleValue()) ? f.numberNode(v.getDoubleValue())
                    : f.textNode(Double.toString(v.getDoubleValue()));
            case BYTES_VALUE -> f.textNode(Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode a = f.arrayNode();
                v.getArrayValue().getValuesList().forEach(x -> a.add(toJson(x)));
                yield a;
            }
            case KVLIST_VALUE -> {
                ObjectNode o = f.objectNode();
                v.getKvlistValue().getValuesList().forEach(kv -> o.set(kv.getKey(), toJson(kv.getValue())));
                yield o;
            }
            default -> f.nullNode();
        };
    }

    // ------------------------------------------------------------------ metrics

    static Mapped metrics(ExportMetricsServiceRequest request, String sessionId, long minTime, long maxTime) {
        List<Part> parts = new ArrayList<>();
        Refusals refused = new Refusals();
        int received = 0;
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            AgentIdentity identity = identity(rm.getResource(), sessionId);
            Batch.Builder batch = Batch.newBuilder();
            int items = 0;
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    int points = pointCount(m);
                    received += points;
                    items += metric(m, batch, refused, minTime, maxTime, points);
                }
            }
            if (items > 0) {
                parts.add(new Part(identity, rm.getResource(), batch, items));
            }
        }
        return new Mapped(parts, received, refused.count, refused.reasons);
    }

    private static int pointCount(Metric m) {
        return switch (m.getDataCase()) {
            case GAUGE -> m.getGauge().getDataPointsCount();
            case SUM -> m.getSum().getDataPointsCount();
            case HISTOGRAM -> m.getHistogram().getDataPointsCount();
            case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
            case SUMMARY -> m.getSummary().getDataPointsCount();
            default -> 0;
        };
    }

    /** Adds the metric's storable points to the batch; returns how many. */
    private static int metric(Metric m, Batch.Builder batch, Refusals refused, long minTime, long maxTime, int points) {
        if (m.getName().isBlank()) {
            refused.add(points, "metric without a name");
            return 0;
        }
        switch (m.getDataCase()) {
            case GAUGE -> {
                return numberPoints(m, MetricType.METRIC_TYPE_GAUGE, m.getGauge().getDataPointsList(), batch, refused,
                        minTime, maxTime);
            }
            case SUM -> {
                if (m.getSum().getAggregationTemporality() != AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE) {
                    refused.add(points, "metric " + m.getName() + ": only cumulative sums are stored (got "
                            + m.getSum().getAggregationTemporality() + ")");
                    return 0;
                }
                MetricType type = m.getSum().getIsMonotonic() ? MetricType.METRIC_TYPE_COUNTER : MetricType.METRIC_TYPE_GAUGE;
                return numberPoints(m, type, m.getSum().getDataPointsList(), batch, refused, minTime, maxTime);
            }
            case HISTOGRAM -> {
                if (m.getHistogram().getAggregationTemporality()
                        != AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE) {
                    refused.add(points, "metric " + m.getName() + ": only cumulative histograms are stored (got "
                            + m.getHistogram().getAggregationTemporality() + ")");
                    return 0;
                }
                return histogramPoints(m, batch, refused, minTime, maxTime);
            }
            case EXPONENTIAL_HISTOGRAM -> {
                refused.add(points, "metric " + m.getName() + ": exponential histograms are not stored");
                return 0;
            }
            case SUMMARY -> {
                refused.add(points, "metric " + m.getName() + ": summaries are not stored");
                return 0;
            }
            default -> {
                refused.add(points, "metric " + m.getName() + " has no data");
                return 0;
            }
        }
    }

    private static int numberPoints(Metric m, MetricType type, List<NumberDataPoint> points, Batch.Builder batch,
                                    Refusals refused, long minTime, long maxTime) {
        int stored = 0;
        for (NumberDataPoint p : points) {
            if ((p.getFlags() & 1) != 0) {
                // FLAG_NO_RECORDED_VALUE: the series stopped; there is no sample to store.
                continue;
            }
            double value;
            switch (p.getValueCase()) {
                case AS_DOUBLE -> value = p.getAsDouble();
                case AS_INT -> value = p.getAsInt();
                default -> {
                    refused.add(1, "metric " + m.getName() + ": a data point without a value");
                    continue;
                }
            }
            List<Label> labels = labels(m, p.getAttributesList(), refused);
            if (labels == null) {
                continue;
            }
            if (!inTime(m, p.getTimeUnixNano(), minTime, maxTime, refused)) {
                continue;
            }
            batch.addMetrics(series(m, type, labels)
                    .addPoints(NumberPoint.newBuilder().setTimeUnixNano(p.getTimeUnixNano()).setValue(value)));
            stored++;
        }
        return stored;
    }

    private static int histogramPoints(Metric m, Batch.Builder batch, Refusals refused, long minTime, long maxTime) {
        int stored = 0;
        for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
            if ((p.getFlags() & 1) != 0) {
                continue;
            }
            HistogramPoint.Builder hp = HistogramPoint.newBuilder()
                    .setTimeUnixNano(p.getTimeUnixNano())
                    .setCount(p.getCount())
                    // sum is optional in OTLP (instruments that may record negative values leave it out)
                    .setSum(p.hasSum() ? p.getSum() : Double.NaN);
            if (p.getBucketCountsCount() == 0 && p.getExplicitBoundsCount() == 0) {
                hp.addBucketCounts(p.getCount()); // no buckets: everything is in +Inf
            } else if (p.getBucketCountsCount() != p.getExplicitBoundsCount() + 1) {
                refused.add(1, "histogram " + m.getName() + ": bucket_counts must have one more entry than explicit_bounds");
                continue;
            } else {
                boolean ascending = true;
                for (int i = 1; i < p.getExplicitBoundsCount(); i++) {
                    ascending &= p.getExplicitBounds(i) > p.getExplicitBounds(i - 1);
                }
                if (!ascending) {
                    refused.add(1, "histogram " + m.getName() + ": explicit_bounds must ascend");
                    continue;
                }
                hp.addAllExplicitBounds(p.getExplicitBoundsList()).addAllBucketCounts(p.getBucketCountsList());
            }
            List<Label> labels = labels(m, p.getAttributesList(), refused);
            if (labels == null || !inTime(m, p.getTimeUnixNano(), minTime, maxTime, refused)) {
                continue;
            }
            batch.addMetrics(series(m, MetricType.METRIC_TYPE_HISTOGRAM, labels).addHistogramPoints(hp));
            stored++;
        }
        return stored;
    }

    private static MetricSeries.Builder series(Metric m, MetricType type, List<Label> labels) {
        return MetricSeries.newBuilder().setName(m.getName()).setUnit(m.getUnit()).setDescription(m.getDescription())
                .setType(type).addAllLabels(labels);
    }

    private static boolean inTime(Metric m, long t, long minTime, long maxTime, Refusals refused) {
        if (t < minTime || t > maxTime) {
            refused.add(1, "metric " + m.getName() + ": a point too far from now");
            return false;
        }
        return true;
    }

    /** A point's attributes as labels; null (and the point refused) when one cannot be a Prometheus label. */
    private static List<Label> labels(Metric m, List<KeyValue> attributes, Refusals refused) {
        Map<String, Label> labels = new LinkedHashMap<>();
        for (KeyValue kv : attributes) {
            String name = PrometheusNames.labelName(kv.getKey());
            if (name.isEmpty() || name.startsWith("__")) {
                refused.add(1, "metric " + m.getName() + ": attribute '" + kv.getKey() + "' cannot be a label name");
                return null;
            }
            labels.put(kv.getKey(), Label.newBuilder().setName(kv.getKey()).setValue(text(kv.getValue())).build());
        }
        return new ArrayList<>(labels.values());
    }

    // ------------------------------------------------------------------ OTLP/JSON ids

    /**
     * OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping (JsonFormat)
     * expects base64 for bytes fields: rewrite them before parsing.
     */
    static String hexIdsToBase64(String json) throws com.fasterxml.jackson.core.JsonProcessingException {
        JsonNode root = JSON.readTree(json);
        if (root == null) {
            throw new IllegalArgumentException("empty JSON body");
        }
        fixIds(root);
        return JSON.writeValueAsString(root);
    }

    private static void fixIds(JsonNode node) {
        if (node instanceof ObjectNode o) {
            var fields = o.fields();
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            fields.forEachRemaining(entries::add);
            for (Map.Entry<String, JsonNode> e : entries) {
                if (isIdField(e.getKey()) && e.getValue().isTextual()) {
                    o.put(e.getKey(), Base64.getEncoder().encodeToString(hex(e.getKey(), e.getValue().asText())));
                } else {
                    fixIds(e.getValue());
                }
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(OtlpMapper::fixIds);
        }
    }

    private static boolean isIdField(String name) {
        return switch (name) {
            case "traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id" -> true;
            default -> false;
        };
    }

    private static byte[] hex(String field, String text) {
        try {
            return java.util.HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " must be hex, got '"
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
        }
    }
}
