package dev.peephole.collector.notify;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The delivery log table: every notification's outcome (receiver, integration, group key, attempts, error). */
@Singleton
public class DeliveryLog implements Consumer<DeliveryRecord> {

    private final ConnectionPool pool;

    public DeliveryLog(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public void accept(DeliveryRecord r) {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO notification_log (at, receiver, integration, group_key,"
                     + " status, alerts, outcome, attempts, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setTimestamp(1, Timestamp.from(r.at()));
            ps.setString(2, r.receiver());
            ps.setString(3, r.integration());
            ps.setString(4, r.groupKey());
            ps.setString(5, r.status());
            ps.setInt(6, r.alerts());
            ps.setString(7, r.outcome());
            ps.setInt(8, r.attempts());
            ps.setString(9, r.error());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("delivery log: " + e.getMessage(), e);
        }
    }

    /** Deletes entries older than {@code keep}; returns how many. */
    public int prune(java.time.Duration keep) {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM notification_log WHERE at < ?")) {
            ps.setTimestamp(1, Timestamp.from(java.time.Instant.now().minus(keep)));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("delivery log: " + e.getMessage(), e);
        }
    }

    /** The newest entries first, optionally of one receiver. */
    public List<DeliveryRecord> recent(String receiver, int limit) {
        String sql = "SELECT * FROM notification_log" + (receiver == null ? "" : " WHERE receiver = ?")
                + " ORDER BY id DESC LIMIT ?";
        try (Connection c = pool.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (receiver != null) {
                ps.setString(i++, receiver);
            }
            ps.setInt(i, limit);
            List<DeliveryRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeliveryRecord(rs.getTimestamp("at").toInstant(), rs.getString("receiver"),
                            rs.getString("integration"), rs.getString("group_key"), rs.getString("status"),
                            rs.getInt("alerts"), rs.getString("outcome"), rs.getInt("attempts"), rs.getString("error")));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("delivery log: " + e.getMessage(), e);
        }
    }
}
