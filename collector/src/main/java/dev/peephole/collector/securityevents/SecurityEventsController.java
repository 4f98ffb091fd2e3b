package dev.peephole.collector.securityevents;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.ingest.SecurityEventMapping;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code GET /api/v1/security/events?start=&end=&kind=&limit=}: stored security events,
 * newest first. Times as in Prometheus' API (RFC 3339 or Unix seconds); {@code end}
 * defaults to now, {@code start} to an hour before {@code end}; {@code kind} is known,
 * unknown or blacklisted (all when absent); {@code limit} 1..10000, default 100.
 */
@Controller("/api/v1/security/events")
@ExecuteOn(TaskExecutors.BLOCKING)
public class SecurityEventsController {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    private static final HexFormat HEX = HexFormat.of();

    private final DataSource dataSource;

    public SecurityEventsController(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    @Serdeable
    public record Event(Instant time, String kind, @Nullable String personId, @Nullable String personName,
                        @Nullable String personRole, @Nullable Double confidence, String agentId, String serviceName,
                        String hostName, String traceId, String spanId, @Nullable Long frameId) {
    }

    @Serdeable
    public record Response(String status, List<Event> data) {
    }

    @Get
    public Response events(@Nullable @QueryValue String start, @Nullable @QueryValue String end,
                           @Nullable @QueryValue String kind, @Nullable @QueryValue String limit) throws SQLException {
        Instant to = end == null || end.isBlank() ? Instant.now() : TimeParams.parseTime("end", end);
        Instant from = start == null || start.isBlank() ? to.minus(Duration.ofHours(1)) : TimeParams.parseTime("start", start);
        if (to.isBefore(from)) {
            throw new TimeParams.BadParameter("invalid parameter \"end\": end timestamp must not be before start time");
        }
        if (kind != null && !kind.isBlank() && !SecurityEventMapping.KINDS.contains(kind)) {
            throw new TimeParams.BadParameter("invalid parameter \"kind\": must be one of "
                    + String.join(", ", SecurityEventMapping.KINDS));
        }
        int max = limit == null || limit.isBlank() ? DEFAULT_LIMIT : TimeParams.parsePositiveInt("limit", limit, MAX_LIMIT);
        List<Event> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT at, kind, person_id, person_name, person_role, confidence, agent_id, service_name, "
                             + "host_name, trace_id, span_id, frame_id FROM security_events "
                             + "WHERE at >= ? AND at <= ? AND (?::text IS NULL OR kind = ?) ORDER BY at DESC LIMIT ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            String k = kind == null || kind.isBlank() ? null : kind;
            ps.setString(3, k);
            ps.setString(4, k);
            ps.setInt(5, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double confidence = rs.getDouble(6);
                    Double conf = rs.wasNull() ? null : confidence;
                    long frame = rs.getLong(12);
                    Long frameId = rs.wasNull() ? null : frame;
                    out.add(new Event(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), conf, rs.getString(7), rs.getString(8), rs.getString(9),
                            HEX.formatHex(rs.getBytes(10)), HEX.formatHex(rs.getBytes(11)), frameId));
                }
            }
        }
        return new Response("success", out);
    }
}
