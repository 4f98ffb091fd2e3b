package dev.peephole.collector.notify;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.promql.LabelMatcher;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Silences in the database (shared by every collector on it), with an in-memory copy of the
 * unexpired ones that the dispatcher checks; the copy is reloaded after each change here
 * and every 10 s for changes made by other collectors.
 */
@Singleton
public class SilenceStore implements Dispatcher.Silencer {

    private static final Logger LOG = LoggerFactory.getLogger(SilenceStore.class);
    /** How often {@link NotificationService} reloads the copy (changes made by other collectors). */
    static final long REFRESH_MS = 10_000;

    /** One matcher as Alertmanager's API writes it. */
    @Serdeable
    public record SilenceMatcher(String name, String value, boolean isRegex, boolean isEqual) {
        LabelMatcher compile() {
            LabelMatcher.Type t = isRegex ? (isEqual ? LabelMatcher.Type.RE : LabelMatcher.Type.NRE)
                    : (isEqual ? LabelMatcher.Type.EQ : LabelMatcher.Type.NEQ);
            return new LabelMatcher(name, t, value);
        }
    }

    /** A silence; {@code status} is {@code pending}, {@code active} or {@code expired} as in Alertmanager. */
    @Serdeable
    public record Silence(String id, List<SilenceMatcher> matchers, Instant startsAt, Instant endsAt, String createdBy,
                          String comment, Instant updatedAt) {
        public String status(Instant now) {
            if (!endsAt.isAfter(now)) {
                return "expired";
            }
            return startsAt.isAfter(now) ? "pending" : "active";
        }
    }

    private record Compiled(Silence silence, List<LabelMatcher> matchers) {
    }

    private final ConnectionPool pool;
    private volatile List<Compiled> unexpired = List.of();

    public SilenceStore(ConnectionPool pool) {
        this.pool = pool;
    }

    /** Checks the in-memory copy only (never the database: the dispatcher must not wait on it). */
    @Override
    public boolean silenced(Map<String, String> labels, Instant now) {
        for (Compiled c : unexpired) {
            if (!c.silence().startsAt().isAfter(now) && c.silence().endsAt().isAfter(now)
                    && dev.peephole.collector.notify.config.Matchers.matchAll(c.matchers(), labels)) {
                return true;
            }
        }
        return false;
    }

    /** Reloads the unexpired silences (keeps the old copy while the database is away). */
    public void refresh() {
        try {
            List<Compiled> out = new ArrayList<>();
            for (Silence s : query("SELECT * FROM silences WHERE ends_at > now() ORDER BY starts_at", null)) {
                out.add(new Compiled(s, s.matchers().stream().map(SilenceMatcher::compile).toList()));
            }
            unexpired = List.copyOf(out);
        } catch (RuntimeException e) {
            LOG.warn("could not load silences: {}", e.getMessage());
        }
    }

    public List<Silence> list() {
        return query("SELECT * FROM silences ORDER BY starts_at DESC, id", null);
    }

    public Optional<Silence> get(String id) {
        return query("SELECT * FROM silences WHERE id = ?", id).stream().findFirst();
    }

    /** Creates a silence; the matchers must have been checked (see {@link SilenceMatcher#compile()}). */
    public Silence create(List<SilenceMatcher> matchers, Instant startsAt, Instant endsAt, String createdBy, String comment) {
        Silence s = new Silence(UUID.randomUUID().toString(), List.copyOf(matchers), startsAt, endsAt, createdBy, comment,
                Instant.now());
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at)"
                             + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, s.id());
            ps.setString(2, Payloads.JSON.writeValueAsString(s.matchers()));
            ps.setTimestamp(3, Timestamp.from(startsAt));
            ps.setTimestamp(4, Timestamp.from(endsAt));
            ps.setString(5, createdBy);
            ps.setString(6, comment);
            ps.setTimestamp(7, Timestamp.from(s.updatedAt()));
            ps.executeUpdate();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("could not store the silence: " + e.getMessage(), e);
        }
        refresh();
        return s;
    }

    /** Expires a silence now (a pending one ends before it starts); false when it was already expired. */
    public boolean expire(String id) {
        Instant now = Instant.now();
        int n;
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE silences SET starts_at = LEAST(starts_at, ?), ends_at = ?, updated_at = ?"
                             + " WHERE id = ? AND ends_at > ?")) {
            Timestamp t = Timestamp.from(now);
            ps.setTimestamp(1, t);
            ps.setTimestamp(2, t);
            ps.setTimestamp(3, t);
            ps.setString(4, id);
            ps.setTimestamp(5, t);
            n = ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not expire the silence: " + e.getMessage(), e);
        }
        refresh();
        return n > 0;
    }

    private List<Silence> query(String sql, String param) {
        try (Connection c = pool.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            List<Silence> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Silence(rs.getString("id"),
                            Payloads.JSON.readValue(rs.getString("matchers"), new TypeReference<List<SilenceMatcher>>() { }),
                            rs.getTimestamp("starts_at").toInstant(), rs.getTimestamp("ends_at").toInstant(),
                            rs.getString("created_by"), rs.getString("comment"), rs.getTimestamp("updated_at").toInstant()));
                }
            }
            return out;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("could not read silences: " + e.getMessage(), e);
        }
    }
}
