package dev.peephole.bench;

import com.google.protobuf.ByteString;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import dev.peephole.proto.v1.SpanKind;
import dev.peephole.proto.v1.StatusCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The shape of the benchmark's data, shared by the load generator (as protobuf) and the
 * COPY baseline (as rows), so both store the same kind of rows:
 * <ul>
 *   <li>points: gauges and counters of ten metric families with 3 to 5 labels each, every
 *       series of an agent getting {@code ceil(batch / series)} points per batch at 1 ms steps;</li>
 *   <li>spans: doorbell-app traces of 3 to 7 spans (a server span, FaceDetector.detect and
 *       friends, a database client span), 4 to 6 attributes each, one trace in 40 failing
 *       with an exception event.</li>
 * </ul>
 */
final class Shapes {

    /** Spacing of consecutive points of one series. */
    static final long POINT_STEP_NANOS = 1_000_000L;
    /** Spans of consecutive batches of one agent are this far apart in time. */
    static final long SPAN_BATCH_SHIFT_NANOS = 20_000_000L;

    private Shapes() {
    }

    /** A metric family: its OpenTelemetry name and unit and the name the collector stores it under. */
    record Family(String name, String unit, MetricType type, String prometheusName, String[] labelNames,
                  String[][] labelValues, double scale) {
    }

    static final Family[] FAMILIES = {
        new Family("jvm.memory.used", "By", MetricType.METRIC_TYPE_GAUGE, "jvm_memory_used_bytes",
                new String[] {"jvm.memory.type", "jvm.memory.pool.name", "region"},
                new String[][] {{"heap", "non_heap"},
                        {"G1 Eden Space", "G1 Old Gen", "G1 Survivor Space", "Metaspace", "CodeHeap 'non-nmethods'",
                                "Compressed Class Space"},
                        {"region"}}, 5e8),
        new Family("jvm.gc.collections", "{collection}", MetricType.METRIC_TYPE_COUNTER, "jvm_gc_collections_total",
                new String[] {"jvm.gc.name", "jvm.gc.action", "jvm.gc.cause", "shard"},
                new String[][] {{"G1 Young Generation", "G1 Old Generation", "G1 Concurrent GC"},
                        {"end of minor GC", "end of major GC"},
                        {"G1 Evacuation Pause", "Metadata GC Threshold", "G1 Humongous Allocation"},
                        {"shard"}}, 1e3),
        new Family("http.server.requests", "{request}", MetricType.METRIC_TYPE_COUNTER, "http_server_requests_total",
                new String[] {"http.request.method", "http.route", "http.response.status_code",
                        "network.protocol.version", "server.port"},
                new String[][] {{"GET", "POST", "PUT", "DELETE"},
                        {"/api/events", "/api/people", "/api/health", "/api/people/{id}", "/api/events/{id}/snapshot"},
                        {"200", "201", "204", "404", "500"}, {"1.1", "2"}, {"port"}}, 1e5),
        new Family("http.server.active_requests", "{request}", MetricType.METRIC_TYPE_GAUGE,
                "http_server_active_requests",
                new String[] {"http.request.method", "url.scheme", "server.address"},
                new String[][] {{"GET", "POST", "PUT"}, {"http", "https"}, {"doorbell"}}, 50),
        new Family("system.cpu.utilization", "1", MetricType.METRIC_TYPE_GAUGE, "system_cpu_utilization_ratio",
                new String[] {"system.cpu.state", "host.arch", "system.cpu.logical_number"},
                new String[][] {{"user", "system", "idle", "iowait", "steal"}, {"amd64", "arm64"}, {"cpu"}}, 1),
        new Family("db.client.connections.usage", "{connection}", MetricType.METRIC_TYPE_GAUGE,
                "db_client_connections_usage",
                new String[] {"state", "db.system", "server.address", "pool.name"},
                new String[][] {{"idle", "used"}, {"postgresql"}, {"db-primary", "db-replica"}, {"hikari"}}, 20),
        new Family("doorbell.frames.processed", "{frame}", MetricType.METRIC_TYPE_COUNTER,
                "doorbell_frames_processed_total",
                new String[] {"camera", "resolution", "pipeline", "stage", "model"},
                new String[][] {{"front-door", "back-yard", "garage", "side-gate"}, {"720p", "1080p"},
                        {"realtime", "replay"}, {"decode", "detect", "match", "store"}, {"model"}}, 1e6),
        new Family("doorbell.face.matches", "{match}", MetricType.METRIC_TYPE_COUNTER, "doorbell_face_matches_total",
                new String[] {"camera", "outcome", "confidence", "model"},
                new String[][] {{"front-door", "back-yard", "garage"}, {"known", "unknown", "ambiguous"},
                        {"high", "medium", "low"}, {"facenet"}}, 1e4),
        new Family("jvm.thread.count", "{thread}", MetricType.METRIC_TYPE_GAUGE, "jvm_thread_count",
                new String[] {"jvm.thread.daemon", "jvm.thread.state", "pool"},
                new String[][] {{"true", "false"}, {"runnable", "blocked", "waiting", "timed_waiting"}, {"pool"}}, 200),
        new Family("doorbell.queue.depth", "{item}", MetricType.METRIC_TYPE_GAUGE, "doorbell_queue_depth",
                new String[] {"queue", "priority", "tenant", "shard"},
                new String[][] {{"frames", "events", "notifications"}, {"high", "normal", "low"},
                        {"acme", "globex", "initech"}, {"shard"}}, 1e3),
    };

