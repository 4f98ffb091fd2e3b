package dev.peephole.collector.backup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.flywaydb.core.api.MigrationVersion;

/**
 * What the collector owns in a database, read from PostgreSQL's catalog rather than from a
 * list that rots as migrations add tables: every ordinary or partitioned table of schema
 * {@code public} that is not itself a partition (TimescaleDB's chunks and continuous
 * aggregates' storage live in its own schemas, so hypertables are read through their parent).
 */
final class SchemaCatalog {

    /**
     * Tables a backup leaves out, each with its reason. Flyway's history is the schema, not
     * data: the manifest names its version and restore re-creates it by migrating. Dashboard
     * sessions are logins that expire within hours and are bearer secrets: after a restore
     * users log in again.
     */
    static final Map<String, String> SKIPPED = Map.of(
            "flyway_schema_history", "the schema version is in the manifest; restore migrates to it",
            "dashboard_sessions", "short-lived logins (secrets); users log in again after a restore");

    private SchemaCatalog() {
    }

    /** The collector's tables in dependency order (referenced tables first), skipped ones excluded. */
    static List<String> tables(Connection c) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                     + "AND c.relkind IN ('r', 'p') AND NOT c.relispartition")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        names.removeAll(SKIPPED.keySet());
        Map<String, Set<String>> references = new TreeMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT r.relname, f.relname FROM pg_constraint k "
                     + "JOIN pg_class r ON r.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid "
                     + "WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace")) {
            while (rs.next()) {
                references.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2));
            }
        }
        List<String> ordered = new ArrayList<>();
        Set<String> placed = new LinkedHashSet<>();
        for (String name : names) {
            place(name, names, references, placed, ordered, new LinkedHashSet<>());
        }
        return ordered;
    }

    private static void place(String name, Set<String> names, Map<String, Set<String>> references, Set<String> placed,
                              List<String> ordered, Set<String> visiting) {
        if (placed.contains(name) || !names.contains(name) || !visiting.add(name)) {
            return; // done, not ours, or a reference cycle (loaded in name order then)
        }
        for (String dep : references.getOrDefault(name, Set.of())) {
            if (!dep.equals(name)) {
                place(dep, names, references, placed, ordered, visiting);
            }
        }
        placed.add(name);
        ordered.add(name);
    }

    /** The table's columns in order, leaving out generated ones (COPY cannot load those). */
    static List<String> columns(Connection c, String table) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                + "to_regclass(quote_ident(?)) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.add(rs.getString(1));
                }
            }
        }
        return cols;
    }

    /**
     * The partitions of a partitioned table with their bounds; empty for other tables, and for
     * hypertables, whose chunks inherit from them without a bound (TimescaleDB makes its own).
     */
    static List<BackupManifest.Partition> partitions(Connection c, String table) throws SQLException {
        List<BackupManifest.Partition> parts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT p.relname, pg_get_expr(p.relpartbound, p.oid) "
                + "FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid "
                + "WHERE i.inhparent = to_regclass(quote_ident(?)) AND p.relispartition ORDER BY 1")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(new BackupManifest.Partition(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return parts;
    }

    /**
     * The column that says when a row happened: a partitioned table's partition key, else the
     * first timestamptz column that leads an index (so its min and max are cheap), if any.
     */
    static Optional<String> timeColumn(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_partitioned_table p "
                + "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
                + "WHERE p.partrelid = to_regclass(quote_ident(?)) AND a.atttypid = 'timestamptz'::regtype")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return Optional.of(rs.getString(1));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_index i "
                + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                + "WHERE i.indrelid = to_regclass(quote_ident(?)) AND a.atttypid = 'timestamptz'::regtype "
                + "ORDER BY a.attnum LIMIT 1")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** True when the database has the table (schema public). */
    static boolean hasTable(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(quote_ident(?)) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The highest successfully applied Flyway version, if the schema was ever migrated. */
    static Optional<MigrationVersion> schemaVersion(Connection c) throws SQLException {
        if (!hasTable(c, "flyway_schema_history")) {
            return Optional.empty();
        }
        MigrationVersion max = null;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL")) {
            while (rs.next()) {
                MigrationVersion v = MigrationVersion.fromVersion(rs.getString(1));
                if (max == null || v.compareTo(max) > 0) {
                    max = v;
                }
            }
        }
        return Optional.ofNullable(max);
    }

    /** True when the timescaledb extension is installed in this database. */
    static boolean hasTimescale(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    /** {@code "name"} quoted as an SQL identifier. */
    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static String columnList(List<String> columns) {
        List<String> quoted = new ArrayList<>(columns.size());
        for (String col : columns) {
            quoted.add(quote(col));
        }
        return String.join(", ", quoted);
    }

    /** Sequences owned by a column (serial, identity): sequence, table, column. */
    static List<String[]> ownedSequences(Connection c) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT s.relname, t.relname, a.attname FROM pg_class s "
                     + "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid "
                     + "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                     + "JOIN pg_class t ON t.oid = d.refobjid "
                     + "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
                     + "WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace ORDER BY 1")) {
            while (rs.next()) {
                out.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        return out;
    }

}
