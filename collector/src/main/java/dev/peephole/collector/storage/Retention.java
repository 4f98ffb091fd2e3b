package dev.peephole.collector.storage;

import dev.peephole.collector.db.CollectorState;
import dev.peephole.collector.db.ConnectionPool;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.ConversionService;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How long each kind of data is kept: the {@code PEEPHOLE_RETENTION_*} settings, unless an
 * admin changed a kind live ({@code PUT /api/v1/status/storage/retention}); such a change is
 * stored in the database ({@code collector_state}, key {@code retention.<kind>}), so it
 * outlives restarts and holds for every collector on the database. Retention runs read
 * {@link #effective(Connection)} each time, so a change applies on the next run.
 */
@Singleton
public class Retention {

    /** The kinds of data with a retention of their own. */
    public enum Kind {
        POINTS("points", "PEEPHOLE_RETENTION_POINTS"),
        SPANS("spans", "PEEPHOLE_RETENTION_SPANS"),
        ROLLUPS("rollups", "PEEPHOLE_RETENTION_ROLLUPS"),
        SECURITY_EVENTS("securityEvents", "PEEPHOLE_RETENTION_SECURITY_EVENTS");

        private final String key;
        private final String setting;

        Kind(String key, String setting) {
            this.key = key;
            this.setting = setting;
        }

        /** The name in the API ({@code points}, {@code spans}, {@code rollups}, {@code securityEvents}). */
        public String key() {
            return key;
        }

        public String setting() {
            return setting;
        }

        String stateKey() {
            return "retention." + key;
        }

        public static Optional<Kind> byKey(String key) {
            for (Kind k : values()) {
                if (k.key.equals(key)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /** Shortest retention an admin may set: partitions and chunks are a day; less makes no sense below an hour. */
    public static final Duration MIN = Duration.ofHours(1);
    /** Longest: ten years. */
    public static final Duration MAX = Duration.ofDays(3650);

    /** One kind's retention, where it came from and (for a live change) when. */
    public record Value(Duration keep, String source, Instant changedAt) {
    }

    private final ConnectionPool pool;
    private final Map<Kind, Duration> configured = new EnumMap<>(Kind.class);

    public Retention(ConnectionPool pool,
                     @io.micronaut.context.annotation.Value("${peephole.retention.spans:7d}") Duration spans,
                     @io.micronaut.context.annotation.Value("${peephole.retention.points:7d}") Duration points,
                     @io.micronaut.context.annotation.Value("${peephole.retention.rollups:90d}") Duration rollups,
                     @io.micronaut.context.annotation.Value("${peephole.retention.security.events:90d}") Duration events) {
        this.pool = pool;
        configured.put(Kind.SPANS, spans);
        configured.put(Kind.POINTS, points);
        configured.put(Kind.ROLLUPS, rollups);
        configured.put(Kind.SECURITY_EVENTS, events);
    }

    /** The configured (setting or default) retention, before any live change. */
    public Duration configured(Kind kind) {
        return configured.get(kind);
    }

    public Duration spans() {
        return configured(Kind.SPANS);
    }

    public Duration points() {
        return configured(Kind.POINTS);
    }

    /** Both the 1-minute and the 1-hour rollups. */
    public Duration rollups() {
        return configured(Kind.ROLLUPS);
    }

    /** The retention each kind has now: a live change stored in the database, else the setting. */
    public Map<Kind, Value> effective(Connection c) throws SQLException {
        Map<Kind, Value> out = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            out.put(k, new Value(configured(k), "setting", null));
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT key, value, updated_at FROM collector_state WHERE key LIKE 'retention.%'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Optional<Kind> kind = Kind.byKey(rs.getString(1).substring("retention.".length()));
                if (kind.isPresent()) {
                    try {
                        out.put(kind.get(), new Value(Duration.parse(rs.getString(2)), "database",
                                rs.getTimestamp(3).toInstant()));
                    } catch (DateTimeParseException unreadable) {
                        // keep the setting; a value this version cannot read is not applied
                    }
                }
            }
        }
        return out;
    }

    public Map<Kind, Value> effective() throws SQLException {
        try (Connection c = pool.dataSource().getConnection()) {
            return effective(c);
        }
    }

    public Duration effective(Connection c, Kind kind) throws SQLException {
        return effective(c).get(kind).keep();
    }

    /** Stores live changes (all in one transaction). */
    public void change(Map<Kind, Duration> changes) throws SQLException {
        try (Connection c = pool.dataSource().getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                for (Map.Entry<Kind, Duration> e : changes.entrySet()) {
                    CollectorState.put(c, e.getKey().stateKey(), e.getValue().toString(), true);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /** Drops the live changes of these kinds: their settings apply again. */
    public void reset(Iterable<Kind> kinds) throws SQLException {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM collector_state WHERE key = ?")) {
            for (Kind k : kinds) {
                ps.setString(1, k.stateKey());
                ps.executeUpdate();
            }
        }
    }

    /**
     * A retention as an admin writes it ({@code 36h}, {@code 7d}, {@code 90m}, ISO-8601
     * {@code P7D}); empty when it is no duration.
     */
    public static Optional<Duration> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String t = text.trim();
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                return Optional.of(Duration.parse(t));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return ConversionService.SHARED.convert(t, Duration.class);
    }

    /** A duration in its largest whole unit: {@code 7d}, {@code 36h}, {@code 90m}, {@code 45s}, {@code 500ms}. */
    public static String format(Duration d) {
        if (d.getNano() != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s != 0 && s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s != 0 && s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
