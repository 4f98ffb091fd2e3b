package dev.peephole.collector.dashboards;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The {@code dashboards} table: custom dashboards with their owner and JSON definition. */
@Singleton
public class DashboardStore {
    private static final String COLUMNS = "d.id, d.owner_id, u.username, d.title, d.definition::text, d.created_at, "
            + "d.updated_at, d.updated_by";
    private static final String FROM = " FROM dashboards d JOIN users u ON u.id = d.owner_id";

    private final DataSource dataSource;

    public DashboardStore(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    /** A stored dashboard; {@code definition} is its JSON ({@link DashboardDefinition}). */
    public record Stored(long id, long ownerId, String owner, String title, String definition, Instant createdAt,
                         Instant updatedAt, String updatedBy) {
    }

    public List<Stored> list() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + FROM + " ORDER BY lower(d.title), d.id");
             ResultSet rs = ps.executeQuery()) {
            List<Stored> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row(rs));
            }
            return out;
        }
    }

    public Optional<Stored> get(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + FROM + " WHERE d.id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    public Stored create(long ownerId, String actor, DashboardDefinition d) throws SQLException {
        long id;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO dashboards (owner_id, title, definition, updated_by) "
                     + "VALUES (?, ?, ?::jsonb, ?) RETURNING id")) {
            ps.setLong(1, ownerId);
            ps.setString(2, d.title());
            ps.setString(3, d.toJson());
            ps.setString(4, actor);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        return get(id).orElseThrow();
    }

    public Optional<Stored> update(long id, String actor, DashboardDefinition d) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE dashboards SET title = ?, definition = ?::jsonb, "
                     + "updated_at = now(), updated_by = ? WHERE id = ?")) {
            ps.setString(1, d.title());
            ps.setString(2, d.toJson());
            ps.setString(3, actor);
            ps.setLong(4, id);
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        return get(id);
    }

    public boolean delete(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM dashboards WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate() > 0;
        }
    }

    private static Stored row(ResultSet rs) throws SQLException {
        return new Stored(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(), rs.getString(8));
    }
}
