package dev.peephole.collector.alerting;

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

/** Rules created, edited, disabled and deleted through {@code /api/v1/rules}. */
@Singleton
public class RuleStore {
    private static final String COLUMNS = "id, group_name, kind, name, expr, for_ms, keep_firing_for_ms, labels::text, "
            + "annotations::text, enabled, created_by, created_at, updated_by, updated_at";

    private final DataSource dataSource;

    public RuleStore(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    /** A stored rule. */
    public record ApiRule(long id, String group, RuleSpec spec, boolean enabled, String createdBy, Instant createdAt,
                          String updatedBy, Instant updatedAt) {
    }

    public List<ApiRule> list() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM alert_rules ORDER BY group_name, id");
             ResultSet rs = ps.executeQuery()) {
            List<ApiRule> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row(rs));
            }
            return out;
        }
    }

    public Optional<ApiRule> get(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM alert_rules WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    public ApiRule create(String group, RuleSpec spec, boolean enabled, String actor) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO alert_rules (group_name, kind, name, expr, for_ms, "
                     + "keep_firing_for_ms, labels, annotations, enabled, created_by, updated_by) "
                     + "VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?) RETURNING " + COLUMNS)) {
            bind(ps, group, spec, enabled);
            ps.setString(10, actor);
            ps.setString(11, actor);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return row(rs);
            }
        }
    }

    public Optional<ApiRule> update(long id, String group, RuleSpec spec, boolean enabled, String actor)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE alert_rules SET group_name = ?, kind = ?, name = ?, "
                     + "expr = ?, for_ms = ?, keep_firing_for_ms = ?, labels = ?::jsonb, annotations = ?::jsonb, "
                     + "enabled = ?, updated_by = ?, updated_at = now() WHERE id = ? RETURNING " + COLUMNS)) {
            bind(ps, group, spec, enabled);
            ps.setString(10, actor);
            ps.setLong(11, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    public boolean delete(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM alert_rules WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** A fingerprint of the whole table, so every collector notices another's edits. */
    public String version() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') "
                     + "|| ':' || coalesce(sum(id), 0) FROM alert_rules");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void bind(PreparedStatement ps, String group, RuleSpec spec, boolean enabled) throws SQLException {
        ps.setString(1, group);
        ps.setString(2, spec.alerting() ? "alerting" : "recording");
        ps.setString(3, spec.name());
        ps.setString(4, spec.expr());
        ps.setLong(5, spec.forMs());
        ps.setLong(6, spec.keepFiringForMs());
        ps.setString(7, AlertStore.json(spec.labels()));
        ps.setString(8, AlertStore.json(spec.annotations()));
        ps.setBoolean(9, enabled);
    }

    private static ApiRule row(ResultSet rs) throws SQLException {
        RuleSpec spec = new RuleSpec("alerting".equals(rs.getString(3)) ? RuleSpec.Kind.ALERTING : RuleSpec.Kind.RECORDING,
                rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), AlertStore.map(rs.getString(8)),
                AlertStore.map(rs.getString(9)));
        return new ApiRule(rs.getLong(1), rs.getString(2), spec, rs.getBoolean(10), rs.getString(11),
                rs.getTimestamp(12).toInstant(), rs.getString(13), rs.getTimestamp(14).toInstant());
    }
}
