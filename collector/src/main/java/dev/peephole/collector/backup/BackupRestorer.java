package dev.peephole.collector.backup;

import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.db.StorageFlavour;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Restores a backup file written by {@link BackupWriter}. Everything that can make it refuse
 * is checked before the database is touched: the file is whole (ZIP structure, every
 * entry's CRC, every table's SHA-256 and byte count, the payload SHA-256), its schema is one
 * this collector knows, it is of the target's storage flavour, and the target is empty (or
 * {@code force}). Then the schema is migrated to the backup's version and, in one
 * transaction, the tables are emptied (with {@code force}), partitions re-created, the data
 * loaded with binary {@code COPY FROM} in dependency order, and every owned sequence set
 * past its column's maximum. A failure there rolls the whole load back.
 */
public final class BackupRestorer {

    /** A restore that was refused before anything was changed; the message says why. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    private BackupRestorer() {
    }

    /** Reads and checks the whole file; returns its manifest or refuses. Changes nothing. */
    public static BackupManifest verify(Path file) throws Refused, IOException {
        if (!Files.isRegularFile(file)) {
            throw new Refused("no backup file at " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            BackupManifest m = manifest(zip, file);
            MessageDigest payload = BackupWriter.sha256();
            byte[] buf = new byte[1 << 16];
            for (BackupManifest.Table t : m.tables()) {
                ZipEntry e = zip.getEntry(t.entry());
                if (e == null) {
                    throw new Refused("the backup file " + file + " is damaged: table " + t.name() + " is missing");
                }
                MessageDigest digest = BackupWriter.sha256();
                long bytes = 0;
                try (InputStream in = zip.getInputStream(e)) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        digest.update(buf, 0, r);
                        payload.update(buf, 0, r);
                        bytes += r;
                    }
                }
                if (bytes != t.bytes() || !HexFormat.of().formatHex(digest.digest()).equals(t.sha256())) {
                    throw new Refused("the backup file " + file + " was changed or damaged: the checksum of table "
                            + t.name() + " does not match its manifest");
                }
            }
            if (!BackupWriter.hex(payload).equals(m.payloadSha256())) {
                throw new Refused("the backup file " + file + " was changed or damaged: the payload checksum does not match");
            }
            return m;
        } catch (ZipException | EOFException e) {
            throw new Refused("the backup file " + file + " is truncated or damaged (" + e.getMessage() + ")");
        }
    }

    private static BackupManifest manifest(ZipFile zip, Path file) throws Refused, IOException {
        ZipEntry entry = zip.getEntry(BackupManifest.ENTRY);
        if (entry == null) {
            throw new Refused(file + " is not a Peephole backup (it has no " + BackupManifest.ENTRY + ")");
        }
        BackupManifest m;
        try (InputStream in = zip.getInputStream(entry)) {
            m = BackupManifest.parse(in.readAllBytes());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new Refused("the backup file " + file + " has an unreadable manifest: " + e.getOriginalMessage());
        }
        if (!BackupManifest.PRODUCT.equals(m.product()) || m.tables() == null || m.schemaVersion() == null) {
            throw new Refused(file + " is not a Peephole backup");
        }
        if (m.formatVersion() > BackupManifest.FORMAT_VERSION) {
            throw new Refused("the backup file " + file + " has format " + m.formatVersion()
                    + ", newer than this collector reads (" + BackupManifest.FORMAT_VERSION + "): restore it with a newer Peephole");
        }
        return m;
    }

    /**
     * What a restore did: rows and bytes loaded, its whole time, and the parts spent migrating
     * the schema and loading the data (COPY FROM to commit).
     */
    public record Result(BackupManifest manifest, long rows, long bytes, double seconds, double schemaSeconds,
                         double dataSeconds) {
    }

    /**
     * Restores {@code file} into the database of {@code c} (autocommit connection, not closed).
     * Refuses, changing nothing, on any of the reasons in the class comment.
     */
    public static Result restore(Path file, Connection c, boolean force, Consumer<String> progress)
            throws Refused, IOException, SQLException {
        return restore(file, verify(file), c, force, progress);
    }

    /**
     * As above for a file {@link #verify} has just checked and returned {@code m} for; the
     * result's time is that of the load (migration, COPY, sequences, ANALYZE).
     */
    public static Result restore(Path file, BackupManifest m, Connection c, boolean force, Consumer<String> progress)
            throws Refused, IOException, SQLException {
        long started = System.nanoTime();
        progress.accept("Checked " + file + ": schema " + m.schemaVersion() + ", " + m.tables().size() + " tables, "
                + m.totalRows() + " rows, checksums match");
        StorageFlavour flavour = SchemaMigrator.detectFlavour(c);
        String flavourName = flavour == StorageFlavour.TIMESCALEDB ? "timescaledb" : "postgres";
        MigrationVersion backupVersion = MigrationVersion.fromVersion(m.schemaVersion());
        Flyway flyway = SchemaMigrator.flyway(c, flavour, null);
        MigrationVersion known = newestKnown(flyway);
        if (backupVersion.compareTo(known) > 0) {
            throw new Refused("the backup's schema version " + m.schemaVersion() + " is newer than this collector knows ("
                    + known.getVersion() + "): restore it with the Peephole version that wrote it, or a newer one");
        }
        if (!m.flavour().equals(flavourName)) {
            throw new Refused("the backup is of a " + m.flavour() + " database and the target is " + flavourName
                    + ": restore into the same kind of database");
        }
        Optional<MigrationVersion> targetVersion = SchemaCatalog.schemaVersion(c);
        Optional<String> occupied = firstNonEmptyTable(c);
        if (occupied.isPresent() && !force) {
            throw new Refused("the target database is not empty (table " + occupied.get() + " has rows): restore into "
                    + "an empty data directory or database, or pass --force to replace its contents");
        }
        if (targetVersion.isPresent() && targetVersion.get().compareTo(backupVersion) > 0) {
            throw new Refused("the target's schema (version " + targetVersion.get().getVersion()
                    + ") is newer than the backup's (" + m.schemaVersion() + "): restore into an empty data directory or database");
        }
        // From here on the database changes.
        SchemaMigrator.flyway(c, flavour, m.schemaVersion()).migrate();
        progress.accept(String.format(java.util.Locale.ROOT, "Schema at version %s (%.1f s)", m.schemaVersion(),
                (System.nanoTime() - started) / 1e9));
        double schemaSeconds = (System.nanoTime() - started) / 1e9;
        long dataStarted = System.nanoTime();
        boolean replica = tryReplicationRole(c);
        long rows = 0;
        long bytes = 0;
        c.setAutoCommit(false);
        try (ZipFile zip = new ZipFile(file.toFile()); Statement s = c.createStatement()) {
            if (occupied.isPresent()) {
                List<String> all = new ArrayList<>();
                for (String t : SchemaCatalog.tables(c)) {
                    all.add(SchemaCatalog.quote(t));
                }
                for (String skipped : SchemaCatalog.SKIPPED.keySet()) {
                    if (!skipped.equals("flyway_schema_history") && SchemaCatalog.hasTable(c, skipped)) {
                        all.add(SchemaCatalog.quote(skipped));
                    }
                }
                s.execute("TRUNCATE " + String.join(", ", all) + " CASCADE");
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (BackupManifest.Table t : m.tables()) {
                String table = SchemaCatalog.quote(t.name());
                if (t.partitions() != null) {
                    for (BackupManifest.Partition p : t.partitions()) {
                        if (p.bound() == null) {
                            continue; // a TimescaleDB chunk listed by an earlier version: TimescaleDB makes its own
                        }
                        s.execute("CREATE TABLE IF NOT EXISTS " + SchemaCatalog.quote(p.name()) + " PARTITION OF "
                                + table + " " + p.bound());
                    }
                }
                long tableStarted = System.nanoTime();
                // A large table loads faster without its secondary indexes, built once afterwards
                // (the table is empty here: new, or emptied above, in this transaction).
                List<String> rebuild = flavour == StorageFlavour.POSTGRES && t.rows() >= bulkRows
                        ? dropSecondaryIndexes(c, t.name()) : List.of();
                try (InputStream in = zip.getInputStream(zip.getEntry(t.entry()))) {
                    long loaded = copy.copyIn("COPY " + table + " (" + SchemaCatalog.columnList(t.columns())
                            + ") FROM STDIN (FORMAT binary)", in, 1 << 16);
                    if (loaded != t.rows()) {
                        throw new SQLException("table " + t.name() + ": loaded " + loaded + " rows, the manifest says "
                                + t.rows());
                    }
                }
                for (String definition : rebuild) {
                    s.execute(definition);
                }
                rows += t.rows();
                bytes += t.bytes();
                progress.accept(String.format(java.util.Locale.ROOT, "  %s: %d rows (%.1f s)", t.name(), t.rows(),
                        (System.nanoTime() - tableStarted) / 1e9));
            }
            for (String[] seq : SchemaCatalog.ownedSequences(c)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, COALESCE((SELECT max("
                        + SchemaCatalog.quote(seq[2]) + ") FROM " + SchemaCatalog.quote(seq[1]) + "), 0) + 1, false)")) {
                    ps.setString(1, SchemaCatalog.quote(seq[0]));
                    ps.executeQuery().close();
                }
            }
            c.commit();
        } catch (IOException | SQLException | RuntimeException e) {
            c.rollback();
            progress.accept("Load failed and rolled back: " + e.getMessage());
            throw e;
        } finally {
            c.setAutoCommit(true);
            if (replica) {
                try (Statement s = c.createStatement()) {
                    s.execute("RESET session_replication_role");
                }
            }
        }
        double dataSeconds = (System.nanoTime() - dataStarted) / 1e9;
        long analyzeStarted = System.nanoTime();
        try (Statement s = c.createStatement()) {
            for (BackupManifest.Table t : m.tables()) {
                s.execute("ANALYZE " + SchemaCatalog.quote(t.name()));
            }
            progress.accept(String.format(java.util.Locale.ROOT, "Committed; statistics gathered (%.1f s)",
                    (System.nanoTime() - analyzeStarted) / 1e9));
            if (flavour == StorageFlavour.TIMESCALEDB) {
                refreshContinuousAggregates(c);
            }
        }
        return new Result(m, rows, bytes, (System.nanoTime() - started) / 1e9, schemaSeconds, dataSeconds);
    }

    /** Tables of at least this many rows are loaded without their secondary indexes (tests lower it). */
    static volatile long bulkRows = 100_000;

    /**
     * Drops the table's indexes that back no constraint and returns their definitions to
     * build them again (a partitioned table's index is created on the parent, for every
     * partition, as the migrations created it).
     */
    private static List<String> dropSecondaryIndexes(Connection c, String table) throws SQLException {
        List<String[]> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                + "FROM pg_index i WHERE i.indrelid = to_regclass(quote_ident(?)) "
                + "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        List<String> definitions = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            if (!found.isEmpty()) {
                s.execute("SET LOCAL maintenance_work_mem = '256MB'");
            }
            for (String[] index : found) {
                s.execute("DROP INDEX " + index[0]);
                definitions.add(index[1].replace(" ON ONLY ", " ON "));
            }
        }
        return definitions;
    }

    private static MigrationVersion newestKnown(Flyway flyway) {
        MigrationVersion max = MigrationVersion.EMPTY;
        for (MigrationInfo i : flyway.info().all()) {
            if (i.getVersion() != null && i.getState().isResolved() && i.getVersion().compareTo(max) > 0) {
                max = i.getVersion();
            }
        }
        return max;
    }

    /** The first table of the collector's (or a skipped one but Flyway's) that has a row. */
    private static Optional<String> firstNonEmptyTable(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>(SchemaCatalog.tables(c));
        for (String skipped : SchemaCatalog.SKIPPED.keySet()) {
            if (!skipped.equals("flyway_schema_history") && SchemaCatalog.hasTable(c, skipped)) {
                tables.add(skipped);
            }
        }
        try (Statement s = c.createStatement()) {
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + SchemaCatalog.quote(t) + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return Optional.of(t);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Loads without firing the tables' triggers (what they would derive is in the backup
     * already) where the user may: a superuser, as on the embedded database. Elsewhere triggers
     * fire as for any insert.
     */
    private static boolean tryReplicationRole(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** TimescaleDB: materializes the continuous aggregates over all restored data (minutes, then hours). */
    private static void refreshContinuousAggregates(Connection c) throws SQLException {
        List<String> views = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT view_name FROM timescaledb_information.continuous_aggregates "
                     + "WHERE view_schema = 'public' ORDER BY materialization_hypertable_name")) {
            while (rs.next()) {
                views.add(rs.getString(1));
            }
        }
        for (String v : views) {
            try (PreparedStatement ps = c.prepareStatement("CALL refresh_continuous_aggregate(?::regclass, NULL, NULL)")) {
                ps.setString(1, SchemaCatalog.quote(v));
                ps.execute();
            }
        }
    }
}
