package dev.peephole.collector.notify;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Dispatcher}'s notification log kept in the database ({@code notified_state}):
 * what each group's receiver was last told and which escalation levels went out. Several
 * collectors share it, so the one that takes over alerting after a leader dies (or a
 * restarted one) does not send again what was already sent. Database trouble never stops a
 * notification: an unreadable entry counts as absent (a notification may then repeat).
 */
@Singleton
public class NotifiedState implements Dispatcher.SentLog {

    private static final Logger LOG = LoggerFactory.getLogger(NotifiedState.class);
    private final ConnectionPool pool;

    public NotifiedState(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public Dispatcher.Sent load(String key) {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT firing, resolved, sent_at FROM notified_state WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Dispatcher.Sent(set(rs.getArray(1)), set(rs.getArray(2)), rs.getTimestamp(3).toInstant());
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("notification log entry not readable (it may be sent again): {}", e.getMessage());
            return null;
        }
    }

    @Override
    public void save(String key, Dispatcher.Sent sent) {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notified_state (key, firing, resolved, sent_at) "
                     + "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET firing = excluded.firing, "
                     + "resolved = excluded.resolved, sent_at = excluded.sent_at")) {
            ps.setString(1, key);
            ps.setArray(2, c.createArrayOf("text", sent.firing().toArray()));
            ps.setArray(3, c.createArrayOf("text", sent.resolved().toArray()));
            ps.setTimestamp(4, Timestamp.from(sent.at()));
            ps.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("notification log entry not stored: {}", e.getMessage());
        }
    }

    @Override
    public void delete(String key) {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notified_state WHERE key = ?")) {
            ps.setString(1, key);
            ps.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("notification log entry not deleted: {}", e.getMessage());
        }
    }

    /** Deletes entries not updated for {@code keep}; returns how many. */
    public int prune(Duration keep) {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notified_state WHERE sent_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now().minus(keep)));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("notification log: " + e.getMessage(), e);
        }
    }

    private static Set<String> set(Array a) throws SQLException {
        return a == null ? Set.of() : new TreeSet<>(Arrays.asList((String[]) a.getArray()));
    }
}
