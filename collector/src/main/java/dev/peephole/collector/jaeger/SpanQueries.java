package dev.peephole.collector.jaeger;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** The span reads behind the Jaeger API; every value goes in as a bind parameter. */
@Singleton
public class SpanQueries {

    static final String SPAN_COLUMNS = "trace_id, span_id, parent_span_id, service_name, operation, kind, "
            + "(extract(epoch FROM start_time) * 1000000)::bigint, duration_ns, status_code, status_message, "
            + "attributes::text, events::text, agent_id, host_name";

    /** What a trace search asks for. Times in microseconds since the epoch. */
    public record TraceQuery(String service, String operation, Map<String, String> tags, long startMicros,
                             long endMicros, Long minDurationNanos, Long maxDurationNanos, int limit) {
    }

    public record Dependency(String parent, String child, long callCount) {
    }

    private final DataSource dataSource;

    public SpanQueries(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    public List<String> services() throws SQLException {
        return strings("SELECT DISTINCT service_name FROM span_operations ORDER BY 1");
    }

    /** Operation names of a service with their span kinds. */
    public List<String[]> operations(String service) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT operation, kind FROM span_operations WHERE service_name = ? ORDER BY 1, 2")) {
            ps.setString(1, service);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new String[] {rs.getString(1), JaegerJson.kindName(rs.getInt(2))});
                }
            }
        }
        return out;
    }

    /** The spans of the traces matching the query, newest traces first, grouped by trace. */
    public Map<String, List<SpanRow>> findTraces(TraceQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder(
                "SELECT trace_id FROM spans WHERE service_name = ? AND start_time >= ? AND start_time <= ?");
        List<Object> args = new ArrayList<>();
        args.add(q.service());
        args.add(Timestamp.from(Instant.ofEpochSecond(0, q.startMicros() * 1000)));
        args.add(Timestamp.from(Instant.ofEpochSecond(0, q.endMicros() * 1000)));
        if (q.operation() != null) {
            sql.append(" AND operation = ?");
            args.add(q.operation());
        }
        if (q.minDurationNanos() != null) {
            sql.append(" AND duration_ns >= ?");
            args.add(q.minDurationNanos());
        }
        if (q.maxDurationNanos() != null) {
            sql.append(" AND duration_ns <= ?");
            args.add(q.maxDurationNanos());
        }
        for (Map.Entry<String, String> tag : q.tags().entrySet()) {
            if (tag.getKey().equals("error")) {
                sql.append(tag.getValue().equals("true") ? " AND status_code = 2" : " AND status_code <> 2");
            } else {
                sql.append(" AND attributes ->> ? = ?");
                args.add(tag.getKey());
                args.add(tag.getValue());
            }
        }
        sql.append(" GROUP BY trace_id ORDER BY max(start_time) DESC LIMIT ?");
        args.add(q.limit());
        List<byte[]> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getBytes(1));
                }
            }
        }
        return spansOf(ids);
    }

    /** All spans of the given traces, grouped by trace id (hex) in the given order. */
    public Map<String, List<SpanRow>> spansOf(List<byte[]> traceIds) throws SQLException {
        Map<String, List<SpanRow>> traces = new LinkedHashMap<>();
        if (traceIds.isEmpty()) {
            return traces;
        }
        for (byte[] id : traceIds) {
            traces.put(JaegerJson.hex(id), new ArrayList<>());
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + SPAN_COLUMNS
                     + " FROM spans WHERE trace_id = ANY (?) ORDER BY start_time")) {
            ps.setArray(1, c.createArrayOf("bytea", traceIds.toArray(new byte[0][])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SpanRow row = new SpanRow(rs.getBytes(1), rs.getBytes(2), rs.getBytes(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getLong(7), rs.getLong(8), rs.getInt(9),
                            rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14));
                    traces.get(JaegerJson.hex(row.traceId())).add(row);
                }
            }
        }
        traces.values().removeIf(List::isEmpty);
        return traces;
    }

    /** Calls between services: a span whose parent belongs to another service. */
    public List<Dependency> dependencies(long startMicros, long endMicros) throws SQLException {
        List<Dependency> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT p.service_name, s.service_name, count(*) FROM spans s "
                             + "JOIN spans p ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id "
                             + "WHERE s.start_time >= ? AND s.start_time <= ? "
                             + "AND p.start_time >= ?::timestamptz - interval '1 hour' AND p.start_time <= ? "
                             + "AND p.service_name <> s.service_name GROUP BY 1, 2 ORDER BY 1, 2")) {
            Timestamp from = Timestamp.from(Instant.ofEpochSecond(0, startMicros * 1000));
            Timestamp to = Timestamp.from(Instant.ofEpochSecond(0, endMicros * 1000));
            ps.setTimestamp(1, from);
            ps.setTimestamp(2, to);
            ps.setTimestamp(3, from);
            ps.setTimestamp(4, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Dependency(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }

    private List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
