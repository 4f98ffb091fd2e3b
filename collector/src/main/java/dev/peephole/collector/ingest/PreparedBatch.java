package dev.peephole.collector.ingest;

import dev.peephole.collector.export.ExportableSpans;
import dev.peephole.collector.storage.PgBinaryCopy;
import java.util.List;
import java.util.Map;

/**
 * One agent batch, validated and converted to rows, waiting to be committed.
 *
 * @param points      the metric points grouped by series
 * @param spans       the span rows, already encoded for COPY into {@code spans}
 * @param metadata    type/unit/help of the metric names in this batch
 * @param rejectedPoints points refused while preparing (timestamps out of range)
 * @param rejectedSpans  spans refused while preparing
 * @param securityEvents rows of {@code security_events} from the batch's recognition spans
 *                       ({@link SecurityEventMapping}), stored in the same transaction as the spans
 * @param securityEventCounts how many of those per counter series
 * @param exportSpans    the batch's stored spans for the OTLP forwarder, offered after the commit;
 *                       null when spans are not forwarded
 */
public record PreparedBatch(String agentId,
                            String sessionId,
                            long sequence,
                            List<SeriesPoints> points,
                            PgBinaryCopy spans,
                            int spanCount,
                            Map<String, MetricMetadata> metadata,
                            int rejectedPoints,
                            int rejectedSpans,
                            List<String> reasons,
                            java.util.Set<SpanOperation> operations,
                            PgBinaryCopy securityEvents,
                            Map<SecurityEventMapping.TotalKey, Integer> securityEventCounts,
                            ExportableSpans exportSpans) {

    /** A batch whose spans are not forwarded. */
    public PreparedBatch(String agentId, String sessionId, long sequence, List<SeriesPoints> points, PgBinaryCopy spans,
                         int spanCount, Map<String, MetricMetadata> metadata, int rejectedPoints, int rejectedSpans,
                         List<String> reasons, java.util.Set<SpanOperation> operations, PgBinaryCopy securityEvents,
                         Map<SecurityEventMapping.TotalKey, Integer> securityEventCounts) {
        this(agentId, sessionId, sequence, points, spans, spanCount, metadata, rejectedPoints, rejectedSpans, reasons,
                operations, securityEvents, securityEventCounts, null);
    }

    /** A batch without security events (e.g. from a source that has no recognition spans). */
    public PreparedBatch(String agentId, String sessionId, long sequence, List<SeriesPoints> points, PgBinaryCopy spans,
                         int spanCount, Map<String, MetricMetadata> metadata, int rejectedPoints, int rejectedSpans,
                         List<String> reasons, java.util.Set<SpanOperation> operations) {
        this(agentId, sessionId, sequence, points, spans, spanCount, metadata, rejectedPoints, rejectedSpans, reasons,
                operations, null, Map.of(), null);
    }

    /** A (service, operation, kind) seen in a batch, for the Jaeger operations list. */
    public record SpanOperation(String service, String operation, int kind) {
    }

    /** The points of one series in this batch, timestamps in Unix nanoseconds. */
    public record SeriesPoints(SeriesKey key, long[] timesNanos, double[] values, int count) {
    }

    /** What /api/v1/metadata tells of a metric name. */
    public record MetricMetadata(String type, String unit, String help) {
    }

    public int pointCount() {
        int n = 0;
        for (SeriesPoints p : points) {
            n += p.count();
        }
        return n;
    }
}
