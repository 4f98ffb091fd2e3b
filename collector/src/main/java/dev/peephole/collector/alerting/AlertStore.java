package dev.peephole.collector.alerting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.promql.Labels;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Alert episodes and their history in the database: what survives a restart (open episodes
 * with their active-since), and what operators look back on (every transition, every
 * acknowledgement, who and when).
 */
@Singleton
public class AlertStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> MAP = new TypeReference<>() {
    };

    private final DataSource dataSource;

    public AlertStore(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    /** An open episode as stored, to hand back to its rule after a restart. */
    public record Stored(String ruleKey, Alert alert) {
    }

    /** An episode for the history API. */
    @io.micronaut.serde.annotation.Serdeable
    public record Episode(long id, String alertname, Map<String, String> labels, Map<String, String> annotations,
                          String state, Double value, Instant activeAt, Instant firedAt, Instant resolvedAt,
                          Instant acknowledgedAt, String acknowledgedBy, List<Event> events) {
    }

    /** One transition or acknowledgement. */
    @io.micronaut.serde.annotation.Serdeable
    public record Event(Instant at, String from, String to, String actor, Double value) {
    }

    /** Stores an evaluation's transitions in one transaction; new episodes get their ids. */
    public void record(String ruleKey, List<AlertingRule.Transition> transitions) throws SQLException {
        if (transitions.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO alerts (rule_key, alertname, labels, annotations, state, value, active_at) "
                            + "VALUES (?, ?, ?::jsonb, ?::jsonb, 'pending', ?, ?) "
                            + "ON CONFLICT (rule_key, labels) WHERE state <> 'inactive' DO UPDATE SET updated_at = now() "
                            + "RETURNING id", Statement.NO_GENERATED_KEYS);
                 PreparedStatement update = c.prepareStatement(
                         "UPDATE alerts SET state = ?, value = ?, annotations = ?::jsonb, fired_at = ?, resolved_at = ?, "
                                 + "updated_at = now() WHERE id = ?");
                 PreparedStatement history = c.prepareStatement(
                         "INSERT INTO alert_history (alert_id, at, from_state, to_state, value) VALUES (?, ?, ?, ?, ?)")) {
                for (AlertingRule.Transition t : transitions) {
                    Alert a = t.alert();
                    if (t.from() == AlertState.INACTIVE && t.to() == AlertState.PENDING) {
                        insert.setString(1, ruleKey);
                        insert.setString(2, a.labels().get("alertname"));
                        insert.setString(3, json(a.labels().asMap()));
                        insert.setString(4, json(a.annotations()));
                        setValue(insert, 5, a.value());
                        insert.setTimestamp(6, ts(a.activeAtMs()));
                        try (ResultSet rs = insert.executeQuery()) {
                            rs.next();
                            a.id = rs.getLong(1);
                        }
                    } else {
                        update.setString(1, t.to().json());
                        setValue(update, 2, a.value());
                        update.setString(3, json(a.annotations()));
                        update.setTimestamp(4, a.firedAtMs() == 0 ? null : ts(a.firedAtMs()));
                        update.setTimestamp(5, t.to() == AlertState.INACTIVE ? ts(t.atMs()) : null);
                        update.setLong(6, a.id);
                        update.addBatch();
                    }
                    history.setLong(1, a.id);
                    history.setTimestamp(2, ts(t.atMs()));
                    history.setString(3, t.from().json());
                    history.setString(4, t.to().json());
                    setValue(history, 5, a.value());
                    history.addBatch();
                }
                update.executeBatch();
                history.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The open (pending or firing) episodes, to restore after a restart. */
    public List<Stored> open() throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, rule_key, labels::text, annotations::text, state, value, "
                     + "active_at, fired_at, acknowledged_at, acknowledged_by FROM alerts WHERE state <> 'inactive'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Alert a = new Alert(Labels.of(map(rs.getString(3))), map(rs.getString(4)),
                        AlertState.valueOf(rs.getString(5).toUpperCase(java.util.Locale.ROOT)),
                        rs.getObject(6) == null ? Double.NaN : rs.getDouble(6), rs.getTimestamp(7).getTime());
                a.id = rs.getLong(1);
                a.firedAtMs = rs.getTimestamp(8) == null ? 0 : rs.getTimestamp(8).getTime();
                a.acknowledgedAtMs = rs.getTimestamp(9) == null ? 0 : rs.getTimestamp(9).getTime();
                a.acknowledgedBy = rs.getString(10);
                out.add(new Stored(rs.getString(2), a));
            }
        }
        return out;
    }

    /** An acknowledgement stored for an open alert. */
    public record Ack(long id, String by, long atMs) {
    }

    /**
     * Acknowledgements of open alerts, as any collector on the database stored them (the
     * evaluating collector applies those made through another's API).
     */
    public List<Ack> openAcknowledgements() throws SQLException {
        List<Ack> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, acknowledged_by, acknowledged_at FROM alerts "
                     + "WHERE state <> 'inactive' AND acknowledged_at IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Ack(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).getTime()));
            }
        }
        return out;
    }

    /**
     * Closes open episodes of rules that no longer exist (a deleted or renamed rule), so they
     * do not stay "firing" in the history forever.
     */
    public int closeOrphans(java.util.Collection<String> liveRuleKeys, Instant at) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE alerts SET state = 'inactive', resolved_at = ?, "
                     + "updated_at = now() WHERE state <> 'inactive' AND NOT (rule_key = ANY (?))")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setArray(2, c.createArrayOf("text", liveRuleKeys.toArray()));
            return ps.executeUpdate();
        }
    }

    /** Records an acknowledgement; false when there is no such alert or it was acknowledged already. */
    public boolean acknowledge(long id, String actor, Instant at) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, "
                    + "updated_at = now() WHERE id = ? AND acknowledged_at IS NULL RETURNING state, value");
                 PreparedStatement history = c.prepareStatement("INSERT INTO alert_history (alert_id, at, from_state, "
                         + "to_state, actor, value) VALUES (?, ?, ?, 'acknowledged', ?, ?)")) {
                ps.setTimestamp(1, Timestamp.from(at));
                ps.setString(2, actor);
                ps.setLong(3, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        c.rollback();
                        return false;
                    }
                    history.setLong(1, id);
                    history.setTimestamp(2, Timestamp.from(at));
                    history.setString(3, rs.getString(1));
                    history.setString(4, actor);
                    history.setObject(5, rs.getObject(2));
                    history.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Alert names and severities of the alerts firing now, as stored (any collector can read them). */
    public List<Map.Entry<String, String>> firing() throws SQLException {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT alertname, coalesce(labels->>'severity', '') FROM alerts "
                     + "WHERE state = 'firing' ORDER BY alertname");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(Map.entry(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    /** Whether an alert with this id exists at all (to tell 404 from 409). */
    public boolean exists(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM alerts WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Episodes active in [start, end] (newest first) with their events. */
    public List<Episode> history(Instant start, Instant end, String alertname, int limit) throws SQLException {
        Map<Long, Episode> byId = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, alertname, labels::text, annotations::text, state, "
                    + "value, active_at, fired_at, resolved_at, acknowledged_at, acknowledged_by FROM alerts "
                    + "WHERE active_at <= ? AND coalesce(resolved_at, 'infinity') >= ? AND (?::text IS NULL OR alertname = ?) "
                    + "ORDER BY active_at DESC, id DESC LIMIT ?")) {
                ps.setTimestamp(1, Timestamp.from(end));
                ps.setTimestamp(2, Timestamp.from(start));
                ps.setString(3, alertname);
                ps.setString(4, alertname);
                ps.setInt(5, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        byId.put(id, new Episode(id, rs.getString(2), map(rs.getString(3)), map(rs.getString(4)),
                                rs.getString(5), (Double) rs.getObject(6), instant(rs.getTimestamp(7)),
                                instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)),
                                rs.getString(11), new ArrayList<>()));
                    }
                }
            }
            if (byId.isEmpty()) {
                return List.of();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT alert_id, at, from_state, to_state, actor, value "
                    + "FROM alert_history WHERE alert_id = ANY (?) ORDER BY at, id")) {
                ps.setArray(1, c.createArrayOf("bigint", byId.keySet().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byId.get(rs.getLong(1)).events().add(new Event(instant(rs.getTimestamp(2)), rs.getString(3),
                                rs.getString(4), rs.getString(5), (Double) rs.getObject(6)));
                    }
                }
            }
        }
        return new ArrayList<>(byId.values());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(long ms) {
        return new Timestamp(ms);
    }

    private static void setValue(PreparedStatement ps, int i, double v) throws SQLException {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            ps.setNull(i, Types.DOUBLE);
        } else {
            ps.setDouble(i, v);
        }
    }

    static String json(Map<String, String> m) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static TreeMap<String, String> map(String json) throws SQLException {
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored labels are not a JSON object: " + e.getOriginalMessage(), e);
        }
    }
}
