package dev.peephole.collector.reports;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** The {@code reports}, {@code report_charts} and {@code report_schedules} tables. */
@Singleton
public class ReportStore {

    private static final String REPORT_COLUMNS = "id, schedule_id, schedule_name, period, start_at, end_at, generated_at, "
            + "created_by, delivery_outcome, delivery_error, delivery_to, figures::text";
    private static final String SCHEDULE_COLUMNS = "id, name, period, at_time, weekday, timezone, receiver, recipients, "
            + "enabled, created_by, created_at, last_due, last_run_at, last_report_id, last_outcome, last_error";

    /** The part of the figures a list shows (the summary's highlights). */
    private static final String HIGHLIGHTS = "jsonb_build_object('frames', figures->'frames', 'recognitions', "
            + "figures->'recognitions', 'alerts', jsonb_build_object('fired', figures->'alerts'->'fired'))::text";

    private final DataSource dataSource;

    public ReportStore(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    /** A stored report (without its HTML, CSV and charts); {@code figures} is JSON (only the highlights in a list). */
    public record Report(long id, Long scheduleId, String scheduleName, String period, Instant start, Instant end,
                         Instant generatedAt, String createdBy, String outcome, String error, List<String> to,
                         String figures) {
    }

    /** A report schedule as stored. */
    public record Schedule(long id, String name, String period, String at, String weekday, String timezone,
                           String receiver, List<String> to, boolean enabled, String createdBy, Instant createdAt,
                           Instant lastDue, Instant lastRunAt, Long lastReportId, String lastOutcome, String lastError) {
    }

    // ------------------------------------------------------------------ reports

    /** A fresh report id (the HTML names its chart addresses by it before the row exists). */
    public long nextId() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT nextval(pg_get_serial_sequence('reports', 'id'))");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Stores a report with its charts in one transaction, then deletes the oldest beyond {@code keep}. */
    public void insert(long id, Long scheduleId, String scheduleName, String period, Instant start, Instant end,
                       Instant generatedAt, String createdBy, String figures, String html, String csv,
                       Map<String, byte[]> charts, int keep) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO reports (id, schedule_id, schedule_name, period, "
                        + "start_at, end_at, generated_at, created_by, figures, html, csv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)")) {
                    ps.setLong(1, id);
                    if (scheduleId == null) {
                        ps.setNull(2, java.sql.Types.BIGINT);
                    } else {
                        ps.setLong(2, scheduleId);
                    }
                    ps.setString(3, scheduleName);
                    ps.setString(4, period);
                    ps.setTimestamp(5, Timestamp.from(start));
                    ps.setTimestamp(6, Timestamp.from(end));
                    ps.setTimestamp(7, Timestamp.from(generatedAt));
                    ps.setString(8, createdBy);
                    ps.setString(9, figures);
                    ps.setString(10, html);
                    ps.setString(11, csv);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO report_charts (report_id, name, png) VALUES (?, ?, ?)")) {
                    for (Map.Entry<String, byte[]> e : charts.entrySet()) {
                        ps.setLong(1, id);
                        ps.setString(2, e.getKey());
                        ps.setBytes(3, e.getValue());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                prune(c, keep);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /** Deletes every report but the newest {@code keep} (their charts go with them); returns how many. */
    public int prune(int keep) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return prune(c, keep);
        }
    }

