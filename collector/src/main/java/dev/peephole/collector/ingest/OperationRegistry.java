package dev.peephole.collector.ingest;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps {@code span_operations} up to date: a triple is written when first seen by this
 * collector and again at most once an hour, so Jaeger's lists never scan the spans.
 */
@Singleton
public class OperationRegistry {

    private static final long REFRESH_MILLIS = 3_600_000L;
    private static final int MAX_CACHED = 100_000;
    private final Map<PreparedBatch.SpanOperation, Long> lastWritten = new ConcurrentHashMap<>();

    public void record(Connection c, Set<PreparedBatch.SpanOperation> seen) throws SQLException {
        long now = System.currentTimeMillis();
        List<PreparedBatch.SpanOperation> due = new ArrayList<>();
        for (PreparedBatch.SpanOperation op : seen) {
            Long at = lastWritten.get(op);
            if (at == null || now - at > REFRESH_MILLIS) {
                due.add(op);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        due.sort(java.util.Comparator.comparing(PreparedBatch.SpanOperation::service)
                .thenComparing(PreparedBatch.SpanOperation::operation).thenComparingInt(PreparedBatch.SpanOperation::kind));
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO span_operations (service_name, operation, kind, last_seen) VALUES (?, ?, ?, now()) "
                        + "ON CONFLICT (service_name, operation, kind) DO UPDATE SET last_seen = now()")) {
            for (PreparedBatch.SpanOperation op : due) {
                ps.setString(1, op.service());
                ps.setString(2, op.operation());
                ps.setInt(3, op.kind());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        if (lastWritten.size() > MAX_CACHED) {
            lastWritten.clear();
        }
        for (PreparedBatch.SpanOperation op : due) {
            lastWritten.put(op, now);
        }
    }
}
