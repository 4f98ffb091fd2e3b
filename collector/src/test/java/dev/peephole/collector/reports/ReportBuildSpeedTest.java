package dev.peephole.collector.reports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
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
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How long a daily report takes over a full day of one doorbell agent's data (host and JVM
 * gauges, span metrics of six operations with duration histograms, every 10 s; a recognition
 * span every 30 s), on the embedded PostgreSQL: the build (figures, charts, HTML, CSV, stored)
 * is timed and printed; the figures are checked against what was sent.
 */
class ReportBuildSpeedTest {

    private static final String TOKEN = "report-speed-token";
    private static final long STEP_MS = 10_000;
    private static final String[] SPANS = {"Camera.capture", "MotionDetector.detect", "DoorbellPipeline.analyze",
            "FaceDetector.detect", "FaceRecognizer.recognize", "EventProcessor.process"};
    private static final int[] PER_STEP = {100, 100, 20, 20, 18, 20};
    private static EmbeddedServer server;
    private static Instant end;
    private static long points;
    private static long spans;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> props = new HashMap<>(TestDatabase.collectorProperties());
        props.put("micronaut.server.port", -1);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", TOKEN);
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.rollup.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        long first = end.minus(Duration.ofHours(24)).plusSeconds(60).toEpochMilli(); // ingest takes a day back at most
        int n = (int) ((end.toEpochMilli() - first) / STEP_MS) + 1;
        long t0 = System.nanoTime();
        try (TestAgent agent = new TestAgent(server.getApplicationContext().getBean(AgentGrpcServer.class).port(), TOKEN,
                "speed-agent")) {
            agent.sendHello("doorbell-speed");
            agent.next(30);
            long seq = 1;
            int chunk = 360; // an hour of samples a batch
            for (int from = 0; from < n; from += chunk) {
                int to = Math.min(n, from + chunk);
                Batch.Builder b = Batch.newBuilder().setSequence(seq++);
                for (int s = 0; s < SPANS.length; s++) {
                    final int perStep = PER_STEP[s];
                    b.addMetrics(series("traces.span.metrics.calls", MetricType.METRIC_TYPE_COUNTER, first, from, to,
                            i -> (double) i * perStep, "span_name", SPANS[s], "status_code", "STATUS_CODE_UNSET"));
                    b.addMetrics(histogram(first, from, to, perStep, 8 + s % 3, "span_name", SPANS[s], "status_code", "STATUS_CODE_UNSET"));
                }
                b.addMetrics(series("system.cpu.utilization", MetricType.METRIC_TYPE_GAUGE, first, from, to, i -> 0.2 + (i % 100) / 1000.0));
                b.addMetrics(series("system.memory.usage", MetricType.METRIC_TYPE_GAUGE, first, from, to, i -> 3e9 + i, "system.memory.state", "used"));
                b.addMetrics(series("system.cpu.load_average.1m", MetricType.METRIC_TYPE_GAUGE, first, from, to, i -> 0.5 + (i % 7) / 10.0));
                b.addMetrics(series("system.filesystem.utilization", MetricType.METRIC_TYPE_GAUGE, first, from, to, i -> 0.4,
                        "system.filesystem.mountpoint", "/", "system.filesystem.type", "ext4"));
                b.addMetrics(series("jvm.thread.count", MetricType.METRIC_TYPE_GAUGE, first, from, to, i -> 20));
                for (int i = from; i < to; i += 3) { // a recognition every 30 s
                    long e = (first + i * STEP_MS) * 1_000_000L;
                    String result = i % 30 == 0 ? "BLACKLISTED" : i % 2 == 0 ? "KNOWN" : "UNKNOWN";
                    Span.Builder sp = Span.newBuilder().setTraceId(TestAgent.id(16, 0x7700000L + i)).setSpanId(TestAgent.id(8, i + 1))
                            .setName("FaceRecognizer.recognize").setKind(SpanKind.SPAN_KIND_INTERNAL)
                            .setStatusCode(StatusCode.STATUS_CODE_UNSET).setStartTimeUnixNano(e - 80_000_000L).setEndTimeUnixNano(e)
                            .addAttributes(kv("recognition.result", result));
                    if (!"UNKNOWN".equals(result)) {
                        sp.addAttributes(kv("person.name", "KNOWN".equals(result) ? "Alice" : "Mallory"));
                    }
                    b.addSpans(sp);
                }
                agent.sendBatch(b.build());
                CollectorMessage m;
                do {
                    m = agent.next(120);
                    assertThat(m).as("an acknowledgement").isNotNull();
                } while (!m.hasAck());
                assertThat(m.getAck().getRejectedPoints()).as("%s", m.getAck().getReasonsList()).isZero();
                points += m.getAck().getAcceptedPoints();
                spans += m.getAck().getAcceptedSpans();
            }
        }
        System.out.printf("report speed: ingested %,d points and %,d spans of 24 h in %d ms%n", points, spans,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aDailyReportOverADayOfDataIsBuiltInSeconds() throws Exception {
        ReportService service = server.getApplicationContext().getBean(ReportService.class);
        long best = Long.MAX_VALUE;
        ReportService.Generated g = null;
        List<Long> runs = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            g = service.generate("daily", end, null, "bench");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            runs.add(ms);
            best = Math.min(best, ms);
        }
        System.out.printf("report speed: daily report over %,d points and %,d spans built and stored in %s ms (best %d ms)%n",
                points, spans, runs, best);
        JsonNode f = g.figures();
        // 100 frames every 10 s over the day the data covers (a minute short of 24 h), give or take the first step
        assertThat(f.at("/frames/current").asDouble()).isBetween(100.0 * (8634 - 2), 100.0 * (8634 + 2));
        assertThat(f.at("/frames/previous").isNull()).isTrue(); // nothing stored the day before
        assertThat(f.at("/visitors/blacklisted/total").asLong()).isEqualTo(spans / 10 + (spans % 10 == 0 ? 0 : 1));
        assertThat(f.at("/uptime/agents/0/minutesWithData").asLong()).isBetween(1438L, 1440L);
        // generous: the build must finish, the printed figure is what matters
        assertThat(best).isLessThan(120_000);
    }

