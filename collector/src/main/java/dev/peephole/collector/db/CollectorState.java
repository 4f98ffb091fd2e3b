package dev.peephole.collector.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The small key/value state the collectors on one database share ({@code collector_state}). */
public final class CollectorState {

    private CollectorState() {
    }

    public static Optional<String> get(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM collector_state WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Sets the value, or only adds it when absent ({@code overwrite} false: the first writer wins). */
    public static void put(Connection c, String key, String value, boolean overwrite) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO collector_state (key, value, updated_at) VALUES (?, ?, now()) ON CONFLICT (key) "
                        + (overwrite ? "DO UPDATE SET value = excluded.value, updated_at = now()" : "DO NOTHING"))) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }
}
