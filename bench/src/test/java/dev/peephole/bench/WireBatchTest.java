package dev.peephole.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Span;
import dev.peephole.proto.v1.SpanEvent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The patched messages are exactly the batches they stand for. */
class WireBatchTest {

    private static final long BASE = 1_780_000_000_000_000_000L;

    @Test
    void pointsMoveBySequenceAndKeepEverythingElse() throws Exception {
        Batch template = Batch.newBuilder()
                .addAllMetrics(Shapes.metricBatch(Shapes.series(30), 100, BASE, new Random(1))).build();
        long shift = Shapes.maxPointsPerSeries(30, 100) * Shapes.POINT_STEP_NANOS;
        WireBatch w = new WireBatch(template, shift);
        assertEquals(100, w.rows());
        for (long seq : new long[] {1, 127, 128, 300_000}) {
            Batch expected = template.toBuilder().setSequence(seq).clearMetrics()
                    .addAllMetrics(template.getMetricsList().stream().map(m -> shifted(m, seq * shift)).toList())
                    .build();
            assertEquals(expected, AgentMessage.parseFrom(w.message(seq, 99)).getBatch());
        }
    }

    @Test
    void spansGetNewTracesAndTimesPerSequence() throws Exception {
        Batch template = Batch.newBuilder().addAllSpans(Shapes.spanBatch(400, BASE, new Random(2))).build();
        WireBatch w = new WireBatch(template, Shapes.SPAN_BATCH_SHIFT_NANOS);
        long salt = 5L << 48;
        for (long seq : new long[] {1, 2, 1000}) {
            Batch got = AgentMessage.parseFrom(w.message(seq, salt)).getBatch();
            assertEquals(seq, got.getSequence());
            assertEquals(400, got.getSpansCount());
            for (int i = 0; i < 400; i++) {
                Span t = template.getSpans(i);
                Span g = got.getSpans(i);
                ByteBuffer id = g.getTraceId().asReadOnlyByteBuffer();
                assertEquals(salt + seq, id.getLong());
                assertEquals(t.getTraceId().substring(8), g.getTraceId().substring(8));
                long d = seq * Shapes.SPAN_BATCH_SHIFT_NANOS;
                Span.Builder e = t.toBuilder().setTraceId(g.getTraceId())
                        .setStartTimeUnixNano(t.getStartTimeUnixNano() + d).setEndTimeUnixNano(t.getEndTimeUnixNano() + d)
                        .clearEvents();
                for (SpanEvent ev : t.getEventsList()) {
                    e.addEvents(ev.toBuilder().setTimeUnixNano(ev.getTimeUnixNano() + d));
                }
                assertEquals(e.build(), g);
            }
        }
        // spans of one trace keep sharing their trace id, and the parents stay theirs
        Batch got = AgentMessage.parseFrom(w.message(3, salt)).getBatch();
        assertEquals(got.getSpans(0).getTraceId(), got.getSpans(1).getTraceId());
        assertEquals(got.getSpans(0).getSpanId(), got.getSpans(1).getParentSpanId());
        assertNotEquals(got.getSpans(0).getTraceId(), AgentMessage.parseFrom(w.message(4, salt)).getBatch()
                .getSpans(0).getTraceId());
    }

    @Test
    void shapesAreAsAdvertised() {
        List<Shapes.SeriesShape> series = Shapes.series(200);
        assertEquals(200, series.stream().map(s -> s.family().name() + String.join("|", s.labelValues())).distinct().count());
        for (Shapes.SeriesShape s : series) {
            int labels = s.labelValues().length;
            assertEquals(true, labels >= 3 && labels <= 5, s.family().name());
        }
        for (Span s : Shapes.spanBatch(1000, BASE, new Random(3))) {
            assertEquals(16, s.getTraceId().size());
            assertEquals(8, s.getSpanId().size());
            assertEquals(true, s.getAttributesCount() >= 4 && s.getAttributesCount() <= 6, s.getName());
        }
        assertEquals("{\"a_b\":\"x\",\"host_name\":\"h\",\"instance\":\"i\",\"service_name\":\"s\"}",
                new Shapes.SeriesShape(new Shapes.Family("m", "1", null, "m", new String[] {"a.b"},
                        new String[][] {{"x"}}, 1), new String[] {"x"}).labelsJson("s", "h", "i"));
    }

    @Test
    void argsAreCheckedAndUsageComesBack() throws Exception {
        Map<String, String> defaults = new java.util.LinkedHashMap<>();
        defaults.put("kind", "points");
        defaults.put("agents", "8");
        defaults.put("token", null);
        Args a = new Args(new String[] {"--token", "t", "--agents=3"}, defaults);
        assertEquals(3, a.positiveInt("agents"));
        assertEquals("points", a.oneOf("kind", "points", "spans"));
        assertThrows(Args.BadArgs.class, () -> new Args(new String[] {"--agents", "3"}, defaults));
        assertThrows(Args.BadArgs.class, () -> new Args(new String[] {"--token", "t", "--nope", "1"}, defaults));
        assertThrows(Args.BadArgs.class, () -> new Args(new String[] {"--token"}, defaults));
        assertThrows(Args.BadArgs.class, () -> new Args(new String[] {"--token", "t", "--agents", "x"}, defaults)
                .positiveInt("agents"));
    }

    private static MetricSeries shifted(MetricSeries m, long by) {
        MetricSeries.Builder b = m.toBuilder().clearPoints();
        for (NumberPoint p : m.getPointsList()) {
            b.addPoints(p.toBuilder().setTimeUnixNano(p.getTimeUnixNano() + by));
        }
        return b.build();
    }
}
