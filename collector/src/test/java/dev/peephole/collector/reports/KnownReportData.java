package dev.peephole.collector.reports;

import dev.peephole.collector.support.TestAgent;
import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.HistogramPoint;
import dev.peephole.proto.v1.KeyValue;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanKind;
import dev.peephole.proto.v1.StatusCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntFunction;
import javax.sql.DataSource;

/**
 * Agent data with known figures for two back-to-back hours, [prevStart, start) and [start, end),
 * sent over the real agent protocol (samples every 10 s, aligned so that each hour's first and
 * last samples sit on its bounds, so {@code increase()} needs no extrapolation), plus alert
 * episodes written to the alert tables. The expected figures are the constants below.
 */
final class KnownReportData {

    static final String AGENT = "report-agent-1";
    static final String SERVICE = "doorbell-report";
    static final String HOST = "test-host";
    static final String HOSTILE_NAME = "<script>alert('pwned')</script>";
    static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1, 2.5, 5, 10};
    static final long STEP_MS = 10_000;

    // expected figures: previous hour / this hour
    static final long FRAMES_PREVIOUS = 18_000;
    static final long FRAMES = 36_000;
    static final long KNOWN = 1_080;
    static final long UNKNOWN = 360;
    static final long BLACKLISTED = 360;
    static final long BLACKLISTED_PREVIOUS = 0;
    static final double CPU_MAX = 0.87;
    static final double MEMORY_MAX = 4.5e9;
    static final double LOAD_MAX = 2.5;
    static final double DISK_MAX = 0.42;
    static final long UPTIME_MINUTES = 45;
    static final int BLACKLISTED_EVENTS = 3;
    static final int UNKNOWN_EVENTS = 55;
    static final int BLACKLISTED_EVENTS_PREVIOUS = 1;

    final Instant end;
    final Instant start;
    final Instant prevStart;
    private final long first;
    private final int iStart;
    private final int n;

    KnownReportData(Instant now) {
        this.end = now.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
        this.start = end.minus(Duration.ofHours(1));
        this.prevStart = start.minus(Duration.ofHours(1));
        this.first = prevStart.minus(Duration.ofMinutes(10)).toEpochMilli();
        this.iStart = (int) ((start.toEpochMilli() - first) / STEP_MS);
        this.n = (int) ((end.toEpochMilli() - first) / STEP_MS) + 1;
    }

    private long t(int i) {
        return first + i * STEP_MS;
    }

    /** Sends the metrics and spans as one agent and waits for every batch's acknowledgement. */
    void send(int grpcPort, String token) throws Exception {
        List<MetricSeries> metrics = new ArrayList<>();
        String[] unset = {"span_kind", "SPAN_KIND_INTERNAL", "status_code", "STATUS_CODE_UNSET"};
        // frames: 5/s in the previous hour, 10/s in this one
        metrics.add(counter("traces.span.metrics.calls", i -> 50.0 * Math.min(i, iStart) + 100.0 * Math.max(0, i - iStart),
                with(unset, "span_name", "Camera.capture")));
        metrics.add(counter("traces.span.metrics.calls", i -> 3.0 * i,
                with(unset, "span_name", "FaceRecognizer.recognize", "recognition_result", "KNOWN")));
        metrics.add(counter("traces.span.metrics.calls", i -> 1.0 * i,
                with(unset, "span_name", "FaceRecognizer.recognize", "recognition_result", "UNKNOWN")));
        metrics.add(counter("traces.span.metrics.calls", i -> 1.0 * Math.max(0, i - iStart),
                with(unset, "span_name", "FaceRecognizer.recognize", "recognition_result", "BLACKLISTED")));
        // errors: EventProcessor.process fails one call in ten, in both hours
        metrics.add(counter("traces.span.metrics.calls", i -> 9.0 * i, with(unset, "span_name", "EventProcessor.process")));
        metrics.add(counter("traces.span.metrics.calls", i -> 1.0 * i, "span_name", "EventProcessor.process",
                "span_kind", "SPAN_KIND_INTERNAL", "status_code", "STATUS_CODE_ERROR"));
        // detection: 20 a step in (0.05, 0.1] in the previous hour, in (0.025, 0.05] in this one
        metrics.add(histogram(i -> {
            long[] c = new long[BOUNDS.length + 1];
            c[9] = 20L * Math.min(i, iStart);
            c[8] = 20L * Math.max(0, i - iStart);
            return c;
        }, with(unset, "span_name", "FaceDetector.detect")));
        // recognition: none timed in the previous hour, 20 a step in (0.1, 0.25] in this one
        metrics.add(histogram(i -> {
            long[] c = new long[BOUNDS.length + 1];
            c[10] = 20L * Math.max(0, i - iStart);
            return c;
        }, with(unset, "span_name", "FaceRecognizer.recognize")));
        // host peaks: a spike in each hour; the previous hour's is higher and must not count
        int cpuSpike = iStart + 100;
        metrics.add(gauge("system.cpu.utilization", i -> i == cpuSpike ? CPU_MAX : i == 100 ? 0.95 : 0.3));
        metrics.add(gauge("system.memory.usage", i -> i == iStart + 200 ? MEMORY_MAX : i == 150 ? 7e9 : 3e9,
                "system.memory.state", "used"));
        metrics.add(gauge("system.memory.utilization", i -> i == iStart + 200 ? 0.6 : 0.5, "system.memory.state", "used"));
        metrics.add(gauge("system.cpu.load_average.1m", i -> i == iStart + 300 ? LOAD_MAX : 0.8));
        metrics.add(gauge("system.filesystem.utilization", i -> DISK_MAX, "system.device", "/dev/sda1",
                "system.filesystem.mountpoint", "/", "system.filesystem.type", "ext4"));
        metrics.add(gauge("system.filesystem.utilization", i -> 0.99, "system.device", "tmpfs",
                "system.filesystem.mountpoint", "/run", "system.filesystem.type", "tmpfs"));
        // uptime: JVM metrics with a 15-minute gap in this hour
        long gapFrom = start.plus(Duration.ofMinutes(10)).toEpochMilli();
        long gapTo = start.plus(Duration.ofMinutes(25)).toEpochMilli();
        MetricSeries.Builder threads = MetricSeries.newBuilder().setName("jvm.thread.count").setUnit("{thread}")
                .setDescription("threads").setType(MetricType.METRIC_TYPE_GAUGE);
        for (int i = 0; i < n; i++) {
            if (t(i) < gapFrom || t(i) >= gapTo) {
                threads.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t(i) * 1_000_000L).setValue(20));
            }
        }
        metrics.add(labels(threads, "jvm.thread.daemon", "true").build());

        try (TestAgent agent = new TestAgent(grpcPort, token, AGENT)) {
            agent.sendHello(SERVICE);
            agent.next(30); // Settings
            long seq = 1;
            for (int i = 0; i < metrics.size(); i += 4) {
                agent.sendBatch(Batch.newBuilder().setSequence(seq++)
                        .addAllMetrics(metrics.subList(i, Math.min(metrics.size(), i + 4))).build());
                ack(agent);
            }
            Batch.Builder spans = Batch.newBuilder().setSequence(seq);
            long trace = 1;
            for (int k = 0; k < BLACKLISTED_EVENTS; k++) {
                spans.addSpans(recognition(trace++, start.plus(Duration.ofMinutes(5 + k)), "BLACKLISTED", "p-9", HOSTILE_NAME));
            }
            for (int k = 0; k < UNKNOWN_EVENTS; k++) {
                spans.addSpans(recognition(trace++, start.plusSeconds(30 + 60L * k), "UNKNOWN", null, null));
            }
            spans.addSpans(recognition(trace++, start.plus(Duration.ofMinutes(40)), "KNOWN", "p-1", "Alice"));
            for (int k = 0; k < BLACKLISTED_EVENTS_PREVIOUS; k++) {
                spans.addSpans(recognition(trace++, prevStart.plus(Duration.ofMinutes(20)), "BLACKLISTED", "p-8", "Old Visitor"));
            }
            agent.sendBatch(spans.build());
            ack(agent);
        }
    }

    /**
     * Alert episodes: one fired 5 min into this hour, acknowledged 2 min later, resolved 15 min
     * after firing; one fired 30 min in, never acknowledged, resolved a minute after the hour;
     * one in the previous hour.
     */
    void writeAlerts(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO alerts (rule_key, alertname, labels, state, active_at, "
                     + "fired_at, resolved_at, acknowledged_at, acknowledged_by) VALUES (?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)")) {
            Instant a = start.plus(Duration.ofMinutes(5));
            alert(ps, "report-test/a", "ReportTestHighLatency", "{\"alertname\":\"ReportTestHighLatency\",\"severity\":\"page\"}",
                    "inactive", a, a.plusSeconds(900), a.plusSeconds(120), "admin");
            Instant b = start.plus(Duration.ofMinutes(30));
            // (an open episode of a rule that does not exist would be closed by the rule manager at any moment)
            alert(ps, "report-test/b", "ReportTestDiskFull", "{\"alertname\":\"ReportTestDiskFull\",\"severity\":\"warning\"}",
                    "inactive", b, end.plusSeconds(60), null, null);
            Instant p = prevStart.plus(Duration.ofMinutes(10));
            alert(ps, "report-test/c", "ReportTestOld", "{\"alertname\":\"ReportTestOld\"}", "inactive", p, p.plusSeconds(60), null, null);
        }
    }

    private static void alert(PreparedStatement ps, String key, String name, String labels, String state, Instant fired,
                              Instant resolved, Instant acked, String by) throws Exception {
        ps.setString(1, key);
        ps.setString(2, name);
        ps.setString(3, labels);
        ps.setString(4, state);
        ps.setTimestamp(5, Timestamp.from(fired.minusSeconds(60)));
        ps.setTimestamp(6, Timestamp.from(fired));
        ps.setTimestamp(7, resolved == null ? null : Timestamp.from(resolved));
        ps.setTimestamp(8, acked == null ? null : Timestamp.from(acked));
        ps.setString(9, by);
        ps.executeUpdate();
    }

    private static void ack(TestAgent agent) throws InterruptedException {
        while (true) {
            CollectorMessage m = agent.next(120);
            if (m == null) {
                throw new AssertionError("no acknowledgement from the collector within 120 s");
            }
            if (m.hasAck()) {
                if (m.getAck().getRejectedPoints() > 0 || m.getAck().getRejectedSpans() > 0) {
                    throw new AssertionError("items refused: " + m.getAck().getReasonsList());
                }
                return;
            }
        }
    }

    private static Span recognition(long trace, Instant end, String result, String personId, String personName) {
        long e = end.toEpochMilli() * 1_000_000L;
        Span.Builder b = Span.newBuilder().setTraceId(TestAgent.id(16, 0x5e9000L + trace)).setSpanId(TestAgent.id(8, trace))
                .setName("FaceRecognizer.recognize").setKind(SpanKind.SPAN_KIND_INTERNAL)
                .setStatusCode(StatusCode.STATUS_CODE_UNSET).setStartTimeUnixNano(e - 80_000_000L).setEndTimeUnixNano(e)
                .addAttributes(kv("recognition.result", result))
                .addAttributes(KeyValue.newBuilder().setKey("recognition.confidence")
                        .setValue(AnyValue.newBuilder().setDoubleValue(0.75)).build());
        if (personId != null) {
            b.addAttributes(kv("person.id", personId)).addAttributes(kv("person.name", personName))
                    .addAttributes(kv("person.role", "BLACKLISTED".equals(result) ? "BLACKLISTED" : "RESIDENT"));
        }
        return b.build();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static String[] with(String[] base, String... more) {
        String[] l = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, l, base.length, more.length);
        return l;
    }

    private MetricSeries gauge(String name, IntToDoubleFunction v, String... labels) {
        return number(MetricType.METRIC_TYPE_GAUGE, name, "1", v, labels);
    }

    private MetricSeries counter(String name, IntToDoubleFunction v, String... labels) {
        return number(MetricType.METRIC_TYPE_COUNTER, name, "{call}", v, labels);
    }

    private MetricSeries number(MetricType type, String name, String unit, IntToDoubleFunction v, String... labels) {
        if (name.startsWith("system.memory.usage")) {
            unit = "By";
        } else if (name.startsWith("system.cpu.load")) {
            unit = "{run_queue_item}";
        }
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit(unit).setDescription(name).setType(type);
        for (int i = 0; i < n; i++) {
            b.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t(i) * 1_000_000L).setValue(v.applyAsDouble(i)));
        }
        return labels(b, labels).build();
    }

    private MetricSeries histogram(IntFunction<long[]> counts, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName("traces.span.metrics.duration").setUnit("s")
                .setDescription("span durations").setType(MetricType.METRIC_TYPE_HISTOGRAM);
        for (int i = 0; i < n; i++) {
            HistogramPoint.Builder p = HistogramPoint.newBuilder().setTimeUnixNano(t(i) * 1_000_000L);
            for (double bound : BOUNDS) {
                p.addExplicitBounds(bound);
            }
            long total = 0;
            double sum = 0;
            long[] c = counts.apply(i);
            for (int k = 0; k < c.length; k++) {
                p.addBucketCounts(c[k]);
                total += c[k];
                sum += c[k] * (k < BOUNDS.length ? BOUNDS[k] : 20);
            }
            b.addHistogramPoints(p.setCount(total).setSum(sum));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries.Builder labels(MetricSeries.Builder b, String... labels) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            b.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
        }
        return b;
    }
}