    private interface Value {
        double at(int i);
    }

    private static MetricSeries series(String name, MetricType type, long first, int from, int to, Value v, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName(name).setType(type).setDescription(name)
                .setUnit(name.contains("memory") ? "By" : name.contains("load") ? "{run_queue_item}" : name.contains("thread") ? "{thread}" : "1");
        for (int i = from; i < to; i++) {
            b.addPoints(NumberPoint.newBuilder().setTimeUnixNano((first + i * STEP_MS) * 1_000_000L).setValue(v.at(i)));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries histogram(long first, int from, int to, int perStep, int bucket, String... labels) {
        MetricSeries.Builder b = MetricSeries.newBuilder().setName("traces.span.metrics.duration").setUnit("s")
                .setDescription("durations").setType(MetricType.METRIC_TYPE_HISTOGRAM);
        for (int i = from; i < to; i++) {
            HistogramPoint.Builder p = HistogramPoint.newBuilder().setTimeUnixNano((first + i * STEP_MS) * 1_000_000L);
            for (double bound : KnownReportData.BOUNDS) {
                p.addExplicitBounds(bound);
            }
            long all = (long) i * perStep;
            for (int k = 0; k <= KnownReportData.BOUNDS.length; k++) {
                p.addBucketCounts(k == bucket ? all * 8 / 10 : k == bucket + 1 ? all - all * 8 / 10 : 0);
            }
            b.addHistogramPoints(p.setCount(all).setSum(all * 0.04));
        }
        return labels(b, labels).build();
    }

    private static MetricSeries.Builder labels(MetricSeries.Builder b, String... labels) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            b.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
        }
        return b;
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
