package dev.peephole.collector.storage;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.db.StorageFlavour;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the database holds: size by kind of data, series per metric name (the cardinality
 * offenders, as Prometheus' TSDB status shows them), the oldest and newest data of each
 * kind, TimescaleDB's compression, and the retention of each kind. Reads only catalogs,
 * indexes and the newest/oldest partition or chunk, so it stays quick on a large database.
 */
@Singleton
public class StorageInsight {

    private static final Logger LOG = LoggerFactory.getLogger(StorageInsight.class);

    /** The tables of each kind; what is in none of them is "other". */
    static final Map<String, List<String>> KINDS = Map.of(
            "points", List.of("metric_points"),
            "series", List.of("metric_series", "metric_metadata"),
            "rollups", List.of("metric_rollup_1m", "metric_rollup_1h"),
            "spans", List.of("spans", "span_operations"),
            "securityEvents", List.of("security_events", "security_event_totals"));
    private static final List<String> KIND_ORDER = List.of("points", "series", "rollups", "spans", "securityEvents");

    private final ConnectionPool pool;
    private final SchemaMigrator schema;
    private final Retention retention;

    public StorageInsight(ConnectionPool pool, SchemaMigrator schema, Retention retention) {
        this.pool = pool;
        this.schema = schema;
        this.retention = retention;
    }

    @Serdeable
    public record KindSize(String kind, long bytes, List<String> tables) {
    }

    @Serdeable
    public record NameCount(String name, long value) {
    }

    @Serdeable
    public record TimeRange(@Nullable Instant oldest, @Nullable Instant newest) {
    }

    @Serdeable
    public record Compression(String hypertable, boolean applicable, @Nullable Long compressedChunks,
                              @Nullable Long totalChunks, @Nullable Long bytesBefore, @Nullable Long bytesAfter,
                              @Nullable Double ratio, String note) {
    }

    @Serdeable
    public record RetentionView(String kind, String keep, long seconds, String source, String setting,
                                String configured, @Nullable Instant changedAt) {
    }

    @Serdeable
    public record Report(String flavour, long databaseBytes, List<KindSize> sizes, long seriesCount,
                         List<NameCount> seriesCountByMetricName, List<NameCount> labelValueCountByLabelName,
                         Map<String, TimeRange> timeRanges, List<Compression> compression,
                         List<RetentionView> retention) {
    }

    /** The report; {@code top}: how many metric names (and label names) to list. */
    public Report report(int top) throws SQLException {
        StorageFlavour flavour = schema.flavour().orElseThrow(() -> new SQLException("the schema is not migrated yet"));
        try (Connection c = pool.dataSource().getConnection()) {
            long database = single(c, "SELECT pg_database_size(current_database())");
            List<KindSize> sizes = new ArrayList<>();
            long known = 0;
            for (String kind : KIND_ORDER) {
                long bytes = 0;
                for (String table : KINDS.get(kind)) {
                    bytes += tableBytes(c, flavour, table);
                }
                known += bytes;
                sizes.add(new KindSize(kind, bytes, KINDS.get(kind)));
            }
            sizes.add(new KindSize("other", Math.max(0, database - known), List.of()));

            long seriesCount = single(c, "SELECT count(*) FROM metric_series");
            List<NameCount> byName = counts(c, "SELECT metric_name, count(*) FROM metric_series "
                    + "GROUP BY metric_name ORDER BY count(*) DESC, metric_name LIMIT ?", top);
            List<NameCount> byLabel = counts(c, "SELECT l.key, count(DISTINCT l.value) FROM metric_series s, "
                    + "jsonb_each_text(s.labels) l GROUP BY l.key ORDER BY count(DISTINCT l.value) DESC, l.key LIMIT ?", top);

            Map<String, TimeRange> ranges = new java.util.LinkedHashMap<>();
            ranges.put("points", flavour == StorageFlavour.TIMESCALEDB
                    ? range(c, "SELECT min(t), max(t) FROM metric_points")
                    : partitionedRange(c, "metric_points", "t"));
            ranges.put("spans", flavour == StorageFlavour.TIMESCALEDB
                    ? range(c, "SELECT min(start_time), max(start_time) FROM spans")
                    : partitionedRange(c, "spans", "start_time"));
            ranges.put("rollups", range(c, "SELECT min(bucket), max(bucket) FROM metric_rollup_1h"));
            ranges.put("securityEvents", range(c, "SELECT min(at), max(at) FROM security_events"));

            List<Compression> compression = new ArrayList<>();
            for (String hypertable : List.of("metric_points", "spans")) {
                compression.add(flavour == StorageFlavour.TIMESCALEDB ? compression(c, hypertable)
                        : new Compression(hypertable, false, null, null, null, null, null,
                        "not applicable: plain PostgreSQL does not compress"));
            }

            return new Report(flavour.name().toLowerCase(java.util.Locale.ROOT), database, sizes, seriesCount,
                    byName, byLabel, ranges, compression, retention(c));
        }
    }

    /** The retention of each kind now. */
    public List<RetentionView> retention() throws SQLException {
        StorageFlavour flavour = schema.flavour().orElseThrow(() -> new SQLException("the schema is not migrated yet"));
        try (Connection c = pool.dataSource().getConnection()) {
            return retention(c);
        }
    }

    private List<RetentionView> retention(Connection c) throws SQLException {
        List<RetentionView> kept = new ArrayList<>();
        for (Map.Entry<Retention.Kind, Retention.Value> e : retention.effective(c).entrySet()) {
            Retention.Kind k = e.getKey();
            kept.add(new RetentionView(k.key(), Retention.format(e.getValue().keep()),
                    e.getValue().keep().toSeconds(), e.getValue().source(), k.setting(),
                    Retention.format(retention.configured(k)), e.getValue().changedAt()));
        }
        return kept;
    }

    /** Bytes of a table with its indexes and TOAST: a hypertable with its chunks, a partitioned table with its partitions. */
    static long tableBytes(Connection c, StorageFlavour flavour, String table) throws SQLException {
        if (flavour == StorageFlavour.TIMESCALEDB) {
            // hypertables (points, spans) and continuous aggregates (the rollups' materialized hypertables)
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT coalesce(sum(hypertable_size(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass)), 0), count(*) "
                            + "FROM timescaledb_information.hypertables h WHERE h.hypertable_schema = current_schema() "
                            + "AND h.hypertable_name = ? "
                            + "UNION ALL SELECT coalesce(sum(hypertable_size(format('%I.%I', a.materialization_hypertable_schema, "
                            + "a.materialization_hypertable_name)::regclass)), 0), count(*) "
                            + "FROM timescaledb_information.continuous_aggregates a WHERE a.view_schema = current_schema() "
                            + "AND a.view_name = ?")) {
                ps.setString(1, table);
                ps.setString(2, table);
                long bytes = 0;
                boolean found = false;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        bytes += rs.getLong(1);
                        found |= rs.getLong(2) > 0;
                    }
                }
                if (found) {
                    return bytes;
                }
            }
        }
        // the table itself plus every partition under it (plain PostgreSQL's day partitions)
        try (PreparedStatement ps = c.prepareStatement(
                "WITH RECURSIVE tree(oid) AS (SELECT to_regclass(?)::oid "
                        + "UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid) "
                        + "SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM tree WHERE oid IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Oldest and newest time of a day-partitioned table on plain PostgreSQL without scanning it:
     * the oldest (newest) partition with a row, read through its (series|service, time) index
     * once per series or service.
     */
    private static TimeRange partitionedRange(Connection c, String table, String column) throws SQLException {
        List<String> parts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class parent ON parent.oid = i.inhparent "
                        + "JOIN pg_class child ON child.oid = i.inhrelid WHERE parent.relname = ? "
                        + "AND parent.relnamespace = to_regnamespace(current_schema())::oid ORDER BY child.relname")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(rs.getString(1));
                }
            }
        }
        Instant oldest = null;
        for (String p : parts) {
            oldest = edge(c, table, p, column, true);
            if (oldest != null) {
                break;
            }
        }
        Instant newest = null;
        for (int i = parts.size() - 1; i >= 0; i--) {
            newest = edge(c, table, parts.get(i), column, false);
            if (newest != null) {
                break;
            }
        }
        return new TimeRange(oldest, newest);
    }

    /** min or max time of one partition, or null when it is empty (names come from pg_class, quoted). */
    private static Instant edge(Connection c, String table, String partition, String column, boolean min)
            throws SQLException {
        String p = quoteIdent(partition);
        String agg = min ? "min" : "max";
        String order = min ? "ASC" : "DESC";
        String sql = table.equals("metric_points")
                ? "SELECT " + agg + "(x) FROM metric_series s CROSS JOIN LATERAL (SELECT " + column + " AS x FROM " + p
                + " WHERE series_id = s.id ORDER BY " + column + " " + order + " LIMIT 1) e"
                : "SELECT " + agg + "(x) FROM (SELECT DISTINCT service_name FROM span_operations) s CROSS JOIN LATERAL "
                + "(SELECT " + column + " AS x FROM " + p + " WHERE service_name = s.service_name ORDER BY " + column
                + " " + order + " LIMIT 1) e";
        try (PreparedStatement exists = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + p + ")");
             ResultSet rs = exists.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return null;
            }
        }
        Instant viaIndex = instant(c, sql);
        if (viaIndex != null) {
            return viaIndex;
        }
        // rows whose series or service is not listed (should not happen): read the partition itself
        TimeRange whole = range(c, "SELECT min(" + column + "), max(" + column + ") FROM " + p);
        return min ? whole.oldest() : whole.newest();
    }

    private static String quoteIdent(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static Compression compression(Connection c, String hypertable) {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT total_chunks, number_compressed_chunks, before_compression_total_bytes, "
                        + "after_compression_total_bytes FROM hypertable_compression_stats(?::regclass)")) {
            ps.setString(1, hypertable);
            try (ResultSet rs = ps.executeQuery()) {
                long total = 0;
                long compressed = 0;
                long before = 0;
                long after = 0;
                while (rs.next()) {
                    total += rs.getLong(1);
                    compressed += rs.getLong(2);
                    before += rs.getLong(3);
                    after += rs.getLong(4);
                }
                if (compressed == 0 || after == 0) {
                    return new Compression(hypertable, true, compressed, total, null, null, null,
                            "no chunk compressed yet (chunks are compressed once a day old)");
                }
                return new Compression(hypertable, true, compressed, total, before, after,
                        Math.round(100.0 * before / after) / 100.0, "bytes before / after compression of the compressed chunks");
            }
        } catch (SQLException e) {
            LOG.debug("Compression stats of {} not read: {}", hypertable, e.getMessage());
            return new Compression(hypertable, true, null, null, null, null, null,
                    "compression statistics not readable: " + e.getMessage());
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<NameCount> counts(Connection c, String sql, int limit) throws SQLException {
        List<NameCount> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new NameCount(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return out;
    }

    private static Instant instant(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            Timestamp t = rs.getTimestamp(1);
            return t == null ? null : t.toInstant();
        }
    }

    private static TimeRange range(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            Timestamp a = rs.getTimestamp(1);
            Timestamp b = rs.getTimestamp(2);
            return new TimeRange(a == null ? null : a.toInstant(), b == null ? null : b.toInstant());
        }
    }
}