    /** One series of an agent: its family and label values (in the family's label order). */
    record SeriesShape(Family family, String[] labelValues) {

        /** Series key as the collector stores it: Prometheus label names, the agent's standard labels. */
        String labelsJson(String serviceName, String hostName, String agentId) {
            TreeMap<String, String> labels = new TreeMap<>();
            for (int i = 0; i < family.labelNames().length; i++) {
                labels.put(family.labelNames()[i].replace('.', '_'), labelValues[i]);
            }
            labels.put("service_name", serviceName);
            labels.put("host_name", hostName);
            labels.put("instance", agentId);
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<String, String> e : labels.entrySet()) {
                if (b.length() > 1) {
                    b.append(',');
                }
                Json.string(b, e.getKey());
                b.append(':');
                Json.string(b, e.getValue());
            }
            return b.append('}').toString();
        }
    }

    /** The series of one agent: families in turn, the last label numbered so each series is distinct. */
    static List<SeriesShape> series(int count) {
        List<SeriesShape> out = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            Family f = FAMILIES[s % FAMILIES.length];
            int k = s / FAMILIES.length;
            String[] values = new String[f.labelNames().length];
            for (int j = 0; j < values.length; j++) {
                String[] choices = f.labelValues()[j];
                values[j] = j == values.length - 1 ? choices[k % choices.length] + "-" + k
                        : choices[(k + j) % choices.length];
            }
            out.add(new SeriesShape(f, values));
        }
        return out;
    }

    /** How many points series {@code s} of {@code seriesCount} gets in a batch of {@code batch} points. */
    static int pointsOfSeries(int s, int seriesCount, int batch) {
        return batch / seriesCount + (s < batch % seriesCount ? 1 : 0);
    }

    /** The most points any series has in one batch: consecutive batches are this many steps apart. */
    static int maxPointsPerSeries(int seriesCount, int batch) {
        return (batch + seriesCount - 1) / seriesCount;
    }

    /**
     * The metric part of one batch: every series with its points, point j of a series at
     * {@code baseNanos + j * POINT_STEP_NANOS} (the load generator shifts these per batch).
     */
    static List<MetricSeries> metricBatch(List<SeriesShape> series, int batch, long baseNanos, Random rnd) {
        List<MetricSeries> out = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            int n = pointsOfSeries(s, series.size(), batch);
            if (n == 0) {
                continue;
            }
            SeriesShape shape = series.get(s);
            Family f = shape.family();
            MetricSeries.Builder m = MetricSeries.newBuilder().setName(f.name()).setUnit(f.unit()).setType(f.type())
                    .setDescription(f.name().replace('.', ' '));
            for (int j = 0; j < f.labelNames().length; j++) {
                m.addLabels(Label.newBuilder().setName(f.labelNames()[j]).setValue(shape.labelValues()[j]));
            }
            double v = rnd.nextDouble() * f.scale();
            for (int j = 0; j < n; j++) {
                v = f.type() == MetricType.METRIC_TYPE_COUNTER ? v + rnd.nextInt(100) : rnd.nextDouble() * f.scale();
                m.addPoints(NumberPoint.newBuilder().setTimeUnixNano(baseNanos + j * POINT_STEP_NANOS).setValue(v));
            }
            out.add(m.build());
        }
        return out;
    }

    // ------------------------------------------------------------------ spans

    private record Op(String name, SpanKind kind, int parent, Object[] attributes) {
    }

    /** The spans of a doorbell trace, in order; a trace is the first 3 to 7 of them. */
    private static final Op[] TRACE = {
        new Op("GET /api/events", SpanKind.SPAN_KIND_SERVER, -1, new Object[] {
            "http.request.method", "GET", "http.route", "/api/events", "http.response.status_code", 200L,
            "url.scheme", "http", "server.address", "doorbell.local",
            "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0"}),
        new Op("FrameDecoder.decode", SpanKind.SPAN_KIND_INTERNAL, 0, new Object[] {
            "code.namespace", "dev.doorbell.video.FrameDecoder", "code.function", "decode",
            "doorbell.camera", "front-door", "frame.width", 1280L}),
        new Op("FaceDetector.detect", SpanKind.SPAN_KIND_INTERNAL, 0, new Object[] {
            "code.namespace", "dev.doorbell.vision.FaceDetector", "code.function", "detect",
            "doorbell.camera", "front-door", "faces.count", 2L, "model", "blazeface-v2"}),
        new Op("RecognitionService.match", SpanKind.SPAN_KIND_INTERNAL, 2, new Object[] {
            "code.namespace", "dev.doorbell.vision.RecognitionService", "code.function", "match",
            "person.id", "p-0042", "match.confidence", 0.934, "match.found", true}),
        new Op("EventRepository.save", SpanKind.SPAN_KIND_INTERNAL, 0, new Object[] {
            "code.namespace", "dev.doorbell.store.EventRepository", "code.function", "save",
            "event.kind", "motion", "event.id", 918273L}),
        new Op("INSERT doorbell.events", SpanKind.SPAN_KIND_CLIENT, 4, new Object[] {
            "db.system", "postgresql", "db.name", "doorbell", "db.operation", "INSERT",
            "db.statement", "INSERT INTO events (kind, camera, at, person_id) VALUES (?, ?, ?, ?)",
            "server.address", "db.local", "server.port", 5432L}),
        new Op("NotificationClient.send", SpanKind.SPAN_KIND_CLIENT, 0, new Object[] {
            "http.request.method", "POST", "url.full", "https://notify.example.com/v1/push",
            "http.response.status_code", 202L, "server.address", "notify.example.com"}),
    };

    /**
     * {@code count} spans of consecutive traces starting from {@code baseNanos}. Trace ids
     * are random here; the load generator overwrites their first 8 bytes per batch so each
     * batch carries new traces.
     */
    static List<Span> spanBatch(int count, long baseNanos, Random rnd) {
        List<Span> out = new ArrayList<>(count);
        int trace = 0;
        while (out.size() < count) {
            byte[] traceId = new byte[16];
            rnd.nextBytes(traceId);
            int size = 3 + trace % 5;
            boolean failed = trace % 40 == 39;
            long traceStart = baseNanos + trace * 97_000L;
            byte[][] spanIds = new byte[size][];
            long[] starts = new long[size];
            for (int i = 0; i < size && out.size() < count; i++) {
                Op op = TRACE[i];
                spanIds[i] = new byte[8];
                rnd.nextBytes(spanIds[i]);
                starts[i] = op.parent() < 0 ? traceStart : starts[op.parent()] + 200_000L + rnd.nextInt(3_000_000);
                long duration = op.parent() < 0 ? 60_000_000L + rnd.nextInt(40_000_000) : 200_000L + rnd.nextInt(20_000_000);
                Span.Builder s = Span.newBuilder()
                        .setTraceId(ByteString.copyFrom(traceId))
                        .setSpanId(ByteString.copyFrom(spanIds[i]))
                        .setName(op.name())
                        .setKind(op.kind())
                        .setStartTimeUnixNano(starts[i])
                        .setEndTimeUnixNano(starts[i] + duration)
                        .setStatusCode(StatusCode.STATUS_CODE_UNSET);
                if (op.parent() >= 0) {
                    s.setParentSpanId(ByteString.copyFrom(spanIds[op.parent()]));
                }
                Object[] attrs = op.attributes();
                for (int a = 0; a < attrs.length; a += 2) {
                    s.addAttributes(KeyValue.newBuilder().setKey((String) attrs[a]).setValue(any(attrs[a + 1])));
                }
                if (failed && (i == 0 || i == 1)) {
                    s.setStatusCode(StatusCode.STATUS_CODE_ERROR)
                            .setStatusMessage("java.lang.IllegalStateException: camera front-door is offline");
                    if (i == 1) {
                        s.addEvents(SpanEvent.newBuilder().setTimeUnixNano(starts[i] + 100_000L).setName("exception")
                                .addAttributes(kv("exception.type", "java.lang.IllegalStateException"))
                                .addAttributes(kv("exception.message", "camera front-door is offline"))
                                .addAttributes(kv("exception.stacktrace",
                                        "java.lang.IllegalStateException: camera front-door is offline\n"
                                                + "\tat dev.doorbell.video.FrameDecoder.decode(FrameDecoder.java:88)\n"
                                                + "\tat dev.doorbell.video.Pipeline.run(Pipeline.java:41)\n"
                                                + "\tat java.base/java.lang.Thread.run(Thread.java:840)")));
                    }
                }
                out.add(s.build());
            }
            trace++;
        }
        return out;
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static AnyValue any(Object v) {
        AnyValue.Builder b = AnyValue.newBuilder();
        if (v instanceof String s) {
            b.setStringValue(s);
        } else if (v instanceof Long l) {
            b.setIntValue(l);
        } else if (v instanceof Double d) {
            b.setDoubleValue(d);
        } else if (v instanceof Boolean bool) {
            b.setBoolValue(bool);
        } else {
            throw new IllegalArgumentException(String.valueOf(v));
        }
        return b.build();
    }

    /**
     * The same spans, each {@code RecognitionService.match} span carrying what the agent's
     * doorbell profile records on a recognition (recognition.result cycling KNOWN, UNKNOWN,
     * BLACKLISTED; person.*; recognition.confidence; frame.id), so the collector makes a
     * security event of each.
     */
    static List<Span> withRecognition(List<Span> spans) {
        String[] results = {"KNOWN", "UNKNOWN", "BLACKLISTED"};
        List<Span> out = new ArrayList<>(spans.size());
        int n = 0;
        for (Span s : spans) {
            if (!s.getName().equals("RecognitionService.match")) {
                out.add(s);
                continue;
            }
            String result = results[n % 3];
            Span.Builder b = s.toBuilder().addAttributes(kv("recognition.result", result))
                    .addAttributes(KeyValue.newBuilder().setKey("recognition.confidence").setValue(any(0.5 + (n % 50) / 100.0)))
                    .addAttributes(KeyValue.newBuilder().setKey("frame.id").setValue(any((long) n)));
            if (!result.equals("UNKNOWN")) {
                b.addAttributes(kv("person.name", result.equals("KNOWN") ? "Alice" : "Mallory"))
                        .addAttributes(kv("person.role", result.equals("KNOWN") ? "RESIDENT" : "BLACKLISTED"));
            }
            out.add(b.build());
            n++;
        }
        return out;
    }

    /** JSON as the collector writes span attributes and events into jsonb. */
    static final class Json {
        private Json() {
        }

        static byte[] attributes(List<KeyValue> attributes) {
            StringBuilder b = new StringBuilder(256);
            writeAttributes(b, attributes);
            return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        static byte[] events(List<SpanEvent> events) {
            StringBuilder b = new StringBuilder(512).append('[');
            for (SpanEvent e : events) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append("{\"timeUnixNano\":").append(Long.toUnsignedString(e.getTimeUnixNano())).append(",\"name\":");
                string(b, e.getName());
                b.append(",\"attributes\":");
                writeAttributes(b, e.getAttributesList());
                b.append('}');
            }
            return b.append(']').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        private static void writeAttributes(StringBuilder b, List<KeyValue> attributes) {
            b.append('{');
            boolean first = true;
            for (KeyValue kv : attributes) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                string(b, kv.getKey());
                b.append(':');
                AnyValue v = kv.getValue();
                switch (v.getValueCase()) {
                    case STRING_VALUE -> string(b, v.getStringValue());
                    case BOOL_VALUE -> b.append(v.getBoolValue());
                    case INT_VALUE -> b.append(v.getIntValue());
                    case DOUBLE_VALUE -> b.append(v.getDoubleValue());
                    default -> b.append("null");
                }
            }
            b.append('}');
        }

        static void string(StringBuilder b, String s) {
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    case '\r' -> b.append("\\r");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }
    }
}