    private static int prune(Connection c, int keep) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM reports WHERE id IN (SELECT id FROM reports "
                + "ORDER BY generated_at DESC, id DESC OFFSET ?)")) {
            ps.setInt(1, Math.max(0, keep));
            return ps.executeUpdate();
        }
    }

    public void setDelivery(long id, String outcome, String error, List<String> to) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE reports SET delivery_outcome = ?, delivery_error = ?, "
                     + "delivery_to = ? WHERE id = ?")) {
            ps.setString(1, outcome);
            ps.setString(2, error);
            ps.setArray(3, c.createArrayOf("text", to.toArray()));
            ps.setLong(4, id);
            ps.executeUpdate();
        }
    }

    public List<Report> list(int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + REPORT_COLUMNS.replace("figures::text", HIGHLIGHTS)
                     + " FROM reports ORDER BY generated_at DESC, id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<Report> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(report(rs));
                }
                return out;
            }
        }
    }

    /** The report with its figures. */
    public Optional<Report> get(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + REPORT_COLUMNS + " FROM reports WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(report(rs)) : Optional.empty();
            }
        }
    }

    /** The report's {@code html} or {@code csv} column. */
    public Optional<String> text(long id, boolean html) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + (html ? "html" : "csv") + " FROM reports WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public Optional<byte[]> chart(long id, String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT png FROM report_charts WHERE report_id = ? AND name = ?")) {
            ps.setLong(1, id);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        }
    }

    /** Every chart of a report, by name. */
    public Map<String, byte[]> charts(long id) throws SQLException {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name, png FROM report_charts WHERE report_id = ? ORDER BY name")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getBytes(2));
                }
            }
        }
        return out;
    }

    private static Report report(ResultSet rs) throws SQLException {
        long sid = rs.getLong(2);
        Long scheduleId = rs.wasNull() ? null : sid;
        return new Report(rs.getLong(1), scheduleId, rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant(),
                rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(), rs.getString(8), rs.getString(9),
                rs.getString(10), strings(rs.getArray(11)), rs.getString(12));
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.asList((String[]) a.getArray());
    }

    // ------------------------------------------------------------------ schedules

    public List<Schedule> schedules() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + SCHEDULE_COLUMNS + " FROM report_schedules ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            List<Schedule> out = new ArrayList<>();
            while (rs.next()) {
                out.add(schedule(rs));
            }
            return out;
        }
    }

    public Optional<Schedule> schedule(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + SCHEDULE_COLUMNS + " FROM report_schedules WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(schedule(rs)) : Optional.empty();
            }
        }
    }

    /** Creates a schedule; {@code lastDue} starts at creation, so no run is "missed" before it existed. */
    public Schedule create(ScheduleSpec s, String actor) throws SQLException {
        long id;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO report_schedules (name, period, at_time, weekday, timezone, "
                     + "receiver, recipients, enabled, created_by, updated_by, last_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()) "
                     + "RETURNING id")) {
            bind(c, ps, s);
            ps.setString(9, actor);
            ps.setString(10, actor);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        return schedule(id).orElseThrow();
    }

    public Optional<Schedule> update(long id, ScheduleSpec s, String actor) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE report_schedules SET name = ?, period = ?, at_time = ?, weekday = ?, "
                     + "timezone = ?, receiver = ?, recipients = ?, enabled = ?, updated_by = ?, updated_at = now(), "
                     + "last_due = greatest(last_due, now()) WHERE id = ?")) {
            bind(c, ps, s);
            ps.setString(9, actor);
            ps.setLong(10, id);
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        return schedule(id);
    }

    public boolean deleteSchedule(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM report_schedules WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * Claims a due run: sets {@code last_due} to {@code due} only when it is still before it, so of
     * two racing collectors (or a leader change) one runs it. True when this caller claimed it.
     */
    public boolean claim(long id, Instant due) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE report_schedules SET last_due = ? WHERE id = ? "
                     + "AND (last_due IS NULL OR last_due < ?)")) {
            ps.setTimestamp(1, Timestamp.from(due));
            ps.setLong(2, id);
            ps.setTimestamp(3, Timestamp.from(due));
            return ps.executeUpdate() > 0;
        }
    }

    public void recordRun(long id, Instant at, Long reportId, String outcome, String error) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE report_schedules SET last_run_at = ?, last_report_id = ?, "
                     + "last_outcome = ?, last_error = ? WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(at));
            if (reportId == null) {
                ps.setNull(2, java.sql.Types.BIGINT);
            } else {
                ps.setLong(2, reportId);
            }
            ps.setString(3, outcome);
            ps.setString(4, error);
            ps.setLong(5, id);
            ps.executeUpdate();
        }
    }

    private static void bind(Connection c, PreparedStatement ps, ScheduleSpec s) throws SQLException {
        ps.setString(1, s.name());
        ps.setString(2, s.period());
        ps.setString(3, s.at());
        ps.setString(4, s.weekday());
        ps.setString(5, s.timezone());
        ps.setString(6, s.receiver());
        ps.setArray(7, c.createArrayOf("text", s.to().toArray()));
        ps.setBoolean(8, s.enabled());
    }

    private static Schedule schedule(ResultSet rs) throws SQLException {
        long rid = rs.getLong(14);
        Long reportId = rs.wasNull() ? null : rid;
        return new Schedule(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), strings(rs.getArray(8)), rs.getBoolean(9), rs.getString(10),
                rs.getTimestamp(11).toInstant(), instant(rs.getTimestamp(12)), instant(rs.getTimestamp(13)), reportId,
                rs.getString(15), rs.getString(16));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
