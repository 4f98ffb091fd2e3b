package dev.peephole.collector.support;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What a Peephole agent on the doorbell demo sends, over the real agent protocol: the host,
 * process and JVM metrics (names, units and labels as the agent's {@code HostMetrics} and
 * {@code JvmMetrics} emit them), the span metrics of the agent's built-in doorbell profile
 * ({@code traces.span.metrics.calls} and {@code .duration} by {@code span_name},
 * {@code span_kind}, {@code status_code}, {@code recognition_result}) and frame traces with
 * recognition spans (which the collector turns into security events). One sample every
 * 10 s (the agent's default interval) from {@code minutes} ago until now; counters are
 * cumulative as the agent's are.
 */
public final class DoorbellAgentData {

    /** The agent's span duration bounds (its {@code metrics.spans.buckets} default). */
    static final double[] SPAN_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1, 2.5, 5, 10};
    static final double[] GC_BOUNDS = {0.01, 0.1, 1, 10};
    private static final long STEP_MS = 10_000;

    private DoorbellAgentData() {
    }

    /** Sends the data as agent {@code agentId} of service {@code service}; returns the points and spans accepted. */
    public static long[] send(int grpcPort, String token, String agentId, String service, int minutes) throws Exception {
        long now = System.currentTimeMillis();
        long first = now - minutes * 60_000L;
        int n = (int) ((now - first) / STEP_MS) + 1;
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            times[i] = first + i * STEP_MS;
        }
        Random random = new Random(42);
        List<MetricSeries> metrics = new ArrayList<>();
        host(metrics, times, random);
        jvm(metrics, times, random);
        spanMetrics(metrics, times, random);
        long accepted = 0;
        long spans = 0;
        try (TestAgent agent = new TestAgent(grpcPort, token, agentId)) {
            agent.sendHello(service);
            agent.next(30); // Settings
            long seq = 1;
            // A batch per handful of series, as the agent keeps batches small.
            for (int i = 0; i < metrics.size(); i += 8) {
                agent.sendBatch(Batch.newBuilder().setSequence(seq++)
                        .addAllMetrics(metrics.subList(i, Math.min(metrics.size(), i + 8))).build());
                accepted += ack(agent).getAck().getAcceptedPoints();
            }
            Batch.Builder traces = Batch.newBuilder().setSequence(seq);
            String[] results = {"KNOWN", "UNKNOWN", "KNOWN", "BLACKLISTED", "KNOWN", "UNKNOWN"};
            for (int f = 0; f < 30; f++) {
                long endMs = now - (30 - f) * 20_000L;
                traces.addAllSpans(frame((agentId.hashCode() & 0xffffffffL) << 16 | (f + 1), endMs, results[f % results.length]));
            }
            agent.sendBatch(traces.build());
            spans = ack(agent).getAck().getAcceptedSpans();
        }
        return new long[] {accepted, spans};
    }

    private static CollectorMessage ack(TestAgent agent) throws InterruptedException {
        while (true) {
            CollectorMessage m = agent.next(60);
            if (m == null) {
                throw new AssertionError("no acknowledgement from the collector within 60 s");
            }
            if (m.hasAck()) {
                return m;
            }
        }
    }

    // ------------------------------------------------------------------ metrics

    private static void host(List<MetricSeries> out, long[] t, Random r) {
        out.add(gauge("system.cpu.utilization", "1", t, i -> 0.25 + 0.1 * Math.sin(i / 10.0)));
        out.add(gauge("system.cpu.load_average.1m", "{run_queue_item}", t, i -> 0.8 + 0.3 * Math.sin(i / 7.0)));
        out.add(gauge("system.cpu.load_average.5m", "{run_queue_item}", t, i -> 0.7));
        out.add(gauge("system.cpu.load_average.15m", "{run_queue_item}", t, i -> 0.6));
        out.add(gauge("system.cpu.logical.count", "{cpu}", t, i -> 2));
        long total = 8L << 30;
        out.add(gauge("system.memory.usage", "By", t, i -> 3.0e9 + i * 1e6, "system.memory.state", "used"));
        out.add(gauge("system.memory.usage", "By", t, i -> total - 3.0e9 - i * 1e6, "system.memory.state", "free"));
        out.add(gauge("system.memory.limit", "By", t, i -> total));
        out.add(gauge("system.memory.utilization", "1", t, i -> (3.0e9 + i * 1e6) / total, "system.memory.state", "used"));
        for (String[] fs : new String[][] {{"/dev/sda1", "/", "ext4", "0.42"}, {"tmpfs", "/run", "tmpfs", "0.01"}}) {
            double u = Double.parseDouble(fs[3]);
            String[] base = {"system.device", fs[0], "system.filesystem.mountpoint", fs[1], "system.filesystem.type", fs[2]};
            out.add(gauge("system.filesystem.usage", "By", t, i -> u * 1e11, with(base, "system.filesystem.state", "used")));
            out.add(gauge("system.filesystem.usage", "By", t, i -> (1 - u) * 1e11, with(base, "system.filesystem.state", "free")));
            out.add(gauge("system.filesystem.utilization", "1", t, i -> u, base));
        }
        out.add(counter("system.disk.io", "By", t, i -> 1e9 + i * 2.0e6, "system.device", "sda", "disk.io.direction", "read"));
        out.add(counter("system.disk.io", "By", t, i -> 5e8 + i * 4.0e6, "system.device", "sda", "disk.io.direction", "write"));
        out.add(counter("system.network.io", "By", t, i -> 1e8 + i * 1.5e5, "network.interface.name", "eth0",
                "network.io.direction", "receive"));
        out.add(counter("system.network.io", "By", t, i -> 2e8 + i * 3.0e5, "network.interface.name", "eth0",
                "network.io.direction", "transmit"));
        out.add(gauge("process.cpu.utilization", "1", t, i -> 0.12 + 0.02 * r.nextDouble()));
        out.add(gauge("process.memory.usage", "By", t, i -> 3.5e8));
        out.add(counter("process.cpu.time", "s", t, i -> 10 + i * 1.2));
    }

    private static void jvm(List<MetricSeries> out, long[] t, Random r) {
        String[][] pools = {{"heap", "G1 Eden Space", "4e7"}, {"heap", "G1 Old Gen", "9e7"}, {"heap", "G1 Survivor Space", "4e6"},
                {"non_heap", "Metaspace", "3.5e7"}, {"non_heap", "CodeHeap 'non-profiled nmethods'", "9e6"}};
        for (String[] p : pools) {
            double base = Double.parseDouble(p[2]);
            String[] labels = {"jvm.memory.type", p[0], "jvm.memory.pool.name", p[1]};
            out.add(gauge("jvm.memory.used", "By", t, i -> base * (1 + 0.3 * ((i % 12) / 12.0)), labels));
            out.add(gauge("jvm.memory.committed", "By", t, i -> base * 1.5, labels));
            if ("heap".equals(p[0])) {
                out.add(gauge("jvm.memory.limit", "By", t, i -> 5.12e8, labels));
            }
        }
        out.add(histogram("jvm.gc.duration", t, GC_BOUNDS, i -> new long[] {i * 2L, i / 3L, 0, 0, 0},
                i -> i * 0.009, "jvm.gc.name", "G1 Young Generation", "jvm.gc.action", "end of minor GC"));
        out.add(gauge("jvm.thread.count", "{thread}", t, i -> 18, "jvm.thread.daemon", "true"));
        out.add(gauge("jvm.thread.count", "{thread}", t, i -> 9 + (i % 3), "jvm.thread.daemon", "false"));
        out.add(gauge("jvm.class.count", "{class}", t, i -> 5400 + i));
        out.add(counter("jvm.class.loaded", "{class}", t, i -> 5400 + i));
        out.add(gauge("jvm.cpu.count", "{cpu}", t, i -> 2));
        out.add(gauge("jvm.cpu.recent_utilization", "1", t, i -> 0.1 + 0.05 * r.nextDouble()));
    }

    private static void spanMetrics(List<MetricSeries> out, long[] t, Random r) {
        // 10 frames a second through capture and motion detection; a face in one frame of five.
        spans(out, t, "Camera.capture", null, 100, 0.002);
        spans(out, t, "MotionDetector.detect", null, 100, 0.004);
        spans(out, t, "DoorbellPipeline.analyze", null, 20, 0.06);
        spans(out, t, "FaceDetector.detect", null, 20, 0.03);
        spans(out, t, "FaceRecognizer.recognize", "KNOWN", 12, 0.08);
        spans(out, t, "FaceRecognizer.recognize", "UNKNOWN", 6, 0.09);
        spans(out, t, "FaceRecognizer.recognize", "BLACKLISTED", 1, 0.085);
        spans(out, t, "EventProcessor.process", null, 20, 0.001);
    }

    /** Calls and a duration histogram of one span name: {@code perStep} spans every 10 s, each lasting about {@code typical} s. */
    private static void spans(List<MetricSeries> out, long[] t, String name, String result, int perStep, double typical) {
        String[] labels = result == null
                ? new String[] {"span_name", name, "span_kind", "SPAN_KIND_INTERNAL", "status_code", "STATUS_CODE_UNSET"}
                : new String[] {"span_name", name, "span_kind", "SPAN_KIND_INTERNAL", "status_code", "STATUS_CODE_UNSET",
                        "recognition_result", result};
        int at = 0;
        while (at < SPAN_BOUNDS.length && SPAN_BOUNDS[at] < typical) {
            at++;
        }
        final int bucket = at;
        out.add(counter("traces.span.metrics.calls", "{call}", t, i -> (double) i * perStep, labels));
        out.add(histogram("traces.span.metrics.duration", t, SPAN_BOUNDS, i -> {
            long[] c = new long[SPAN_BOUNDS.length + 1];
            long all = (long) i * perStep;
            c[bucket] = all * 7 / 10;
            c[Math.max(0, bucket - 1)] += all * 2 / 10;
            c[Math.min(SPAN_BOUNDS.length, bucket + 1)] += all - all * 7 / 10 - all * 2 / 10;
            return c;
        }, i -> (double) i * perStep * typical, labels));
    }

    private interface Value {
        double at(int i);
    }

    private interface Counts {
        long[] at(int i);
    }

    private static String[] with(String[] base, String... more) {
        String[] l = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, l, base.length, more.length);
        return l;
    }

    private static MetricSeries gauge(String name, String unit, long[] t, Value v, String... labels) {
        return number(MetricType.METRIC_TYPE_GAUGE, name, unit, t, v, labels);
    }

    private static MetricSeries counter(String name, String unit, long[] t, Value v, String... labels) {
        return number(MetricType.METRIC_TYPE_COUNTER, name, unit, t, v, labels);
    }

    private static MetricSeries number(MetricType type, String name, String unit, long[] t, Value v, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit(unit).setDescription(name).setType(type);
        for (int i = 0; i < t.length; i++) {
            b.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t[i] * 1_000_000L).setValue(v.at(i)));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries histogram(String name, long[] t, double[] bounds, Counts counts, Value sum, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setUnit("s").setDescription(name)
                .setType(MetricType.METRIC_TYPE_HISTOGRAM);
        for (int i = 0; i < t.length; i++) {
            HistogramPoint.Builder p = HistogramPoint.newBuilder().setTimeUnixNano(t[i] * 1_000_000L).setSum(sum.at(i));
            for (double bound : bounds) {
                p.addExplicitBounds(bound);
            }
            long total = 0;
            for (long c : counts.at(i)) {
                p.addBucketCounts(c);
                total += c;
            }
            b.addHistogramPoints(p.setCount(total));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries.Builder labels(MetricSeries.Builder b, String... labels) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            b.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
        }
        return b;
    }

    // ------------------------------------------------------------------ traces

    /** One frame's trace (ids of its own per agent): capture (root), motion, analysis, detection, recognition, events. */
    private static List<Span> frame(long trace, long endMs, String result) {
        long end = endMs * 1_000_000L;
        long start = end - 150_000_000L;
        List<Span> spans = new ArrayList<>();
        spans.add(span(trace, 1, 0, "Camera.capture", start, start + 2_000_000L).addAttributes(kv("frame.id", trace & 0xffff)).build());
        spans.add(span(trace, 2, 1, "MotionDetector.detect", start + 3_000_000L, start + 7_000_000L)
                .addAttributes(kv("frame.id", trace & 0xffff)).build());
        spans.add(span(trace, 3, 1, "DoorbellPipeline.analyze", start + 8_000_000L, end - 10_000_000L)
                .addAttributes(kv("frame.id", trace & 0xffff)).addAttributes(kv("faces.count", 1)).build());
        spans.add(span(trace, 4, 3, "FaceDetector.detect", start + 9_000_000L, start + 40_000_000L)
                .addAttributes(kv("frame.id", trace & 0xffff)).build());
        Span.Builder rec = span(trace, 5, 3, "FaceRecognizer.recognize", start + 41_000_000L, start + 120_000_000L)
                .addAttributes(kv("frame.id", trace & 0xffff))
                .addAttributes(kv("recognition.result", result))
                .addAttributes(KeyValue.newBuilder().setKey("recognition.confidence")
                        .setValue(AnyValue.newBuilder().setDoubleValue(0.9)).build());
        if (!"UNKNOWN".equals(result)) {
            boolean bad = "BLACKLISTED".equals(result);
            rec.addAttributes(kv("person.id", bad ? "p-9" : "p-1")).addAttributes(kv("person.name", bad ? "Mallory" : "Alice"))
                    .addAttributes(kv("person.role", bad ? "BLACKLISTED" : "RESIDENT"));
        }
        spans.add(rec.build());
        spans.add(span(trace, 6, 3, "EventProcessor.process", start + 121_000_000L, start + 125_000_000L)
                .addAttributes(kv("frame.id", trace & 0xffff)).build());
        return spans;
    }

    private static Span.Builder span(long trace, long id, long parent, String name, long startNanos, long endNanos) {
        Span.Builder b = Span.newBuilder().setTraceId(TestAgent.id(16, trace)).setSpanId(TestAgent.id(8, id))
                .setName(name).setKind(SpanKind.SPAN_KIND_INTERNAL).setStatusCode(StatusCode.STATUS_CODE_UNSET)
                .setStartTimeUnixNano(startNanos).setEndTimeUnixNano(endNanos);
        if (parent != 0) {
            b.setParentSpanId(TestAgent.id(8, parent));
        }
        return b;
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue kv(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
